// `make up` runs this once the services are up: a demo account, the project `demo` (the default
// project of the seed-compatible endpoints), its write key and a read key, written to
// .sightline/demo.env. Idempotent: a second run reuses everything, including the read key
// when the env file still holds a valid one (only its hash is stored, so a lost one is replaced),
// and never resets the demo member's password.
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { z } from 'zod';
import { defineConfig, loadConfig } from '@sightline/config';
import { topicNames } from '@sightline/contracts';
import { createKafka, createProducer, ensureTopics, standardTopicSpecs, topicRetentionOf } from '@sightline/kafka';
import { ensureDatabase, migrate } from '@sightline/migrate';
import { createLogger } from '@sightline/telemetry';
import { config as gatewayConfig } from '../config';
import { hashPassword, verifyPassword } from '../auth/passwords';
import { settingsOf } from '../domain/project-config';
import { hashSecret } from '../auth/secrets';
import { createChangePublisher } from '../publishers/change.publisher';
import { createPrisma } from '../stores/prisma';
import { buildDeps } from '../wiring';
import type { GatewayDeps } from '../routes/deps';

const cliConfig = defineConfig({
  ...gatewayConfig.schema.shape,
  DEMO_EMAIL: z.string().email().default('demo@sightline.local'),
  DEMO_PASSWORD: z.string().min(8).default('sightline-demo'),
  DEMO_PROJECT_ID: z.string().min(1).default('demo'),
  DEMO_ENV_FILE: z.string().default('.sightline/demo.env'),
});

const shellQuote = (v: string) => `'${v.replace(/'/g, `'\\''`)}'`;

function readEnvFile(path: string): Record<string, string> {
  if (!existsSync(path)) return {};
  const entries = readFileSync(path, 'utf8')
    .split('\n')
    .map((line) => /^(?:export\s+)?([A-Z_]+)='?(.*?)'?$/.exec(line.trim()))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => [m[1], m[2]] as const);
  return Object.fromEntries(entries);
}

/**
 * The demo member, created with DEMO_PASSWORD. An existing member keeps their password: resetting
 * it to the well-known default at every `make up` would undo the change anyone made to secure it.
 * `passwordWorks` says whether DEMO_PASSWORD still signs in (the env file names it only then).
 */
async function ensureMember(deps: GatewayDeps, email: string, password: string, cost: number) {
  const member = await deps.accounts.findMemberByEmail(email);
  if (!member) {
    const { account, member: created } = await deps.accounts.createAccountWithAdmin({ name: 'Demo', email, passwordHash: await hashPassword(password, cost) });
    return { memberId: created.id, accountId: account.id, passwordWorks: true };
  }
  const passwordWorks = await verifyPassword(password, member.passwordHash);
  const [first] = await deps.accounts.listAccountsOf(member.id);
  if (first) return { memberId: member.id, accountId: first.account.id, passwordWorks };
  throw new Error(`${email} exists but belongs to no account`);
}

async function main() {
  const env = loadConfig(cliConfig.schema);
  const logger = createLogger({ service: 'gateway-bootstrap', level: 'warn' });
  await ensureDatabase(env.DATABASE_URL);
  // Two levels up from both src/cli and dist/cli.
  await migrate(env.DATABASE_URL, join(__dirname, '..', '..', 'prisma', 'migrations'));
  const topics = topicNames(env.TOPIC_NAMESPACE);
  const kafka = createKafka({ brokers: env.KAFKA_BROKERS, clientId: 'gateway-bootstrap', logger });
  await ensureTopics(kafka, standardTopicSpecs(topics, topicRetentionOf(env)));
  const producer = createProducer(kafka, { compression: false });
  await producer.start();
  const db = createPrisma(env.DATABASE_URL, 2);
  try {
    const deps = buildDeps({ config: env, logger, db, publisher: createChangePublisher(producer, topics) });
    const { accountId, passwordWorks } = await ensureMember(deps, env.DEMO_EMAIL, env.DEMO_PASSWORD, env.SCRYPT_COST);
    let project = await deps.projects.get(env.DEMO_PROJECT_ID);
    if (project && project.accountId !== accountId) throw new Error(`project ${env.DEMO_PROJECT_ID} belongs to another account`);
    // The demo takes HiiTrack's keyless writes by path (the seed's examples); a project created
    // before that setting existed gets it once, and an admin's later choice is kept.
    project ??= await deps.projects.create(accountId, { id: env.DEMO_PROJECT_ID, name: 'Demo', slug: 'demo', timeZone: 'UTC', allowedOrigins: ['*'], settings: { keylessPathWrites: true } });
    if (settingsOf(project).keylessPathWrites === undefined) project = await deps.projects.update(project.id, { settings: { keylessPathWrites: true } });
    await deps.projects.republish(project.id);

    const envFile = resolve(env.DEMO_ENV_FILE);
    const previous = readEnvFile(envFile).SIGHTLINE_READ_KEY;
    const stillValid = previous ? (await deps.projects.findActiveReadKey(hashSecret(previous)))?.projectId === project.id : false;
    const readKey = stillValid ? previous! : (await deps.projects.createReadKey(project.id, 'demo')).secret;

    const gatewayUrl = env.PUBLIC_URL ?? `http://127.0.0.1:${env.PORT}`;
    const values: Record<string, string> = {
      SIGHTLINE_PROJECT_ID: project.id,
      SIGHTLINE_WRITE_KEY: project.writeKey,
      SIGHTLINE_READ_KEY: readKey,
      SIGHTLINE_INGEST_URL: env.INGEST_PUBLIC_URL ?? env.INGEST_URL,
      SIGHTLINE_GATEWAY_URL: gatewayUrl,
      SIGHTLINE_ACCOUNT_ID: accountId,
      SIGHTLINE_ACCOUNT_SLUG: project.account.slug,
      SIGHTLINE_DEMO_EMAIL: env.DEMO_EMAIL,
      ...(passwordWorks ? { SIGHTLINE_DEMO_PASSWORD: env.DEMO_PASSWORD } : {}),
    };
    const text = Object.entries(values).map(([k, v]) => `${k}=${shellQuote(v)}`).join('\n') + '\n';
    mkdirSync(dirname(envFile), { recursive: true });
    writeFileSync(envFile, text, { mode: 0o600 });
    process.stdout.write(`# written to ${envFile}\n${text}`);
  } finally {
    await producer.stop();
    await db.$disconnect();
  }
}

main().catch((err) => {
  process.stderr.write(`bootstrap-demo failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
