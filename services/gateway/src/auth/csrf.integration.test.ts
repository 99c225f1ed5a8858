import { uniqueId } from '@sightline/testing';
import { createTenant, type Tenant } from '../test-support/fixtures';
import { apiClient, startTestGateway, type TestGateway } from '../test-support/gateway-harness';

/** Issue #16, finding 5: no Basic challenge, JSON-only state changes, and a matching Origin for browser credentials. */
describe('CSRF through ambient credentials (real Postgres and Kafka)', () => {
  const dashboard = 'https://dashboard.example';
  let gw: TestGateway;
  let api: ReturnType<typeof apiClient>;
  let t: Tenant;
  let cookie: string;
  const basicOf = (c: { email: string; password: string }) => `Basic ${Buffer.from(`${c.email}:${c.password}`).toString('base64')}`;

  beforeAll(async () => {
    gw = await startTestGateway({ DASHBOARD_ORIGINS: dashboard });
    api = apiClient(gw.url);
    t = await createTenant(api, 'Csrf');
    const signIn = await api('POST', '/v1/session', { body: t.admin });
    cookie = signIn.headers.get('set-cookie')!.split(';')[0];
  });
  afterAll(() => gw.stop());

  const addMember = (headers: Record<string, string>, body: string) =>
    fetch(`${gw.url}/v1/accounts/${t.accountId}/members`, { method: 'POST', headers, body });
  const newMember = () => ({ email: `${uniqueId('added')}@example.com`, password: 'a long enough password', role: 'admin' });

  it('finding 5: a 401 carries no WWW-Authenticate challenge, so a browser never caches Basic credentials for the gateway', async () => {
    for (const path of ['/v1/me', `/v1/projects/${t.projectId}`, `/${t.accountSlug}/${t.projectSlug}/event/x`, '/api/event/']) {
      const res = await fetch(`${gw.url}${path}`);
      expect({ path, status: res.status, challenge: res.headers.get('www-authenticate') }).toEqual({ path, status: 401, challenge: null });
    }
  });

  it('finding 5: a form-encoded or text/plain body on a state-changing route is 415 naming the content type', async () => {
    const form = new URLSearchParams(newMember()).toString();
    const asForm = await addMember({ authorization: basicOf(t.admin), 'content-type': 'application/x-www-form-urlencoded' }, form);
    expect(asForm.status).toBe(415);
    const formBody = await asForm.json();
    expect(formBody.error).toMatchObject({ code: 'unsupported_media_type', field: '(body)' });
    expect(formBody.error.message).toContain('application/x-www-form-urlencoded');
    // Issue #19 bug 5: valid JSON sent as text/plain was read as an empty body.
    const asText = await addMember({ authorization: basicOf(t.admin), 'content-type': 'text/plain;charset=UTF-8' }, JSON.stringify(newMember()));
    expect(asText.status).toBe(415);
    expect((await asText.json()).error.message).toContain('text/plain');
    const members = await api('GET', `/v1/accounts/${t.accountId}/members`, { basic: t.admin });
    expect(members.body.members).toHaveLength(1);
    expect((await addMember({ authorization: basicOf(t.admin), 'content-type': 'application/json' }, JSON.stringify(newMember()))).status).toBe(201);
  });

  it('finding 5: a state-changing request with the session cookie or Basic from another origin is 403; same origin and DASHBOARD_ORIGINS pass', async () => {
    const json = { 'content-type': 'application/json' };
    const evil = await addMember({ ...json, cookie, origin: 'https://evil.example' }, JSON.stringify(newMember()));
    expect(evil.status).toBe(403);
    expect((await evil.json()).error.message).toContain('origin');
    expect((await addMember({ ...json, authorization: basicOf(t.admin), origin: 'https://evil.example' }, JSON.stringify(newMember()))).status).toBe(403);
    expect((await addMember({ ...json, cookie, origin: 'null' }, JSON.stringify(newMember()))).status).toBe(403);
    // A browser that sends no Origin still says where the request comes from.
    expect((await addMember({ ...json, cookie, 'sec-fetch-site': 'cross-site' }, JSON.stringify(newMember()))).status).toBe(403);
    expect((await addMember({ ...json, cookie, 'sec-fetch-site': 'same-origin' }, JSON.stringify(newMember()))).status).toBe(201);
    expect((await addMember({ ...json, cookie, origin: gw.url }, JSON.stringify(newMember()))).status).toBe(201);
    expect((await addMember({ ...json, cookie, origin: dashboard }, JSON.stringify(newMember()))).status).toBe(201);
    // A read with the cookie from anywhere is not a state change (CORS keeps its answer from the other page).
    expect((await fetch(`${gw.url}/v1/me`, { headers: { cookie, origin: 'https://evil.example' } })).status).toBe(200);
  });

  it("finding 5: HiiTrack's funnel save still takes a form with Basic (a seed API client), but not from another origin", async () => {
    const path = `${gw.url}/${t.accountSlug}/${t.projectSlug}/funnel/${uniqueId('f')}`;
    const form = 'description=signup&event_id=visit&event_id=signup';
    const headers = { authorization: basicOf(t.admin), 'content-type': 'application/x-www-form-urlencoded' };
    expect((await fetch(path, { method: 'POST', headers, body: form })).status).toBe(201);
    expect((await fetch(path, { method: 'POST', headers: { ...headers, origin: 'https://evil.example' }, body: form })).status).toBe(403);
    expect((await fetch(path, { method: 'POST', headers: { ...headers, 'content-type': 'text/plain' }, body: form })).status).toBe(415);
  });
});
