import { findSchemaDrift } from '@sightline/migrate';
import { createTestDatabase } from '@sightline/testing';
import { migrationsDir, schemaPath } from '../migrations-dir';

describe('gateway schema', () => {
  it('matches its hand-written migrations', async () => {
    const database = await createTestDatabase('gw_drift', migrationsDir);
    try {
      expect(await findSchemaDrift(schemaPath, database.url)).toEqual([]);
    } finally {
      await database.drop();
    }
  });
});
