import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { post, startHarness, testProject, type Harness } from './testing/ingest-harness';

jest.setTimeout(60_000);

describe('browser endpoints against the real broker', () => {
  const trackerDir = mkdtempSync(join(tmpdir(), 'ingest-tracker-'));
  const trackerPath = join(trackerDir, 'tracker.js');
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ trackerPath, trustedProxies: ['127.0.0.1'] });
  });
  afterAll(async () => {
    await h.stop();
  });

  it('POST /collect takes a sendBeacon text/plain batch without any client id (the fingerprint identifies)', async () => {
    const project = await h.putProject(testProject({ allowedOrigins: ['https://site.test'] }));
    const page = { url: 'https://site.test/a?utm_source=news', path: '/a', referrer: 'https://ref.test/', title: 'A', search: '?utm_source=news' };
    const body = JSON.stringify({
      writeKey: project.writeKeys[0],
      sentAt: new Date().toISOString(),
      batch: [
        { type: 'page', messageId: 'c-1', timestamp: new Date().toISOString(), context: { page, campaign: { source: 'news' }, library: { name: 'sightline.js', version: '0.1.0' }, screen: { width: 1280, height: 800 }, locale: 'en-GB' } },
        { type: 'track', event: 'Clicked', properties: { x: 1 }, messageId: 'c-2', timestamp: new Date().toISOString(), context: { page } },
      ],
    });
    const res = await post(`${h.url}/collect`, body, { 'content-type': 'text/plain;charset=UTF-8', origin: 'https://site.test', 'x-forwarded-for': '203.0.113.50', 'sec-gpc': '1' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ success: true });
    expect(res.headers.get('access-control-allow-origin')).toBe('https://site.test');
    expect(res.headers.get('access-control-expose-headers')).toBe('Retry-After');
    const records = await h.waitForRaw((e) => e.projectId === project.projectId, 2);
    const pageview = records.find((r) => r.value.messageId === 'c-1')!;
    expect(pageview.value).toMatchObject({ type: 'page', userId: null, anonymousId: null, context: { page, campaign: { source: 'news' } } });
    // Trusted proxy (127.0.0.1) forwarded the real client address.
    expect(pageview.value.request).toMatchObject({ ip: '203.0.113.50', gpc: true });
    // Keyed by a keyed hash of IP and User-Agent, never the IP itself (issue #16 finding 7b).
    expect(pageview.key).toMatch(new RegExp(`^${project.projectId}:fp:[0-9a-f]{32}$`));
  });

  it('POST /collect takes a single event with ?key= and FizzStat-shaped messages', async () => {
    const project = await h.putProject(testProject());
    const key = project.writeKeys[0]!;
    const single = await post(`${h.url}/collect?key=${key}`, { type: 'track', event: 'Signup', anonymousId: 'a1', messageId: 'c-single' });
    expect(single.status).toBe(200);
    const fizz = await post(
      `${h.url}/collect`,
      { writeKey: key, batch: [{ event_type: 'view', referrer: 'https://google.com/' }, { event_type: 'exit', value: 'https://elsewhere.test/x' }, { event_type: 'video', value: 42, data: { id: 'v1' } }] },
      { referer: 'https://site.test/post' },
    );
    expect(fizz.status).toBe(200);
    const records = await h.waitForRaw((e) => e.projectId === project.projectId, 4);
    const names = records.map((r) => [r.value.type, r.value.event]);
    expect(names).toEqual(expect.arrayContaining([['track', 'Signup'], ['page', null], ['track', '$outbound'], ['track', 'video']]));
    const page = records.find((r) => r.value.type === 'page')!.value;
    expect(page.context.page).toEqual({ url: 'https://site.test/post', referrer: 'https://google.com/' });
    expect(records.find((r) => r.value.event === '$outbound')!.value.properties).toEqual({ url: 'https://elsewhere.test/x' });
    expect(records.find((r) => r.value.event === 'video')!.value.properties).toEqual({ value: 42, id: 'v1' });
    const bad = await post(`${h.url}/collect?key=${key}`, { type: 'track' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.field).toBe('event');
  });

  it('GET /p.gif answers a 1×1 GIF after the event is in Kafka', async () => {
    const project = await h.putProject(testProject());
    const res = await fetch(`${h.url}/p.gif?key=${project.writeKeys[0]}&title=Newsletter&messageId=px-1&anonymousId=mail-7`, { headers: { referer: 'https://site.test/mail' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/gif');
    expect(Buffer.from(await res.arrayBuffer()).subarray(0, 6).toString()).toBe('GIF89a');
    const [record] = await h.waitForRaw((e) => e.messageId === 'px-1');
    expect(record!.value).toMatchObject({ type: 'page', anonymousId: 'mail-7', context: { page: { url: 'https://site.test/mail', title: 'Newsletter' } } });
    expect((await fetch(`${h.url}/p.gif`)).status).toBe(401);
  });

  it('lets a cross-origin page read an error on /collect, so the tracker stops retrying an unknown key', async () => {
    const body = JSON.stringify({ writeKey: 'wk_unknown_key_000000', batch: [{ type: 'page' }] });
    const res = await post(`${h.url}/collect`, body, { 'content-type': 'text/plain', origin: 'https://elsewhere.test' });
    expect(res.status).toBe(401);
    expect(res.headers.get('access-control-allow-origin')).toBe('https://elsewhere.test');
    expect(res.headers.get('access-control-expose-headers')).toBe('Retry-After');
  });

  it('answers CORS preflight from the project allowed origins', async () => {
    const open = await h.putProject(testProject());
    const closed = await h.putProject(testProject({ allowedOrigins: ['https://*.shop.test'] }));
    const preflight = (key: string, origin: string) => fetch(`${h.url}/collect?key=${key}`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST' } });
    const any = await preflight(open.writeKeys[0]!, 'https://a.test');
    expect([any.status, any.headers.get('access-control-allow-origin')]).toEqual([204, '*']);
    const sub = await preflight(closed.writeKeys[0]!, 'https://www.shop.test');
    expect([sub.status, sub.headers.get('access-control-allow-origin')]).toEqual([204, 'https://www.shop.test']);
    expect((await preflight(closed.writeKeys[0]!, 'https://evil.test')).status).toBe(403);
  });

  it('serves /tracker.js with caching headers, and a clear 503 while it is not built', async () => {
    const missing = await fetch(`${h.url}/tracker.js`);
    expect(missing.status).toBe(503);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe('tracker_unavailable');
    writeFileSync(trackerPath, 'window.sightline=1;');
    const served = await fetch(`${h.url}/tracker.js`);
    expect(served.status).toBe(200);
    expect(served.headers.get('content-type')).toMatch(/javascript/);
    expect(served.headers.get('cache-control')).toMatch(/max-age=/);
    expect(await served.text()).toBe('window.sightline=1;');
    const again = await fetch(`${h.url}/tracker.js`, { headers: { 'if-none-match': served.headers.get('etag')! } });
    expect(again.status).toBe(304);
  });
});
