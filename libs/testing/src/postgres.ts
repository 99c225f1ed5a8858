import { Client } from 'pg';
import { ensureDatabase, migrate } from '@sightline/migrate';
import { testInfra, uniqueId } from './env';

export interface TestDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

export function databaseUrl(name: string): string {
  const url = new URL(testInfra.postgresUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** A fresh database for one test file, migrated when a migrations folder is given. */
export async function createTestDatabase(prefix: string, migrationsDir?: string): Promise<TestDatabase> {
  const name = uniqueId(`t_${prefix}`).slice(0, 63);
  const url = databaseUrl(name);
  await ensureDatabase(url);
  if (migrationsDir) await migrate(url, migrationsDir);
  return {
    url,
    name,
    async drop() {
      const admin = new Client({ connectionString: testInfra.postgresUrl });
      await admin.connect();
      try {
        await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await admin.end();
      }
    },
  };
}
