import { createLeasedRateLimiter, createTokenBuckets } from '@sightline/rate-limit';
import { askPrimary } from './limits/worker-grants';
import { post, startHarness, testProject, type Harness } from './testing/ingest-harness';

jest.setTimeout(60_000);

/** Issue #16, finding 8: a batch is charged every event it carries, and a worker without its primary refuses. */
describe('rate limits of big batches (real broker)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.stop());

  it('finding 8: a batch larger than the burst is charged in full, so big batches cannot skip a low limit', async () => {
    const project = await h.putProject(testProject({ rateLimit: { eventsPerSecond: 1, burst: 5 } }));
    const auth = { authorization: `Basic ${Buffer.from(`${project.writeKeys[0]}:`).toString('base64')}` };
    const batch = Array.from({ length: 50 }, (_, i) => ({ type: 'track', event: 'big-batch', anonymousId: `v${i}` }));
    // A full bucket lets one oversized batch through (it could never pass otherwise)…
    expect((await post(`${h.url}/v1/batch`, { batch }, auth)).status).toBe(200);
    // …and the 45 events over the burst are owed: nothing more for about 45 s at 1 event/s.
    const next = await post(`${h.url}/v1/track`, { type: 'track', event: 'after', anonymousId: 'v0' }, auth);
    expect(next.status).toBe(429);
    expect(Number(next.headers.get('retry-after'))).toBeGreaterThanOrEqual(45);
    await h.waitForRaw((e) => e.projectId === project.projectId && e.event === 'big-batch', 50);
  });

  it('finding 8: the same holds across HTTP workers leasing from one bucket', async () => {
    const primary = createTokenBuckets({ now: () => 0 });
    const worker = createLeasedRateLimiter(async (key, min, want, limit) => primary.grant(key, min, want, limit), () => 0);
    const limit = { eventsPerSecond: 1, burst: 5 };
    expect(await worker.take('k', 50, limit)).toEqual({ ok: true });
    expect(await worker.take('k', 1, limit)).toEqual({ ok: false, retryAfterSeconds: 46 });
  });

  it('finding 8: a worker whose primary does not answer refuses (fails closed) instead of granting', async () => {
    const silent = { send: () => true, on: () => undefined };
    const ask = askPrimary(50, silent);
    expect(await ask('k', 10, 20, { eventsPerSecond: 1, burst: 100 })).toEqual({ granted: 0, retryAfterSeconds: 1 });
  });
});
