import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { z } from 'zod';
import { erasureIdSecret } from '@sightline/config';

// docker-compose.yml cannot be run on machines without a Docker engine, so this test keeps it
// honest: every service in it exists, listens where its config says, and sets only variables
// its config schema reads, including every required one.
const root = join(__dirname, '..');
const composeText = readFileSync(join(root, 'docker-compose.yml'), 'utf8');
type ComposeService = { environment?: Record<string, string>; ports?: string[]; expose?: string[]; network_mode?: string; command?: string[]; build?: { args?: { SERVICE?: string } } };
const compose = parse(composeText) as { services: Record<string, ComposeService> };
const serviceNames = readdirSync(join(root, 'services'));

/** The committed example of the `.env` file that docker compose reads its secrets from. */
const exampleEnv = Object.fromEntries(
  readFileSync(join(root, '.env.example'), 'utf8')
    .split('\n')
    .map((line) => /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line.trim()))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => [m[1]!, m[2]!]),
);

/** Compose's `${VAR}`, `${VAR:?message}` and `${VAR:-default}`, with the example env's values. */
function interpolate(value: string): string {
  return value.replace(/\$\{([A-Z_][A-Z0-9_]*)(?::[?-][^}]*)?\}/g, (_, name: string) => {
    if (!(name in exampleEnv)) throw new Error(`\${${name}} is not in .env.example`);
    return exampleEnv[name]!;
  });
}
const interpolated = (env: Record<string, string>) => Object.fromEntries(Object.entries(env).map(([k, v]) => [k, interpolate(String(v))]));

function loadConfig(service: string): { schema: z.ZodObject; variables: string[] } {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(join(root, 'services', service, 'src', 'config.ts')).config;
}

describe('docker-compose.yml agrees with the service config schemas', () => {
  it('describes every service and the three infrastructure parts', () => {
    expect(Object.keys(compose.services).sort()).toEqual([...serviceNames, 'kafka', 'kafka-init', 'postgres', 'redis'].sort());
  });

  it.each(serviceNames)('%s: build argument, variables, required variables and port', (service) => {
    const entry = compose.services[service]!;
    const { schema, variables } = loadConfig(service);
    const env = entry.environment ?? {};
    expect(entry.build?.args?.SERVICE).toBe(service);

    const unknown = Object.keys(env).filter((name) => !variables.includes(name));
    expect(unknown).toEqual([]);

    const parsed = schema.safeParse(interpolated(env));
    expect(parsed.success ? [] : parsed.error.issues.map((i) => i.path.join('.'))).toEqual([]);

    const port = (parsed.data as { PORT: number }).PORT;
    if (PUBLISHED.includes(service)) expect(entry.ports).toEqual([`${port}:${port}`]);
  });
});

/** Issue #16, finding 1: what a Docker host exposes. */
const PUBLISHED = ['gateway', 'ingest'];

