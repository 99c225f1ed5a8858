import fc from 'fast-check';
import { createFixedRateLimiter, createLeasedRateLimiter, createTokenBuckets, type RateLimit } from './index';

describe('token bucket per write key', () => {
  it('allows the burst, then refills at the rate and says when to retry', () => {
    let now = 0;
    const limiter = createTokenBuckets({ now: () => now });
    const limit = { eventsPerSecond: 10, burst: 20 };
    expect(limiter.take('k', 20, limit)).toEqual({ ok: true });
    const refused = limiter.take('k', 5, limit);
    expect(refused).toEqual({ ok: false, retryAfterSeconds: 0.5 });
    now = 500;
    expect(limiter.take('k', 5, limit)).toEqual({ ok: true });
    expect(limiter.take('other', 20, limit)).toEqual({ ok: true });
  });
  it('lets an oversized request pass once full, and charges it in full', () => {
    const limiter = createTokenBuckets({ now: () => 0 });
    expect(limiter.take('k', 500, { eventsPerSecond: 1, burst: 100 })).toEqual({ ok: true });
    expect(limiter.take('k', 1, { eventsPerSecond: 1, burst: 100 })).toEqual({ ok: false, retryAfterSeconds: 401 });
  });
});

describe('leased token buckets (HTTP workers sharing one bucket per key)', () => {
  /** Workers drawing on one primary bucket; `delay` lets asks overlap. */
  function cluster(workers: number, now: () => number) {
    const primary = createTokenBuckets({ now });
    let asks = 0;
    const ask = async (key: string, min: number, want: number, limit: RateLimit) => {
      asks++;
      await new Promise((r) => setImmediate(r));
      return primary.grant(key, min, want, limit);
    };
    return { limiters: Array.from({ length: workers }, () => createLeasedRateLimiter(ask, now)), asks: () => asks };
  }

  it('admits across workers exactly what one bucket admits', async () => {
    let now = 0;
    const { limiters } = cluster(3, () => now);
    const limit = { eventsPerSecond: 10, burst: 20 };
    const results = await Promise.all(Array.from({ length: 30 }, (_, i) => limiters[i % 3]!.take('k', 1, limit)));
    expect(results.filter((r) => r.ok)).toHaveLength(20);
    const refused = results.find((r) => !r.ok);
    expect(refused).toEqual({ ok: false, retryAfterSeconds: 0.1 });
    now = 1000; // ten tokens later
    const later = await Promise.all(Array.from({ length: 15 }, (_, i) => limiters[i % 3]!.take('k', 1, limit)));
    expect(later.filter((r) => r.ok)).toHaveLength(10);
  });

  it('never admits more than the bucket under random interleavings, and asks once per lease at high rates', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.record({ worker: fc.nat(2), cost: fc.integer({ min: 1, max: 30 }), at: fc.nat(3000) }), { maxLength: 60 }), fc.integer({ min: 1, max: 50 }), fc.integer({ min: 1, max: 100 }), async (requests, rate, burst) => {
        let now = 0;
        const { limiters } = cluster(3, () => now);
        const limit = { eventsPerSecond: rate, burst };
        let admitted = 0;
        const sorted = [...requests].sort((a, b) => a.at - b.at);
        for (let i = 0; i < sorted.length; ) {
          now = sorted[i]!.at;
          const same = sorted.filter((r) => r.at === now); // requests of one instant race
          const results = await Promise.all(same.map((r) => limiters[r.worker]!.take('k', r.cost, limit)));
          results.forEach((r, j) => (admitted += r.ok ? Math.min(same[j]!.cost, burst) : 0));
          i += same.length;
        }
        // One bucket can have handed out at most its burst plus what refilled since the start.
        const last = sorted.length ? sorted[sorted.length - 1]!.at : 0;
        expect(admitted).toBeLessThanOrEqual(burst + (last / 1000) * rate + 1e-9);
      }),
      { numRuns: 200 },
    );
    const { limiters, asks } = cluster(2, () => 0);
    for (let i = 0; i < 1000; i++) expect(await limiters[i % 2]!.take('k', 1, { eventsPerSecond: 100_000, burst: 200_000 })).toEqual({ ok: true });
    expect(asks()).toBeLessThanOrEqual(2);
  });
});

describe('one fixed limit per key (the gateway: requests per key or member, login attempts per email or IP)', () => {
  it('admits the burst, refills at the rate, and says when the next token comes', () => {
    let now = 0;
    const limiter = createFixedRateLimiter(2, 3, { now: () => now });
    expect([limiter.take('m'), limiter.take('m'), limiter.take('m')]).toEqual([0, 0, 0]);
    expect(limiter.take('m')).toBe(0.5);
    expect(limiter.take('other')).toBe(0);
    now = 500;
    expect(limiter.take('m')).toBe(0);
    expect(limiter.take('m')).toBe(0.5);
  });

  it('wait tells without spending, and without tracking a key it has not seen', () => {
    let now = 0;
    const limiter = createFixedRateLimiter(1, 2, { now: () => now, maxKeys: 1 });
    limiter.take('a');
    expect(limiter.wait('a')).toBe(0);
    limiter.take('a');
    expect(limiter.wait('a')).toBe(1);
    expect(limiter.wait('a')).toBe(1);
    expect(limiter.wait('new')).toBe(0);
    // 'new' was only looked at, so 'a' is still the one key tracked and still empty.
    expect(limiter.take('a')).toBe(1);
    now = 1000;
    expect(limiter.take('a')).toBe(0);
  });

  it('forgets the oldest key once maxKeys are tracked, so a flood of new keys cannot grow memory', () => {
    const limiter = createFixedRateLimiter(1, 1, { now: () => 0, maxKeys: 2 });
    expect([limiter.take('a'), limiter.take('b')]).toEqual([0, 0]);
    expect(limiter.take('a')).toBe(1);
    expect(limiter.take('c')).toBe(0); // 'a' is forgotten: a new, full bucket
    expect(limiter.take('a')).toBe(0);
    expect(limiter.take('c')).toBe(1);
  });
});
