import { parseConfig } from '@sightline/config';
import { listen } from '@sightline/http';
import { createLogger } from '@sightline/telemetry';
import { createApp } from '../app';
import { config } from '../config';
import { createPrisma } from '../stores/prisma';
import { buildDeps } from '../wiring';
import { createTenant, type Tenant } from '../test-support/fixtures';
import { apiClient, startTestGateway, type ApiReply, type Credentials, type TestGateway } from '../test-support/gateway-harness';

/**
 * Issue #20: the gateway remembers read keys, projects, roles and sessions for LOOKUP_CACHE_MS
 * (1 s) so that a read costs no Postgres round trip, and revocation must still hold: a key
 * revoked (or rotated away), or a session signed out, through one instance is refused by every
 * instance within 2 s, and never reads again after that. Two gateways on one database stand for
 * two processes (HTTP workers or replicas) — the one that did not revoke only learns it from
 * Postgres once its cached entry is older than the TTL.
 */
describe('revocation with lookup caches: every instance refuses within 2 s (real Postgres and Kafka)', () => {
  const BOUND_MS = 2000;
  let a: TestGateway;
  let b: { url: string; stop(): Promise<void> };
  let apiA: ReturnType<typeof apiClient>;
  let apiB: ReturnType<typeof apiClient>;
  let t: Tenant;

  beforeAll(async () => {
    a = await startTestGateway();
    // A second instance on the same database, with its own caches.
    const settings = parseConfig(config.schema, { DATABASE_URL: a.database.url, TOPIC_NAMESPACE: a.namespace, SCRYPT_COST: '1024', LOG_LEVEL: 'silent' });
    const db = createPrisma(a.database.url, 2);
    const server = await listen(createApp(buildDeps({ config: settings, logger: createLogger({ service: 'gateway-b', level: 'silent' }), db, publisher: a.deps.publisher }), {}), 0);
    b = { url: `http://127.0.0.1:${server.port}`, stop: async () => (await server.close(1000), await db.$disconnect()) };
    apiA = apiClient(a.url);
    apiB = apiClient(b.url);
    t = await createTenant(apiA, 'Revocation');
  });
  afterAll(async () => {
    await b.stop();
    await a.stop();
  });

  const read = (api: ReturnType<typeof apiClient>, creds: Credentials) => api('GET', `/v1/projects/${t.projectId}/funnels`, creds);

  /**
   * Asks `api` until it refuses, and at least once with a request that started after the bound
   * (a request started that late must be refused whatever the machine's delays); returns the last reply.
   */
  async function refusedWithinBound(api: ReturnType<typeof apiClient>, creds: Credentials, revokedAt: number): Promise<{ reply: ApiReply; requests: number }> {
    for (let requests = 1; ; requests++) {
      const startedAt = Date.now();
      const reply = await read(api, creds);
      if (reply.status !== 200 || startedAt - revokedAt >= BOUND_MS) return { reply, requests };
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  /** After the bound, neither instance lets the credential read, however often it is tried. */
  async function neverReadsAgain(creds: Credentials): Promise<number[]> {
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) statuses.push((await read(apiA, creds)).status, (await read(apiB, creds)).status);
    return [...new Set(statuses)];
  }

  it('a revoked read key: refused by the other instance within 2 s, then never reads again', async () => {
    const key = await apiA('POST', `/v1/projects/${t.projectId}/keys`, { basic: t.admin, body: { name: 'revoked' } });
    const bearer = key.body.key.secret as string;
    // Both instances have the key cached now.
    expect([(await read(apiA, { bearer })).status, (await read(apiB, { bearer })).status]).toEqual([200, 200]);
    expect((await apiA('DELETE', `/v1/projects/${t.projectId}/keys/${key.body.key.id}`, { basic: t.admin })).status).toBe(204);
    const revokedAt = Date.now();
    expect((await read(apiA, { bearer })).status).toBe(401); // the revoking instance forgets at once
    const { reply } = await refusedWithinBound(apiB, { bearer }, revokedAt);
    expect(reply.status).toBe(401);
    expect(reply.body.error.message).toBe('invalid or revoked key');
    expect(await neverReadsAgain({ bearer })).toEqual([401]);
    // Another key of the project still reads on both.
    expect([(await read(apiA, { bearer: t.readKey })).status, (await read(apiB, { bearer: t.readKey })).status]).toEqual([200, 200]);
  });

  it('a rotated read key: the old secret is refused by the other instance within 2 s and never reads again; the new one reads everywhere', async () => {
    const key = await apiA('POST', `/v1/projects/${t.projectId}/keys`, { basic: t.admin, body: { name: 'rotated' } });
    const old = key.body.key.secret as string;
    expect([(await read(apiA, { bearer: old })).status, (await read(apiB, { bearer: old })).status]).toEqual([200, 200]);
    const rotated = await apiA('POST', `/v1/projects/${t.projectId}/keys/${key.body.key.id}/rotate`, { basic: t.admin });
    expect(rotated.status).toBe(201);
    const revokedAt = Date.now();
    const { reply } = await refusedWithinBound(apiB, { bearer: old }, revokedAt);
    expect(reply.status).toBe(401);
    expect(await neverReadsAgain({ bearer: old })).toEqual([401]);
    const fresh = rotated.body.key.secret as string;
    expect(fresh).not.toBe(old);
    expect([(await read(apiA, { bearer: fresh })).status, (await read(apiB, { bearer: fresh })).status]).toEqual([200, 200]);
  });

  it('a signed-out session: refused by the other instance within 2 s, then never reads again', async () => {
    const signIn = await apiA('POST', '/v1/session', { body: t.admin });
    expect(signIn.status).toBe(200);
    const cookie = signIn.headers.get('set-cookie')!.split(';')[0]!;
    expect([(await read(apiA, { cookie })).status, (await read(apiB, { cookie })).status]).toEqual([200, 200]);
    expect((await apiA('DELETE', '/v1/session', { cookie })).status).toBe(204);
    const signedOutAt = Date.now();
    expect((await read(apiA, { cookie })).status).toBe(401);
    const { reply } = await refusedWithinBound(apiB, { cookie }, signedOutAt);
    expect(reply.status).toBe(401);
    expect(await neverReadsAgain({ cookie })).toEqual([401]);
  });
});