describe('docker-compose.yml exposure model (docs/operations.md)', () => {
  it('finding 1: only the gateway and ingest publish a port; Kafka, Postgres, Redis and the internal services stay on the compose network', () => {
    const published = Object.entries(compose.services).filter(([, s]) => (s.ports ?? []).length > 0).map(([name]) => name);
    expect(published.sort()).toEqual([...PUBLISHED].sort());
    for (const [name, service] of Object.entries(compose.services)) {
      expect({ name, network_mode: service.network_mode }).toEqual({ name, network_mode: undefined });
    }
  });

  it('finding 1: no secret is written in the file; each comes from the uncommitted .env and is required', () => {
    expect(composeText).not.toMatch(/sightline:sightline@/);
    expect(compose.services.postgres!.environment!.POSTGRES_PASSWORD).toMatch(/^\$\{POSTGRES_PASSWORD:\?.+\}$/);
    expect(readFileSync(join(root, '.gitignore'), 'utf8').split('\n')).toContain('.env');
    // Every variable the file uses has an example, and no example value is a usable secret.
    const used = [...composeText.matchAll(/\$\{([A-Z_][A-Z0-9_]*)/g)].map((m) => m[1]!);
    expect([...new Set(used)].filter((name) => !(name in exampleEnv))).toEqual([]);
    for (const value of Object.values(exampleEnv)) expect(value).toMatch(/^change-me/);
  });

  it('finding 7: ingest gets RAW_KEY_SECRET, and the gateway and every erasure consumer the same ERASURE_ID_SECRET, from .env (required), so that production starts', () => {
    expect(compose.services.ingest!.environment!.RAW_KEY_SECRET).toMatch(/^\$\{RAW_KEY_SECRET:\?.+\}$/);
    for (const service of ['gateway', 'session-fingerprint', 'bitmap-aggregator', 'query']) {
      const env = compose.services[service]!.environment!;
      expect({ service, secret: env.ERASURE_ID_SECRET }).toEqual({ service, secret: expect.stringMatching(/^\$\{ERASURE_ID_SECRET:\?.+\}$/) });
      // The image runs with NODE_ENV=production, where a missing key stops the service at boot.
      const parsed = loadConfig(service).schema.parse({ ...interpolated(env), NODE_ENV: 'production' }) as { NODE_ENV: string; ERASURE_ID_SECRET?: string };
      expect(erasureIdSecret(parsed)).toBe(exampleEnv.ERASURE_ID_SECRET);
      expect(() => erasureIdSecret({ ...parsed, ERASURE_ID_SECRET: undefined })).toThrow(/ERASURE_ID_SECRET/);
    }
  });

  it('issue #18: Kafka authenticates and authorises; each service connects as its own principal, which kafka-init makes with the password the service gets', () => {
    const broker = compose.services.kafka!.environment!;
    expect(broker.KAFKA_LISTENERS).not.toMatch(/(^|,)PLAINTEXT:/);
    expect(broker.KAFKA_AUTHORIZER_CLASS_NAME).toBe('org.apache.kafka.metadata.authorizer.StandardAuthorizer');
    expect(broker.KAFKA_ALLOW_EVERYONE_IF_NO_ACL_FOUND).toBe('false');
    expect(broker.KAFKA_SUPER_USERS).toBe('User:admin');
    const init = compose.services['kafka-init']!.environment!;
    expect(interpolate(init.ADMIN_PASSWORD!)).toBe(exampleEnv.KAFKA_ADMIN_PASSWORD);
    expect(interpolate(broker.KAFKA_LISTENER_NAME_SASL__PLAINTEXT_PLAIN_SASL_JAAS_CONFIG!)).toContain(`user_admin="${exampleEnv.KAFKA_ADMIN_PASSWORD}"`);
    for (const service of serviceNames) {
      const env = compose.services[service]!.environment!;
      const variable = `KAFKA_${service.toUpperCase().replace(/-/g, '_')}_PASSWORD`;
      expect({ service, user: env.KAFKA_SASL_USERNAME, mechanism: env.KAFKA_SASL_MECHANISM }).toEqual({ service, user: service, mechanism: 'SCRAM-SHA-512' });
      expect({ service, password: env.KAFKA_SASL_PASSWORD }).toEqual({ service, password: expect.stringMatching(new RegExp(`^\\$\\{${variable}:\\?.+\\}$`)) });
      expect(interpolate(init[`${service.toUpperCase().replace(/-/g, '_')}_PASSWORD`]!)).toBe(exampleEnv[variable]);
    }
  });

  it('finding 1: Redis requires a password, and the aggregator connects with it', () => {
    const command = compose.services.redis!.command!;
    expect(command[command.indexOf('--requirepass') + 1]).toMatch(/^\$\{REDIS_PASSWORD:\?.+\}$/);
    const url = new URL(interpolate(compose.services['bitmap-aggregator']!.environment!.REDIS_URL!));
    expect(url.password).toBe(exampleEnv.REDIS_PASSWORD);
  });
});
