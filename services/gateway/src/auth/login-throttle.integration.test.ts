import { uniqueId } from '@sightline/testing';
import { hashPassword } from './passwords';
import { createTenant } from '../test-support/fixtures';
import { apiClient, startTestGateway, type TestGateway } from '../test-support/gateway-harness';

/** Issue #16, finding 2: the login throttle must stop guessing, per email and per IP, and scrypt must not stall the gateway. */
describe('login throttle (real Postgres and Kafka)', () => {
  let gw: TestGateway;
  let api: ReturnType<typeof apiClient>;
  beforeAll(async () => {
    gw = await startTestGateway({ LOGIN_ATTEMPTS_PER_MINUTE: '3', ANONYMOUS_ATTEMPTS_PER_IP_PER_MINUTE: '1000' });
    api = apiClient(gw.url);
  });
  afterAll(() => gw.stop());

  it('finding 2: a locked-out email gets 429 even with the right password', async () => {
    const t = await createTenant(api, 'Locked');
    for (let i = 0; i < 3; i++) expect((await api('POST', '/v1/session', { body: { email: t.admin.email, password: `wrong-${i}` } })).status).toBe(401);
    const bySession = await api('POST', '/v1/session', { body: { email: t.admin.email, password: t.admin.password } });
    expect(bySession.status).toBe(429);
    expect(Number(bySession.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(bySession.headers.get('set-cookie')).toBeNull();
    // Basic with the right password, although those credentials were verified (and cached) before the lockout.
    const byBasic = await api('GET', '/v1/me', { basic: t.admin });
    expect(byBasic.status).toBe(429);
    expect(Number(byBasic.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    // Another member is not affected.
    const other = await createTenant(api, 'Unlocked');
    expect((await api('POST', '/v1/session', { body: { email: other.admin.email, password: other.admin.password } })).status).toBe(200);
  });
});

describe('login throttle per IP (real Postgres and Kafka)', () => {
  let gw: TestGateway;
  let api: ReturnType<typeof apiClient>;
  beforeAll(async () => {
    gw = await startTestGateway({ ANONYMOUS_ATTEMPTS_PER_IP_PER_MINUTE: '6' });
    api = apiClient(gw.url);
  });
  afterAll(() => gw.stop());

  it('finding 2: sign-in, sign-up and Basic attempts from one IP are limited across emails', async () => {
    const statuses: number[] = [];
    const account = { name: 'Per IP', email: `${uniqueId('ip')}@example.com`, password: 'a long enough password' };
    statuses.push((await api('POST', '/v1/accounts', { body: account })).status);
    for (let i = 0; i < 4; i++) statuses.push((await api('POST', '/v1/session', { body: { email: `${uniqueId(`guess${i}`)}@example.com`, password: 'guess-1234' } })).status);
    statuses.push((await api('GET', '/v1/me', { basic: { email: `${uniqueId('basic')}@example.com`, password: 'guess-1234' } })).status);
    expect(statuses).toEqual([201, 401, 401, 401, 401, 401]);
    const signIn = await api('POST', '/v1/session', { body: { email: account.email, password: account.password } });
    expect(signIn.status).toBe(429);
    expect(Number(signIn.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect((await api('GET', '/v1/me', { basic: { email: account.email, password: account.password } })).status).toBe(429);
    expect((await api('POST', '/v1/accounts', { body: { ...account, email: `${uniqueId('ip2')}@example.com` } })).status).toBe(429);
  });
});

describe('scrypt admission (real Postgres and Kafka)', () => {
  let gw: TestGateway;
  let api: ReturnType<typeof apiClient>;
  beforeAll(async () => {
    // A cost high enough that 30 concurrent sign-ins overlap; one at a time, two waiting.
    gw = await startTestGateway({ SCRYPT_COST: '65536', SCRYPT_CONCURRENCY: '1', SCRYPT_QUEUE: '2', ANONYMOUS_ATTEMPTS_PER_IP_PER_MINUTE: '1000' });
    api = apiClient(gw.url);
  });
  afterAll(() => gw.stop());

  it('finding 2: a flood of sign-ins over the scrypt queue is refused at once with 503, and the gateway keeps answering', async () => {
    const flood = await Promise.all(
      Array.from({ length: 30 }, (_, i) => api('POST', '/v1/session', { body: { email: `${uniqueId(`flood${i}`)}@example.com`, password: 'guess-1234' } })),
    );
    const statuses = flood.map((r) => r.status);
    expect(statuses.every((s) => s === 401 || s === 503)).toBe(true);
    expect(statuses.filter((s) => s === 503).length).toBeGreaterThan(0);
    for (const r of flood.filter((x) => x.status === 503)) {
      expect(r.headers.get('retry-after')).toBe('1');
      expect(r.body.error.code).toBe('unavailable');
    }
    expect((await api('GET', '/openapi.json')).status).toBe(200);
  });

  it('finding 2: new passwords are hashed with the configured cost; a hash of a lower cost still verifies and is upgraded', async () => {
    const t = await createTenant(api, 'Cost');
    const stored = (await gw.deps.accounts.findMemberByEmail(t.admin.email))!.passwordHash;
    expect(stored).toMatch(/^scrypt\$65536\$8\$1\$/);
    const member = (await gw.deps.accounts.findMemberByEmail(t.admin.email))!;
    // A password not verified (so not cached) before, hashed as an older gateway did.
    await gw.deps.accounts.setPassword(member.id, await hashPassword('an older password', 1024));
    expect((await api('POST', '/v1/session', { body: { email: t.admin.email, password: 'an older password' } })).status).toBe(200);
    expect((await gw.deps.accounts.findMemberByEmail(t.admin.email))!.passwordHash).toMatch(/^scrypt\$65536\$/);
  });
});

describe('login throttle per IP behind a proxy (real Postgres and Kafka)', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({ ANONYMOUS_ATTEMPTS_PER_IP_PER_MINUTE: '2', TRUSTED_PROXIES: '127.0.0.1,::1' });
  });
  afterAll(() => gw.stop());

  const signIn = (forwardedFor: string) =>
    fetch(`${gw.url}/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-forwarded-for': forwardedFor }, body: JSON.stringify({ email: `${uniqueId('p')}@example.com`, password: 'guess-1234' }) });

  it('finding 2: behind a trusted proxy the per-IP limit counts each client (X-Forwarded-For), so one client cannot lock everyone out', async () => {
    expect([(await signIn('198.51.100.1')).status, (await signIn('198.51.100.1')).status, (await signIn('198.51.100.1')).status]).toEqual([401, 401, 429]);
    expect((await signIn('198.51.100.2')).status).toBe(401);
    // A client cannot pick its own bucket: only the hop the trusted proxy saw counts.
    expect((await signIn('203.0.113.50, 198.51.100.1')).status).toBe(429);
  });
});
