import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createTestDatabase, testInfra, testNamespace, type TestDatabase } from '@sightline/testing';
import { hashPassword, verifyPassword } from '../auth/passwords';
import { settingsOf } from '../domain/project-config';
import { migrationsDir } from '../migrations-dir';
import { createAccountStore } from '../stores/accounts.store';
import { createPrisma } from '../stores/prisma';

const run = promisify(execFile);

/** The demo bootstrap as `make up` runs it (the built CLI, real Postgres and Kafka), twice. */
describe('bootstrap-demo', () => {
  let database: TestDatabase;
  let db: ReturnType<typeof createPrisma>;
  const envFile = join(mkdtempSync(join(tmpdir(), 'sightline-bootstrap-')), 'demo.env');
  const email = 'demo@sightline.local';

  const bootstrap = () =>
    run(process.execPath, [join(__dirname, '..', '..', 'dist', 'cli', 'bootstrap-demo.js')], {
      env: { PATH: process.env.PATH ?? '', ...testInfra.kafkaSaslEnv, DATABASE_URL: database.url, KAFKA_BROKERS: testInfra.kafkaBrokers.join(','), TOPIC_NAMESPACE: namespace, DEMO_ENV_FILE: envFile, SCRYPT_COST: '1024', LOG_LEVEL: 'warn' },
    });
  const namespace = testNamespace('boot');

  beforeAll(async () => {
    database = await createTestDatabase('gw_boot', migrationsDir);
    db = createPrisma(database.url, 2);
  });
  afterAll(async () => {
    await db.$disconnect();
    await database.drop();
  });

  it("finding 8: a second `make up` keeps a demo member's changed password; finding 6: the demo project takes keyless writes by path", async () => {
    await bootstrap();
    const accounts = createAccountStore(db);
    const member = (await accounts.findMemberByEmail(email))!;
    expect(await verifyPassword('sightline-demo', member.passwordHash)).toBe(true);
    expect(readFileSync(envFile, 'utf8')).toContain("SIGHTLINE_DEMO_PASSWORD='sightline-demo'");
    const project = (await db.project.findUnique({ where: { id: 'demo' } }))!;
    expect(settingsOf(project).keylessPathWrites).toBe(true);

    await accounts.setPassword(member.id, await hashPassword('a password the member chose', 1024));
    await db.project.update({ where: { id: 'demo' }, data: { settings: { ...(project.settings as object), keylessPathWrites: false } } });
    await bootstrap();
    const after = (await accounts.findMemberByEmail(email))!;
    expect(await verifyPassword('a password the member chose', after.passwordHash)).toBe(true);
    expect(await verifyPassword('sightline-demo', after.passwordHash)).toBe(false);
    // The env file no longer claims the default works.
    expect(readFileSync(envFile, 'utf8')).not.toContain('SIGHTLINE_DEMO_PASSWORD');
    // An admin's choice is kept as well.
    expect(settingsOf((await db.project.findUnique({ where: { id: 'demo' } }))!).keylessPathWrites).toBe(false);
  }, 120_000);
});
