import { Client } from 'pg';
import { databaseUrl, testInfra, uniqueId } from '@sightline/testing';
import { ensureDatabase } from './migrate';

describe('ensureDatabase', () => {
  it('lets several processes of one service create the same database at once', async () => {
    const name = uniqueId('t_ensure').slice(0, 63);
    const url = databaseUrl(name);
    try {
      // The cluster workers of one service start together: each finds no database and creates it.
      await Promise.all(Array.from({ length: 6 }, () => ensureDatabase(url)));
      const admin = new Client({ connectionString: testInfra.postgresUrl });
      await admin.connect();
      try {
        expect((await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount).toBe(1);
      } finally {
        await admin.end();
      }
    } finally {
      const admin = new Client({ connectionString: testInfra.postgresUrl });
      await admin.connect();
      await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`).finally(() => admin.end());
    }
  });
});
