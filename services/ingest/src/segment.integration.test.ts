import { randomUUID } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { Analytics } from '@segment/analytics-node';
import { rawEventValue } from '@sightline/contracts';
import { basicAuth, post, startHarness, testProject, type Harness } from './testing/ingest-harness';

jest.setTimeout(60_000);

describe('Segment HTTP API against the real broker', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.stop();
  });

  it('POST /v1/track with the write key as Basic username lands in events.raw keyed by visitor', async () => {
    const project = await h.putProject(testProject());
    const sentAt = new Date(Date.now() - 1000);
    const res = await post(
      `${h.url}/v1/track`,
      { userId: 'u1', event: 'Signed Up', properties: { plan: 'pro' }, messageId: 'm-track-1', timestamp: new Date(sentAt.getTime() - 60_000).toISOString(), sentAt: sentAt.toISOString() },
      { authorization: basicAuth(project.writeKeys[0]!), 'user-agent': 'test-agent', 'accept-language': 'en-GB', dnt: '1' },
    );
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ success: true });
    const [record] = await h.waitForRaw((e) => e.messageId === 'm-track-1');
    expect(record!.key).toBe(`${project.projectId}:u1`);
    const event = rawEventValue.parse(record!.value);
    expect(event).toMatchObject({ projectId: project.projectId, type: 'track', event: 'Signed Up', userId: 'u1', properties: { plan: 'pro' } });
    expect(event.request).toEqual({ ip: '127.0.0.1', userAgent: 'test-agent', acceptLanguage: 'en-GB', dnt: true, gpc: false, clientKind: 'server' });
    // Clock-skew correction: the event happened 60 s before the client sent it.
    expect(new Date(event.receivedAt).getTime() - new Date(event.timestamp).getTime()).toBe(60_000);
  });

  it('accepts page, screen, identify, group and alias with writeKey in the body', async () => {
    const project = await h.putProject(testProject());
    const writeKey = project.writeKeys[0]!;
    const calls: Array<[string, Record<string, unknown>]> = [
      ['page', { anonymousId: 'a1', name: 'Pricing', properties: { url: 'https://site.test/pricing' } }],
      ['screen', { userId: 'u2', name: 'Home' }],
      ['identify', { userId: 'u2', traits: { plan: 'pro' } }],
      ['group', { userId: 'u2', groupId: 'g1', traits: { size: 10 } }],
      ['alias', { userId: 'u2', previousId: 'a1' }],
    ];
    for (const [type, body] of calls) {
      const res = await post(`${h.url}/v1/${type}`, { ...body, writeKey, messageId: `${project.projectId}-${type}` });
      expect([type, res.status]).toEqual([type, 200]);
    }
    const records = await h.waitForRaw((e) => e.projectId === project.projectId, calls.length);
    const byType = Object.fromEntries(records.map((r) => [r.value.type, r.value]));
    expect(byType.page).toMatchObject({ event: 'Pricing', anonymousId: 'a1', context: { page: { url: 'https://site.test/pricing' } } });
    expect(byType.identify).toMatchObject({ traits: { plan: 'pro' } });
    expect(byType.group).toMatchObject({ groupId: 'g1' });
    expect(byType.alias).toMatchObject({ previousId: 'a1', userId: 'u2' });
    for (const r of records) expect(rawEventValue.safeParse(r.value).success).toBe(true);
  });

  it('batch (and import) accepts the valid events and lists each rejected one by index', async () => {
    const project = await h.putProject(testProject());
    const auth = { authorization: basicAuth(project.writeKeys[0]!) };
    const res = await post(
      `${h.url}/v1/batch`,
      {
        batch: [
          { type: 'track', userId: 'u', event: 'ok-1', messageId: 'b-ok-1' },
          { type: 'track', userId: 'u' },
          { type: 'identify', traits: {} },
          { type: 'page', anonymousId: 'a', messageId: 'b-ok-2', timestamp: new Date(Date.now() + 30 * 86400_000).toISOString() },
          { type: 'page', anonymousId: 'a', messageId: 'b-ok-3' },
        ],
      },
      auth,
    );
    expect(res.status).toBe(200);
    expect(res.body.success).toBe(true);
    expect(res.body.rejected.map((r: { index: number; fields: Array<{ path: string }> }) => [r.index, r.fields[0]!.path])).toEqual([
      [1, 'event'],
      [2, 'userId'],
      [3, 'timestamp'],
    ]);
    const imported = await post(`${h.url}/v1/import`, { batch: [{ type: 'track', userId: 'u', event: 'imported', messageId: 'b-import' }] }, auth);
    expect(imported.status).toBe(200);
    // analytics.js's short paths, text/plain with the key in the body.
    const short = await post(`${h.url}/v1/t`, { writeKey: project.writeKeys[0], anonymousId: 'a', event: 'short', messageId: 'b-short' }, { 'content-type': 'text/plain' });
    expect(short.status).toBe(200);
    const records = await h.waitForRaw((e) => e.projectId === project.projectId, 4);
    expect(records.map((r) => r.value.messageId).sort()).toEqual(['b-import', 'b-ok-1', 'b-ok-3', 'b-short']);
    const none = await post(`${h.url}/v1/batch`, { batch: [{ type: 'track' }] }, auth);
    expect(none.status).toBe(400);
    expect(none.body.error.fields.map((f: { path: string }) => f.path)).toEqual(['batch.0.event', 'batch.0.userId']);
  });

  it('401 for an unknown key, 403 for a disabled project or a foreign origin, 413 past the limits', async () => {
    const project = await h.putProject(testProject({ allowedOrigins: ['https://shop.test'] }));
    const auth = { authorization: basicAuth(project.writeKeys[0]!) };
    const track = { userId: 'u', event: 'e' };
    expect((await post(`${h.url}/v1/track`, track, { authorization: basicAuth('wk_unknown_key_123') })).status).toBe(401);
    expect((await post(`${h.url}/v1/track`, track)).status).toBe(401);
    expect((await post(`${h.url}/v1/track`, track, { ...auth, origin: 'https://evil.test' })).status).toBe(403);
    const allowed = await post(`${h.url}/v1/track`, track, { ...auth, origin: 'https://shop.test' });
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://shop.test');
    const big = await post(`${h.url}/v1/track`, { ...track, properties: { blob: 'x'.repeat(40_000) } }, auth);
    expect(big.status).toBe(413);
    expect(big.body.error.field).toBe('(event)');
    const huge = await post(`${h.url}/v1/batch`, { batch: Array.from({ length: 30 }, () => ({ ...track, properties: { blob: 'x'.repeat(20_000) } })) }, auth);
    expect(huge.status).toBe(413);
    await h.putProject({ ...project, enabled: false, updatedAt: new Date().toISOString() });
    expect((await post(`${h.url}/v1/track`, track, auth)).status).toBe(403);
  });

  it('reads gzip bodies, limits the inflated size, and names the body when it cannot read it', async () => {
    const project = await h.putProject(testProject());
    const auth = { authorization: basicAuth(project.writeKeys[0]!) };
    const gzip = (value: unknown) => gzipSync(Buffer.from(JSON.stringify(value)));
    const ok = await fetch(`${h.url}/v1/batch`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json', 'content-encoding': 'gzip' }, body: gzip({ batch: [{ type: 'track', userId: 'u', event: 'zipped', messageId: 'gz-1' }] }) });
    expect(ok.status).toBe(200);
    await h.waitForRaw((e) => e.messageId === 'gz-1');
    // 600 KB of JSON that compresses to a few KB: the limit applies after inflating.
    const bomb = await fetch(`${h.url}/v1/batch`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json', 'content-encoding': 'gzip' }, body: gzip({ batch: [{ type: 'track', userId: 'u', event: 'x'.repeat(600_000) }] }) });
    expect(bomb.status).toBe(413);
    const broken = await fetch(`${h.url}/v1/track`, { method: 'POST', headers: { ...auth, 'content-encoding': 'gzip' }, body: 'not gzip at all' });
    expect([broken.status, ((await broken.json()) as { error: { field: string } }).error.field]).toEqual([400, '(body)']);
    const latin1 = await post(`${h.url}/v1/track`, { userId: 'u', event: 'e' }, { ...auth, 'content-type': 'application/json; charset=iso-8859-1' });
    expect([latin1.status, latin1.body.error.field]).toEqual([415, '(body)']);
  });

  it('429 with Retry-After once the write key exhausts its token bucket', async () => {
    const project = await h.putProject(testProject({ rateLimit: { eventsPerSecond: 1, burst: 3 } }));
    const auth = { authorization: basicAuth(project.writeKeys[0]!) };
    const batch = { batch: [1, 2, 3].map((i) => ({ type: 'track', userId: 'u', event: `e${i}` })) };
    expect((await post(`${h.url}/v1/batch`, batch, auth)).status).toBe(200);
    const limited = await post(`${h.url}/v1/track`, { userId: 'u', event: 'over' }, auth);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  });

  it('a rotated key works and a revoked one stops within 2 s', async () => {
    const project = await h.putProject(testProject());
    const [oldKey] = project.writeKeys;
    const newKey = `wk_${randomUUID()}`;
    const track = { userId: 'u', event: 'rotation' };
    const started = Date.now();
    await h.putProject({ ...project, writeKeys: [oldKey!, newKey], updatedAt: new Date().toISOString() });
    expect((await post(`${h.url}/v1/track`, track, { authorization: basicAuth(newKey) })).status).toBe(200);
    await h.putProject({ ...project, writeKeys: [newKey], updatedAt: new Date(Date.now() + 1).toISOString() });
    expect((await post(`${h.url}/v1/track`, track, { authorization: basicAuth(oldKey!) })).status).toBe(401);
    expect(Date.now() - started).toBeLessThan(4000);
    await h.deleteProject(project.projectId);
    expect((await post(`${h.url}/v1/track`, track, { authorization: basicAuth(newKey) })).status).toBe(401);
  });

  it('the real @segment/analytics-node client delivers 1,000 mixed messages, each exactly once by messageId', async () => {
    const project = await h.putProject(testProject());
    const analytics = new Analytics({ writeKey: project.writeKeys[0]!, host: h.url, path: '/v1/batch', flushAt: 50, flushInterval: 200, maxRetries: 3 });
    for (let i = 0; i < 1000; i++) {
      const who = i % 2 ? { userId: `user-${i % 37}` } : { anonymousId: `anon-${i % 41}` };
      if (i % 3 === 0) analytics.track({ ...who, event: 'Clicked', properties: { i } });
      else if (i % 3 === 1) analytics.identify({ ...who, traits: { i } });
      else analytics.page({ ...who, name: 'Docs', properties: { i } });
    }
    await analytics.closeAndFlush({ timeout: 30_000 });
    const records = await h.waitForRaw((e) => e.projectId === project.projectId, 1000);
    const distinct = new Set(records.map((r) => r.value.messageId));
    expect(distinct.size).toBe(1000);
    const indexes = new Set(records.map((r) => (r.value.type === 'identify' ? r.value.traits.i : r.value.properties.i)));
    expect(indexes.size).toBe(1000);
  });

  it('a retried message keeps its messageId, so downstream dedupe counts it once', async () => {
    const project = await h.putProject(testProject());
    const auth = { authorization: basicAuth(project.writeKeys[0]!) };
    for (let attempt = 0; attempt < 2; attempt++) expect((await post(`${h.url}/v1/track`, { userId: 'u', event: 'retry', messageId: 'same-id' }, auth)).status).toBe(200);
    const noId = await post(`${h.url}/v1/track`, { userId: 'u', event: 'server-id' }, auth);
    expect(noId.status).toBe(200);
    const records = await h.waitForRaw((e) => e.projectId === project.projectId, 3);
    expect(new Set(records.filter((r) => r.value.event === 'retry').map((r) => r.value.messageId))).toEqual(new Set(['same-id']));
    expect(records.find((r) => r.value.event === 'server-id')!.value.messageId).toMatch(/^[0-9a-f-]{36}$/);
  });
});
