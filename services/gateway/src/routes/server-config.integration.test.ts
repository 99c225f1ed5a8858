import { apiClient, startTestGateway, type TestGateway } from '../test-support/gateway-harness';

// GET /v1/config tells the dashboard, before anyone signs in, where the collector is (for its
// snippets) and whether sign-up is open; what it says must be what the server does.
describe('GET /v1/config (real Postgres and Kafka)', () => {
  const gateways: TestGateway[] = [];
  afterAll(() => Promise.all(gateways.map((gw) => gw.stop())));

  async function gateway(env: Record<string, string>) {
    const gw = await startTestGateway(env);
    gateways.push(gw);
    return apiClient(gw.url);
  }

  it('names the configured collector and a closed sign-up, which is then refused', async () => {
    const api = await gateway({ INGEST_PUBLIC_URL: 'https://collect.example.com', SIGNUP_OPEN: 'false' });
    const config = await api('GET', '/v1/config');
    expect(config).toMatchObject({ status: 200, body: { ingestUrl: 'https://collect.example.com', signupOpen: false } });
    const signup = await api('POST', '/v1/accounts', { body: { name: 'Closed', email: 'closed@example.com', password: 'a long enough password' } });
    expect(signup.status).toBe(403);
  });

  it('says null and open by default, and sign-up works', async () => {
    const api = await gateway({});
    expect((await api('GET', '/v1/config')).body).toEqual({ ingestUrl: null, signupOpen: true });
    const signup = await api('POST', '/v1/accounts', { body: { name: 'Open', email: `open-${Date.now()}@example.com`, password: 'a long enough password' } });
    expect(signup.status).toBe(201);
  });
});
