import { randomUUID } from 'node:crypto';
import { waitFor } from '@sightline/testing';
// The lead's five-process stack (test/e2e): one definition of how the services are wired.
import { startStack, type Stack } from '../../../test/e2e/stack';
import { createTenant, type Tenant } from './test-support/fixtures';
import { apiClient } from './test-support/gateway-harness';

/**
 * The seeds' own examples, written through ingest's seed-compatible endpoints and read back
 * through the gateway's. The seeds' clients (curl, Python) send no browser user agent, so the
 * project does not filter bots, and it accepts events as old as the examples (2008, 2021).
 */
describe('seed-compatible reads with the seeds’ own examples', () => {
  let stack: Stack;
  let api: ReturnType<typeof apiClient>;
  let ingest: ReturnType<typeof apiClient>;
  let seed: Tenant;
  const old = { hourBucketDays: 10_000, maxEventAgeDays: 10_000 };

  beforeAll(async () => {
    stack = await startStack('gwseed');
    api = apiClient(stack.services.gateway.url);
    ingest = apiClient(stack.services.ingest.url);
    seed = await createTenant(api, 'Seeds', { botFiltering: false, retention: old, keylessPathWrites: true });
  }, 180_000);
  afterAll(() => stack?.stop(), 60_000);

  const writeKey = () => ({ basic: { email: seed.writeKey, password: '' } });

  it('user_analytics: two users, a click and an impression → unique_users,2 clicks,1 impressions,1', async () => {
    // The README's curl examples, in order.
    for (const q of ['timestamp=1224567997&user=3&event=click', 'timestamp=1224567998&user=1&event=impression']) {
      await waitFor(async () => (await ingest('POST', `/analytics?${q}`, writeKey())).status === 204, { timeoutMs: 15_000, description: `POST /analytics?${q}` });
    }
    const want = 'unique_users,2\nclicks,1\nimpressions,1\n';
    let last = '';
    await waitFor(async () => {
      const res = await api('GET', '/analytics?timestamp=1224567999', { bearer: seed.readKey });
      last = `${res.status} ${res.body}`;
      return res.status === 200 && res.body === want && (res.headers.get('content-type') ?? '').startsWith('text/plain');
    }, { timeoutMs: 60_000 }).catch(() => undefined);
    expect(last).toBe(`200 ${want}`);
    // `?key=` works too, as the architecture promises for seed clients.
    expect((await api('GET', `/analytics?timestamp=1224567999&key=${encodeURIComponent(seed.readKey)}`)).body).toBe(want);
  }, 120_000);

  it('The Eye: the README example event comes back from its example query', async () => {
    const event = {
      session_id: 'e2085be5-9137-4e4e-80b5-f1ffddc25423',
      category: 'page interaction',
      name: 'cta click',
      data: { host: 'www.xxxxx.com', path: '/', element: 'chat bubble' },
      timestamp: '2021-01-01 09:15:27.243860',
    };
    await waitFor(async () => (await ingest('POST', '/api/event/', { ...writeKey(), body: event })).status === 201, { timeoutMs: 15_000, description: 'POST /api/event/' });
    const path = '/api/event/?timestamp_after=2021-01-01&timestamp_before=2021-01-02&session_id=e2085be5-9137-4e4e-80b5-f1ffddc25423';
    let page: { count: number; next: string | null; previous: string | null; results: Array<Record<string, unknown>> } | undefined;
    await waitFor(async () => {
      page = (await api('GET', path, { bearer: seed.readKey })).body;
      return page?.count === 1;
    }, { timeoutMs: 60_000 }).catch(() => undefined);
    expect(page).toMatchObject({ count: 1, next: null, previous: null });
    const [result] = page!.results;
    expect(result).toMatchObject({ session_id: event.session_id, category: event.category, name: event.name, data: event.data });
    expect(Date.parse(result!.timestamp as string)).toBe(Date.parse('2021-01-01T09:15:27.243Z'));
  }, 120_000);

  it('The Eye: limit/offset pages with next and previous links', async () => {
    const session = randomUUID();
    for (let i = 0; i < 5; i++) {
      const body = { session_id: session, category: 'paging', name: `e${i}`, data: { i }, timestamp: `2021-02-01 10:00:0${i}.000000` };
      await waitFor(async () => (await ingest('POST', '/api/event/', { ...writeKey(), body })).status === 201, { timeoutMs: 15_000 });
    }
    const base = `/api/event/?category=paging&session_id=${session}&from=2021-02-01T00:00:00Z&to=2021-02-02T00:00:00Z&limit=2`;
    await waitFor(async () => (await api('GET', base, { bearer: seed.readKey })).body.count === 5, { timeoutMs: 60_000, description: '5 paging events' });
    const names: string[] = [];
    let url: string | null = `${stack.services.gateway.url}${base}`;
    let pages = 0;
    while (url) {
      const page: { next: string | null; previous: string | null; results: Array<{ name: string }> } = await (await fetch(url, { headers: { authorization: `Bearer ${seed.readKey}` } })).json();
      if (pages > 0) expect(page.previous).toContain('offset=');
      names.push(...page.results.map((r) => r.name));
      url = page.next;
      pages++;
    }
    expect(names).toEqual(['e4', 'e3', 'e2', 'e1', 'e0']);
    const jump = await api('GET', `${base}&offset=3`, { bearer: seed.readKey });
    expect(jump.body.results.map((r: { name: string }) => r.name)).toEqual(['e1', 'e0']);
  }, 120_000);

  it("HiiTrack: the seed's test_add funnel (3, 2, 1 unique visitors), event totals and property values", async () => {
    const hex = () => randomUUID().replace(/-/g, '');
    const [v1, v2, v3] = [hex(), hex(), hex()];
    const [E1, E2, E3] = [`Event 1 ${hex()}`, `Event 2 ${hex()}`, `Event 3 ${hex()}`];
    const [P1, P2, V1, V2] = [`Property 1 ${hex()}`, `Property 2 ${hex()}`, `Value 1 ${hex()}`, `Value 2 ${hex()}`];
    const base = `/${seed.accountSlug}/${seed.projectSlug}`;
    const post = async (path: string, form: Record<string, string>) => {
      const res = await fetch(`${stack.services.ingest.url}${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form) });
      expect(res.status).toBe(200);
    };
    await waitFor(async () => (await fetch(`${stack.services.ingest.url}${base}/event/probe`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'visitor_id=probe' })).status === 200, { timeoutMs: 15_000 });
    for (const [v, e] of [[v1, E3], [v1, E3], [v1, E1], [v1, E1], [v2, E1], [v3, E1], [v1, E2], [v2, E2], [v1, E2], [v1, E3], [v1, E3]] as const) {
      await post(`/event/${encodeURIComponent(e)}`, { visitor_id: v });
    }
    const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64');
    for (const [v, p, value] of [[v1, P1, V1], [v1, P2, V2], [v2, P2, V2]] as const) await post(`/property/${encodeURIComponent(p)}?value=${encodeURIComponent(b64(value))}`, { visitor_id: v });

    const auth = { basic: seed.admin };
    const created = await api('POST', `${base}/funnel/signup-by-state`, { ...auth, body: { description: 'the seed funnel', event_id: [E1, E2, E3] } });
    expect(created.status).toBe(201);
    let funnel: { description?: string; unique_funnel?: unknown } = {};
    await waitFor(async () => {
      funnel = (await api('GET', `${base}/funnel/signup-by-state`, auth)).body;
      return JSON.stringify(funnel.unique_funnel) === JSON.stringify([[E1, 3], [E2, 2], [E3, 1]]);
    }, { timeoutMs: 60_000 }).catch(() => undefined);
    expect(funnel).toMatchObject({ description: 'the seed funnel', unique_funnel: [[E1, 3], [E2, 2], [E3, 1]] });
    const dynamic = await api('GET', `${base}/funnel?event_id=${encodeURIComponent(E1)}&event_id=${encodeURIComponent(E2)}`, auth);
    expect(dynamic.body.unique_funnel).toEqual([[E1, 3], [E2, 2]]);

    const event = await api('GET', `${base}/event/${encodeURIComponent(E1)}`, auth);
    expect(event.body).toMatchObject({ name: E1, total: 4, unique_total: 3 });
    const p2 = await waitFor(async () => {
      const res = await api('GET', `${base}/property/${encodeURIComponent(P2)}`, auth);
      return res.body.values?.length ? res.body : null;
    }, { timeoutMs: 30_000 });
    expect(p2).toEqual({ name: P2, values: [{ value: V2, total: 2 }] });
    expect((await api('GET', `${base}/property/${encodeURIComponent(P1)}`, auth)).body.values).toEqual([{ value: V1, total: 1 }]);

    expect((await api('DELETE', `${base}/funnel/signup-by-state`, auth)).status).toBe(200);
    expect((await api('GET', `${base}/funnel/signup-by-state`, auth)).status).toBe(404);
    expect((await api('GET', `${base}/funnel/signup-by-state`, { basic: { email: seed.admin.email, password: 'wrong password' } })).status).toBe(401);
  }, 120_000);
});
