import { freePort } from '@sightline/testing';
import { createTenant, fillPath } from '../test-support/fixtures';
import { apiClient, startTestGateway, type TestGateway } from '../test-support/gateway-harness';

describe('every route in /openapi.json answers', () => {
  let gw: TestGateway;
  let api: ReturnType<typeof apiClient>;

  beforeAll(async () => {
    // Upstreams on a closed port: a route that reaches them answers 503, which still proves it is mounted.
    const closed = `http://127.0.0.1:${await freePort()}`;
    gw = await startTestGateway({ AGGREGATOR_URL: closed, QUERY_URL: closed });
    api = apiClient(gw.url);
  });
  afterAll(() => gw.stop());

  it('serves the document and every path + method in it is routed (deletes last)', async () => {
    const doc = await api('GET', '/openapi.json');
    expect(doc.status).toBe(200);
    const tenant = await createTenant(api, 'OpenApi');
    const operations = Object.entries(doc.body.paths as Record<string, Record<string, unknown>>).flatMap(([path, item]) => Object.keys(item).map((method) => ({ path, method })));
    operations.sort((a, b) => Number(a.method === 'delete') - Number(b.method === 'delete') || Number(b.path.length) - Number(a.path.length));
    expect(operations.length).toBeGreaterThan(40);
    const unrouted: string[] = [];
    for (const { path, method } of operations) {
      const res = await api(method.toUpperCase(), fillPath(path, tenant), { basic: tenant.admin, body: ['post', 'put', 'patch'].includes(method) ? {} : undefined });
      const noRoute = res.status === 404 && String(res.body?.error?.message ?? '').startsWith('no route');
      if (process.env.DEBUG_ROUTES) console.log(method, path, res.status, JSON.stringify(res.body).slice(0, 120));
      if (noRoute || res.status === 500) unrouted.push(`${method} ${path} → ${res.status}`);
    }
    expect(unrouted).toEqual([]);
  });
});
