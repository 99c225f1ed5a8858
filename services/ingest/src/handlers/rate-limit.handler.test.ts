import { createRateLimiter } from './rate-limit.handler';

describe('token bucket per write key', () => {
  it('allows the burst, then refills at the rate and says when to retry', () => {
    let now = 0;
    const limiter = createRateLimiter(() => now);
    const limit = { eventsPerSecond: 10, burst: 20 };
    expect(limiter.take('k', 20, limit)).toEqual({ ok: true });
    const refused = limiter.take('k', 5, limit);
    expect(refused).toEqual({ ok: false, retryAfterSeconds: 0.5 });
    now = 500;
    expect(limiter.take('k', 5, limit)).toEqual({ ok: true });
    expect(limiter.take('other', 20, limit)).toEqual({ ok: true });
  });
  it('charges an oversized request the burst so it can pass once full', () => {
    const limiter = createRateLimiter(() => 0);
    expect(limiter.take('k', 500, { eventsPerSecond: 1, burst: 100 })).toEqual({ ok: true });
  });
});
