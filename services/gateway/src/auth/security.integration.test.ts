import { freePort, uniqueId } from '@sightline/testing';
import { hashSecret } from './secrets';
import { createTenant, fillPath, type Tenant } from '../test-support/fixtures';
import { apiClient, startTestGateway, type TestGateway } from '../test-support/gateway-harness';

type Operation = { path: string; method: string };

describe('security: keys, roles and project isolation (real Postgres and Kafka)', () => {
  let gw: TestGateway;
  let api: ReturnType<typeof apiClient>;
  let a: Tenant;
  let b: Tenant;
  let operations: Operation[];

  beforeAll(async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    gw = await startTestGateway({ AGGREGATOR_URL: closed, QUERY_URL: closed });
    api = apiClient(gw.url);
    [a, b] = [await createTenant(api, 'Tenant A'), await createTenant(api, 'Tenant B')];
    const doc = await api('GET', '/openapi.json');
    operations = Object.entries(doc.body.paths as Record<string, object>).flatMap(([path, item]) => Object.keys(item).map((method) => ({ path, method })));
  });
  afterAll(() => gw.stop());

  const call = (op: Operation, path: string, creds: Parameters<typeof api>[2]) =>
    api(op.method.toUpperCase(), path, { ...creds, body: ['post', 'put', 'patch'].includes(op.method) ? {} : undefined });

  it("a read key of project A gets 401/403/404, never data, on every route of project B", async () => {
    const scoped = operations.filter((op) => /\{(projectId|accountId|account)\}/.test(op.path));
    expect(scoped.length).toBeGreaterThan(25);
    for (const op of scoped) {
      const res = await call(op, fillPath(op.path, b), { bearer: a.readKey });
      expect({ op: `${op.method} ${op.path}`, status: [401, 403, 404].includes(res.status) }).toEqual({ op: `${op.method} ${op.path}`, status: true });
    }
  });

  it("a member of account A gets 403/404 on every route of account B", async () => {
    const scoped = operations.filter((op) => /\{(projectId|accountId|account)\}/.test(op.path));
    for (const op of scoped) {
      const res = await call(op, fillPath(op.path, b), { basic: a.admin });
      expect({ op: `${op.method} ${op.path}`, status: [403, 404].includes(res.status) }).toEqual({ op: `${op.method} ${op.path}`, status: true });
    }
    expect((await api('GET', `/v1/projects/${b.projectId}`, { basic: b.admin })).status).toBe(200);
  });

  it('a read key never manages: no keys, no settings, no erasure, even in its own project', async () => {
    expect((await api('POST', `/v1/projects/${a.projectId}/keys`, { bearer: a.readKey, body: { name: 'x' } })).status).toBe(403);
    expect((await api('PATCH', `/v1/projects/${a.projectId}`, { bearer: a.readKey, body: { name: 'x' } })).status).toBe(403);
    expect((await api('DELETE', `/v1/projects/${a.projectId}/visitors/v1`, { bearer: a.readKey })).status).toBe(403);
    expect((await api('GET', `/v1/accounts/${a.accountId}`, { bearer: a.readKey })).status).toBe(403);
  });

  it('a viewer can read but cannot create keys; an analyst can save funnels but not manage keys', async () => {
    const viewer = { email: `${uniqueId('viewer')}@example.com`, password: 'viewer password 1' };
    const analyst = { email: `${uniqueId('analyst')}@example.com`, password: 'analyst password 1' };
    expect((await api('POST', `/v1/accounts/${a.accountId}/members`, { basic: a.admin, body: { ...viewer, role: 'viewer' } })).status).toBe(201);
    expect((await api('POST', `/v1/accounts/${a.accountId}/members`, { basic: a.admin, body: { ...analyst, role: 'analyst' } })).status).toBe(201);
    expect((await api('GET', `/v1/projects/${a.projectId}`, { basic: viewer })).status).toBe(200);
    const denied = await api('POST', `/v1/projects/${a.projectId}/keys`, { basic: viewer, body: { name: 'mine' } });
    expect(denied.status).toBe(403);
    expect(denied.body.error.code).toBe('forbidden');
    expect((await api('POST', `/v1/accounts/${a.accountId}/members`, { basic: viewer, body: { email: 'x@example.com', role: 'admin', password: 'whatever123' } })).status).toBe(403);
    const funnel = { steps: [{ event: 'a' }, { event: 'b' }], windowSeconds: 3600 };
    expect((await api('PUT', `/v1/projects/${a.projectId}/funnels/f1`, { basic: viewer, body: funnel })).status).toBe(403);
    expect((await api('PUT', `/v1/projects/${a.projectId}/funnels/f1`, { basic: analyst, body: funnel })).status).toBe(200);
    expect((await api('POST', `/v1/projects/${a.projectId}/keys`, { basic: analyst, body: { name: 'mine' } })).status).toBe(403);
  });

  // Other instances within 2 s: revocation.integration.test.ts.
  it('a revoked key fails on the very next request to the instance that revoked it', async () => {
    const key = await api('POST', `/v1/projects/${a.projectId}/keys`, { basic: a.admin, body: { name: 'short-lived' } });
    const secret = key.body.key.secret;
    expect((await api('GET', `/v1/projects/${a.projectId}/funnels`, { bearer: secret })).status).toBe(200);
    expect((await api('DELETE', `/v1/projects/${a.projectId}/keys/${key.body.key.id}`, { basic: a.admin })).status).toBe(204);
    const after = await api('GET', `/v1/projects/${a.projectId}/funnels`, { bearer: secret });
    expect(after.status).toBe(401);
  });

  it('a rotated read key stops working and its replacement works', async () => {
    const key = await api('POST', `/v1/projects/${a.projectId}/keys`, { basic: a.admin, body: { name: 'rotating' } });
    const rotated = await api('POST', `/v1/projects/${a.projectId}/keys/${key.body.key.id}/rotate`, { basic: a.admin });
    expect(rotated.status).toBe(201);
    expect((await api('GET', `/v1/projects/${a.projectId}/funnels`, { bearer: key.body.key.secret })).status).toBe(401);
    expect((await api('GET', `/v1/projects/${a.projectId}/funnels`, { bearer: rotated.body.key.secret })).status).toBe(200);
  });

  it('a write key cannot read, as Bearer, as ?key= or as Basic', async () => {
    expect((await api('GET', `/v1/projects/${a.projectId}/funnels`, { bearer: a.writeKey })).status).toBe(401);
    expect((await api('GET', `/api/event/?key=${a.writeKey}`)).status).toBe(401);
    expect((await api('GET', `/v1/projects/${a.projectId}/funnels`, { basic: { email: a.writeKey, password: '' } })).status).toBe(401);
  });

  it('stores only hashes of read keys and passwords', async () => {
    const keys = await gw.deps.projects.listReadKeys(a.projectId);
    expect(keys.map((k) => k.secretHash)).toContain(hashSecret(a.readKey));
    expect(JSON.stringify(keys)).not.toContain(a.readKey);
    const member = await gw.deps.accounts.findMemberByEmail(a.admin.email);
    expect(member!.passwordHash).toMatch(/^scrypt\$/);
    expect(member!.passwordHash).not.toContain(a.admin.password);
  });

  it('injection strings in paths, queries and bodies are rejected or inert, never a 500', async () => {
    const nasty = ["' OR '1'='1", '1; DROP TABLE projects;--', '*', '{p:demo}*', '\r\nFLUSHALL\r\n', '../../etc/passwd', '$where', '%00', 'a'.repeat(5000)];
    for (const value of nasty) {
      const v = encodeURIComponent(value);
      const replies = await Promise.all([
        api('GET', `/v1/projects/${v}/unique-visitors?from=2026-01-01&to=2026-01-02`, { bearer: a.readKey }),
        api('GET', `/v1/projects/${a.projectId}/unique-visitors?from=${v}&to=2026-01-02`, { bearer: a.readKey }),
        api('GET', `/v1/projects/${a.projectId}/unique-visitors?from=2026-01-01&to=2026-01-02&filter=${v}`, { bearer: a.readKey }),
        api('GET', `/v1/projects/${a.projectId}/breakdown?from=2026-01-01&to=2026-01-02&by=${v}`, { bearer: a.readKey }),
        api('GET', `/v1/projects/${a.projectId}/funnels/${v}`, { bearer: a.readKey }),
        api('GET', `/v1/accounts/${v}/projects`, { basic: a.admin }),
        api('POST', '/v1/session', { body: { email: value, password: value } }),
        api('GET', `/${v}/${v}/event/${v}`, { basic: a.admin }),
      ]);
      for (const r of replies) expect([400, 401, 404, 429, 503]).toContain(r.status);
    }
    expect((await api('GET', `/v1/projects/${a.projectId}`, { basic: a.admin })).status).toBe(200);
  });

  it('sends security headers and no CORS grant to arbitrary origins', async () => {
    const res = await fetch(`${gw.url}/v1/accounts`, { headers: { origin: 'https://evil.example' } });
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    expect(res.headers.get('x-powered-by')).toBeNull();
  });

  it('a project or account deleted twice at once gives 204 and 404, never a 500; listing accounts meanwhile never fails', async () => {
    const t = await createTenant(api, 'Deleted twice');
    const projects = await Promise.all([1, 2, 3].map(() => api('DELETE', `/v1/projects/${t.projectId}`, { basic: t.admin })));
    expect(projects.map((r) => r.status).sort()).toEqual([204, 404, 404]);
    const [a, b, list] = await Promise.all([
      api('DELETE', `/v1/accounts/${t.accountId}`, { basic: t.admin }),
      api('DELETE', `/v1/accounts/${t.accountId}`, { basic: t.admin }),
      api('GET', '/v1/accounts', { basic: t.admin }),
    ]);
    expect([a.status, b.status].sort()).toEqual([204, 404]);
    expect(list.status).toBe(200);
  });

  it('refuses a body over the size limit with 413', async () => {
    const res = await api('POST', '/v1/accounts', { body: { name: 'x'.repeat(300_000), email: 'a@b.co', password: 'long enough' } });
    expect(res.status).toBe(413);
  });
});

