import { startHarness, testProject, type Harness } from './testing/ingest-harness';

jest.setTimeout(60_000);

/** Issue #16, finding 6: HiiTrack's writes by path need no key, so they are a per-project opt-in. */
describe('keyless writes by path (real broker)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.stop());

  const paths = (p: { accountSlug: string; slug: string }) => {
    const base = `${h.url}/${p.accountSlug}/${p.slug}`;
    const message = Buffer.from(JSON.stringify([['Batch event'], []])).toString('base64');
    return {
      event: (query = '', init: RequestInit = {}) => fetch(`${base}/event/signup?visitor_id=v-1${query}`, { method: 'POST', ...init }),
      property: (query = '') => fetch(`${base}/property/plan?visitor_id=v-1&value=${Buffer.from('"pro"').toString('base64')}${query}`, { method: 'POST' }),
      batch: (query = '') => fetch(`${base}/batch?message=${message}&visitor_id=v-1${query}`),
    };
  };

  it('finding 6: a new project (setting absent) refuses keyless writes by path with 403; its write key still works', async () => {
    const project = await h.putProject(testProject());
    const call = paths(project);
    for (const res of [await call.event(), await call.property(), await call.batch()]) {
      expect(res.status).toBe(403);
      expect(((await res.json()) as { error: { message: string } }).error.message).toContain('keylessPathWrites');
    }
    expect((await call.event(`&key=${project.writeKeys[0]}`)).status).toBe(200);
    expect((await call.event('&key=wk_not_this_projects_key')).status).toBe(401);
    await h.waitForRaw((e) => e.projectId === project.projectId && e.event === 'signup');
  });

  it('finding 6: the opt-in works, obeys allowed origins and the rate limit, and stops working when disabled', async () => {
    const project = await h.putProject(testProject({ keylessPathWrites: true, allowedOrigins: ['https://shop.example'], rateLimit: { eventsPerSecond: 1, burst: 3 } }));
    const call = paths(project);
    expect((await call.event()).status).toBe(200);
    expect((await call.event('', { headers: { origin: 'https://evil.example' } })).status).toBe(403);
    expect((await call.event('', { headers: { origin: 'https://shop.example' } })).status).toBe(200);
    expect((await call.property()).status).toBe(200);
    const limited = await call.event();
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    await h.putProject({ ...project, keylessPathWrites: false, rateLimit: { eventsPerSecond: 1000, burst: 1000 }, updatedAt: new Date().toISOString() });
    expect((await call.event()).status).toBe(403);
    expect((await call.batch()).status).toBe(403);
  });
});
