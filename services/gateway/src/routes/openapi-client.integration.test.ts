import createClient from 'openapi-fetch';
import type { paths } from '../../web/src/api/schema';
import { startTestGateway, type TestGateway } from '../test-support/gateway-harness';

// The document proven by use: a client typed only by what openapi-typescript generated from
// /openapi.json (as the dashboard's is) signs up, creates a project and a read key, and reads
// its keys back. A path, parameter or body the document got wrong fails to compile or to call.
describe('a client generated from /openapi.json', () => {
  let gw: TestGateway;

  beforeAll(async () => {
    gw = await startTestGateway();
  });
  afterAll(() => gw.stop());

  it('calls real routes with the generated types', async () => {
    const client = createClient<paths>({ baseUrl: gw.url });
    const email = `generated-${Date.now()}@example.com`;
    const password = 'a long enough password';
    const signup = await client.POST('/v1/accounts', { body: { name: 'Generated', email, password } });
    expect(signup.response.status).toBe(201);
    const accountId = signup.data!.account.id;

    const headers = { Authorization: `Basic ${Buffer.from(`${email}:${password}`).toString('base64')}` };
    const created = await client.POST('/v1/accounts/{accountId}/projects', { params: { path: { accountId } }, body: { name: 'Generated site' }, headers });
    expect(created.response.status).toBe(201);
    const projectId = created.data!.project.id;

    const key = await client.POST('/v1/projects/{projectId}/keys', { params: { path: { projectId } }, body: { name: 'generated' }, headers });
    expect(key.response.status).toBe(201);

    const keys = await client.GET('/v1/projects/{projectId}/keys', { params: { path: { projectId } }, headers });
    expect(keys.response.status).toBe(200);
    expect(keys.data!.keys.map((k) => k.name)).toEqual(['generated']);
    expect(keys.data!.keys[0]!.id).toBe(key.data!.key.id);
  });
});
