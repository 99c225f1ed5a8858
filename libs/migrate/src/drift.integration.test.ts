import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { createTestDatabase, repoRoot, type TestDatabase } from '@sightline/testing';
import { findSchemaDrift } from './drift';
import { migrate, readMigrations } from './migrate';

const services = readdirSync(join(repoRoot, 'services')).filter((s) => existsSync(join(repoRoot, 'services', s, 'prisma', 'schema.prisma')));

describe('every service schema.prisma agrees with its migrations', () => {
  it('has services with Prisma stores to check', () => {
    expect(services.length).toBeGreaterThan(0);
  });

  it.each(services)('%s', async (service) => {
    const prismaDir = join(repoRoot, 'services', service, 'prisma');
    const db = await createTestDatabase(`drift_${service.replace(/-/g, '_')}`.slice(0, 30), join(prismaDir, 'migrations'));
    try {
      expect(await findSchemaDrift(join(prismaDir, 'schema.prisma'), db.url)).toEqual([]);
    } finally {
      await db.drop();
    }
  });
});

const schemaHead = `generator client {\n  provider = "prisma-client"\n  output = "./generated"\n}\ndatasource db {\n  provider = "postgresql"\n}\n`;
const model = (extra: string) => `${schemaHead}
model Visitor {
  projectId  String   @map("project_id")
  index      Int
  traits     Json     @default("{}")
  firstSeen  DateTime @map("first_seen") @db.Timestamptz(3)
${extra}
  @@id([projectId, index])
  @@index([firstSeen])
  @@map("visitors")
}
`;
const migrationSql = `CREATE TABLE "visitors" (
  "project_id" TEXT NOT NULL,
  "index" INTEGER NOT NULL,
  "traits" JSONB NOT NULL DEFAULT '{}',
  "first_seen" TIMESTAMPTZ(3) NOT NULL,
  CONSTRAINT "visitors_pkey" PRIMARY KEY ("project_id", "index")
);
CREATE INDEX "visitors_first_seen_idx" ON "visitors" ("first_seen");
`;

describe('findSchemaDrift and migrate on a fixture', () => {
  let db: TestDatabase;
  const dir = mkdtempSync(join(tmpdir(), 'drift-'));
  const migrations = join(dir, 'migrations');

  beforeAll(async () => {
    mkdirSync(join(migrations, '20260101000000_init'), { recursive: true });
    writeFileSync(join(migrations, '20260101000000_init', 'migration.sql'), migrationSql);
    db = await createTestDatabase('drift_fixture', migrations);
  });
  afterAll(() => db.drop());

  it('finds no drift when schema and migration agree', async () => {
    writeFileSync(join(dir, 'schema.prisma'), model(''));
    expect(await findSchemaDrift(join(dir, 'schema.prisma'), db.url)).toEqual([]);
  });

  it('fails when a field is added to schema.prisma without a migration', async () => {
    writeFileSync(join(dir, 'schema.prisma'), model('  plan       String?'));
    expect(await findSchemaDrift(join(dir, 'schema.prisma'), db.url)).toEqual([{ table: 'visitors', column: 'plan', problem: 'column missing in database' }]);
  });

  it('fails on a changed type, nullability or a missing index', async () => {
    writeFileSync(join(dir, 'schema.prisma'), model('').replace('index      Int', 'index      BigInt').replace('traits     Json', 'traits     Json?').replace('@@index([firstSeen])', '@@index([firstSeen, index])'));
    const problems = (await findSchemaDrift(join(dir, 'schema.prisma'), db.url)).map((i) => `${i.column ?? ''}:${i.problem}`);
    expect(problems).toEqual(
      expect.arrayContaining(['index:type integer in database, bigint in schema', 'traits:nullable false in database, required false in schema', ':normal index on (first_seen, index) missing in database']),
    );
  });

  it('records migrations the way Prisma does and applies each once', async () => {
    const again = await migrate(db.url, migrations);
    expect(again).toEqual({ applied: [], alreadyApplied: ['20260101000000_init'] });
    const client = new Client({ connectionString: db.url });
    await client.connect();
    const { rows } = await client.query('SELECT migration_name, checksum, applied_steps_count, finished_at FROM "_prisma_migrations"');
    await client.end();
    expect(rows).toEqual([
      { migration_name: '20260101000000_init', checksum: readMigrations(migrations)[0]!.checksum, applied_steps_count: 1, finished_at: expect.any(Date) },
    ]);
    expect(rows[0].checksum).toMatch(/^[0-9a-f]{64}$/);
  });

  it('refuses a migration edited after it was applied', async () => {
    writeFileSync(join(migrations, '20260101000000_init', 'migration.sql'), `${migrationSql}-- edited\n`);
    await expect(migrate(db.url, migrations)).rejects.toThrow('modified after it was applied');
    writeFileSync(join(migrations, '20260101000000_init', 'migration.sql'), migrationSql);
  });
});
