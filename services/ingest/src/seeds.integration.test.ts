import { post, startHarness, testProject, type Harness } from './testing/ingest-harness';

jest.setTimeout(60_000);

describe('seed-compatible writes against the real broker', () => {
  let h: Harness;
  const demo = testProject({ projectId: 'demo', retention: { maxEventAgeDays: 100 * 365, minuteBucketDays: 2, hourBucketDays: 90, eventStoreMonths: null } });
  beforeAll(async () => {
    h = await startHarness({ defaultProjectId: 'demo' });
    await h.putProject(demo);
  });
  afterAll(async () => {
    await h.stop();
  });

  it("user_analytics: the seed's documented POST /analytics gets 204 with no body, on the default project", async () => {
    const click = await fetch(`${h.url}/analytics?timestamp=1224567997&user=3&event=click`, { method: 'POST', headers: { 'cache-control': 'no-cache' } });
    expect(click.status).toBe(204);
    expect(await click.text()).toBe('');
    const now = Date.now();
    const impression = await fetch(`${h.url}/analytics?timestamp=${now}&user=1&event=impression`, { method: 'POST' });
    expect(impression.status).toBe(204);
    const records = await h.waitForRaw((e) => e.context.library?.name === 'user_analytics', 2);
    const byEvent = Object.fromEntries(records.map((r) => [r.value.event, r.value]));
    expect(byEvent.click).toMatchObject({ projectId: 'demo', userId: '3', timestamp: '2008-10-21T05:46:37.000Z' });
    expect(byEvent.impression).toMatchObject({ userId: '1', timestamp: new Date(now).toISOString() });
    const missing = await fetch(`${h.url}/analytics?user=1`, { method: 'POST' });
    expect(missing.status).toBe(400);
    expect(((await missing.json()) as { error: { fields: Array<{ path: string }> } }).error.fields.map((f) => f.path).sort()).toEqual(['event', 'timestamp']);
  });

  it('user_analytics picks the project by write key when one is given', async () => {
    const other = await h.putProject(testProject());
    const res = await fetch(`${h.url}/analytics?timestamp=${Date.now()}&user=9&event=click&key=${other.writeKeys[0]}`, { method: 'POST' });
    expect(res.status).toBe(204);
    await h.waitForRaw((e) => e.projectId === other.projectId && e.userId === '9');
  });

  it("The Eye: the seed's documented POST /api/event/ gets 201 {success: true}; an invalid one 400 with fields", async () => {
    const timestamp = new Date(Date.now() - 3600_000).toISOString().replace('T', ' ').replace('Z', '123');
    const res = await post(`${h.url}/api/event/`, {
      session_id: 'e2085be5-9137-4e4e-80b5-f1ffddc25423',
      category: 'page interaction',
      name: 'cta click',
      data: { host: 'www.xxxxx.com', path: '/', element: 'chat bubble' },
      timestamp,
    });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ success: true });
    const [record] = await h.waitForRaw((e) => e.event === 'cta click');
    expect(record!.value).toMatchObject({ projectId: 'demo', type: 'track', category: 'page interaction', anonymousId: 'e2085be5-9137-4e4e-80b5-f1ffddc25423', properties: { element: 'chat bubble' } });
    const invalid = await post(`${h.url}/api/event/`, { session_id: 's', name: 'x', timestamp: 'not a time' });
    expect(invalid.status).toBe(400);
    expect(invalid.body.error.fields.map((f: { path: string }) => f.path)).toContain('category');
    const badTime = await post(`${h.url}/api/event/`, { session_id: 's', category: 'c', name: 'x', data: {}, timestamp: 'not a time' });
    expect(badTime.status).toBe(400);
    expect(badTime.body.error.field).toBe('timestamp');
  });

  it('HiiTrack: event and property writes under /:account/:project', async () => {
    const project = await h.putProject(testProject({ keylessPathWrites: true }));
    const base = `${h.url}/${project.accountSlug}/${project.slug}`;
    const event = await fetch(`${base}/event/landed-on-homepage?visitor_id=v-1`, { method: 'POST' });
    expect(event.status).toBe(200);
    expect(await event.json()).toEqual({ visitor_id: 'v-1' });
    const value = Buffer.from(JSON.stringify('Version A')).toString('base64');
    const property = await fetch(`${base}/property/homepage-version`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ visitor_id: 'v-1', value }) });
    expect(property.status).toBe(200);
    const records = await h.waitForRaw((e) => e.projectId === project.projectId, 2);
    expect(records.map((r) => r.value)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ type: 'track', event: 'landed-on-homepage', anonymousId: 'v-1' }),
        expect.objectContaining({ type: 'identify', anonymousId: 'v-1', traits: { 'homepage-version': 'Version A' } }),
      ]),
    );
    expect((await fetch(`${h.url}/${project.accountId}/${project.projectId}/event/by-ids?visitor_id=v-2`, { method: 'POST' })).status).toBe(200);
    expect((await fetch(`${base}/event/x`, { method: 'POST' })).status).toBe(400);
    expect((await fetch(`${h.url}/nobody/nothing/event/x?visitor_id=v`, { method: 'POST' })).status).toBe(404);
  });

  it('HiiTrack: GET batch with JSONP callback, request_id and the visitor cookie', async () => {
    const project = await h.putProject(testProject({ keylessPathWrites: true, cookieless: false }));
    const message = Buffer.from(JSON.stringify([['Event 1', 'Event 2'], [['state', 'CA'], ['plan', 'pro']]])).toString('base64');
    const url = `${h.url}/${project.accountSlug}/${project.slug}/batch?${new URLSearchParams({ message, request_id: '77', callback: 'cb_1' })}`;
    const first = await fetch(url);
    expect(first.status).toBe(200);
    const cookie = first.headers.get('set-cookie')!;
    const visitor = /^v=([^;]+)/.exec(cookie)![1]!;
    expect(await first.text()).toBe(`cb_1(${JSON.stringify({ visitor_id: visitor, request_id: '77' })});`);
    const second = await fetch(url, { headers: { cookie: `v=${visitor}` } });
    expect(second.headers.get('set-cookie')).toBeNull();
    const records = await h.waitForRaw((e) => e.projectId === project.projectId, 6);
    expect(new Set(records.map((r) => r.value.anonymousId))).toEqual(new Set([visitor]));
    expect(records.filter((r) => r.value.type === 'identify').map((r) => r.value.traits)).toEqual([{ state: 'CA', plan: 'pro' }, { state: 'CA', plan: 'pro' }]);
    const bad = await fetch(`${h.url}/${project.accountSlug}/${project.slug}/batch?message=${Buffer.from('[1]').toString('base64')}`);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { field: string } }).error.field).toBe('message');
  });
});
