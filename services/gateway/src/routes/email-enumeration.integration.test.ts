import { uniqueId } from '@sightline/testing';
import { createTenant } from '../test-support/fixtures';
import { apiClient, startTestGateway, type TestGateway } from '../test-support/gateway-harness';

/**
 * Issue #16 finding 8 (sign-up and add-member let a caller enumerate emails) and issue #19 bug 3
 * (a taken email answered "could not find a free account slug"). Decision (docs/security.md):
 * like PostHog and Plausible, sign-up says plainly that the email is taken, and probing is slow.
 */
describe('emails at sign-up and add-member (real Postgres and Kafka)', () => {
  let gw: TestGateway;
  let api: ReturnType<typeof apiClient>;
  beforeAll(async () => {
    gw = await startTestGateway({ ANONYMOUS_ATTEMPTS_PER_IP_PER_MINUTE: '8', MEMBER_ADDS_PER_HOUR: '4' });
    api = apiClient(gw.url);
  });
  afterAll(() => gw.stop());

  it('finding 8 / issue #19 bug 3: signing up with a taken email answers 409 naming the email; probing is limited per IP', async () => {
    const email = `${uniqueId('taken')}@example.com`;
    expect((await api('POST', '/v1/accounts', { body: { name: 'Taken', email, password: 'a long enough password' } })).status).toBe(201);
    const again = await api('POST', '/v1/accounts', { body: { name: 'Taken', email: email.toUpperCase(), password: 'another long password' } });
    expect(again.status).toBe(409);
    expect(again.body.error).toMatchObject({ code: 'conflict', field: 'email', message: 'an account with this email already exists' });
    // The same name (so the same first slug) with a new email is no conflict at all.
    expect((await api('POST', '/v1/accounts', { body: { name: 'Taken', email: `${uniqueId('free')}@example.com`, password: 'a long enough password' } })).status).toBe(201);
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) statuses.push((await api('POST', '/v1/accounts', { body: { name: 'Probe', email: `${uniqueId('probe')}@example.com`, password: 'a long enough password' } })).status);
    expect(statuses).toContain(429);
    expect((await api('POST', '/v1/accounts', { body: { name: 'Taken', email, password: 'another long password' } })).status).toBe(429);
  });

  it('finding 8: add-member probes (an existing person is added, an unknown one needs a password) are limited per admin', async () => {
    const gw2 = await startTestGateway({ MEMBER_ADDS_PER_HOUR: '3' });
    try {
      const api2 = apiClient(gw2.url);
      const t = await createTenant(api2, 'Prober');
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) statuses.push((await api2('POST', `/v1/accounts/${t.accountId}/members`, { basic: t.admin, body: { email: `${uniqueId('who')}@example.com`, role: 'viewer' } })).status);
      expect(statuses).toEqual([400, 400, 400, 429]);
      const other = await createTenant(api2, 'Other admin');
      expect((await api2('POST', `/v1/accounts/${other.accountId}/members`, { basic: other.admin, body: { email: t.admin.email, role: 'viewer' } })).status).toBe(201);
    } finally {
      await gw2.stop();
    }
  });
});