describe('rate limits', () => {
  let gw: TestGateway;
  let api: ReturnType<typeof apiClient>;
  beforeAll(async () => {
    gw = await startTestGateway({ RATE_LIMIT_PER_SECOND: '1', RATE_LIMIT_BURST: '5', LOGIN_ATTEMPTS_PER_MINUTE: '3' });
    api = apiClient(gw.url);
  });
  afterAll(() => gw.stop());

  it('answers 429 with Retry-After per key once the burst is spent, without affecting another key', async () => {
    const t = await createTenant(api, 'Limited');
    const other = await api('POST', `/v1/projects/${t.projectId}/keys`, { basic: t.admin, body: { name: 'other' } });
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 8; i++) {
      const res = await api('GET', `/v1/projects/${t.projectId}/funnels`, { bearer: t.readKey });
      statuses.push(res.status);
      if (res.status === 429) retryAfter = res.headers.get('retry-after');
    }
    expect(statuses.slice(0, 5)).toEqual([200, 200, 200, 200, 200]);
    expect(statuses).toContain(429);
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
    expect((await api('GET', `/v1/projects/${t.projectId}/funnels`, { bearer: other.body.key.secret })).status).toBe(200);
  });

  it('slows password guessing per email', async () => {
    const t = await createTenant(api, 'Guessed');
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await api('GET', '/v1/me', { basic: { email: t.admin.email, password: `guess-${i}` } })).status);
    expect(statuses.slice(0, 3)).toEqual([401, 401, 401]);
    expect(statuses).toContain(429);
  });
});

