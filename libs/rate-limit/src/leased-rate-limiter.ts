import type { Grant, RateLimit, TakeResult } from './token-buckets';

/** What a request path needs: take `cost` tokens of `key` now (or when to retry), and forget idle keys. */
export interface RateLimiter {
  take(key: string, cost: number, limit: RateLimit): TakeResult | Promise<TakeResult>;
  sweep(idleMs: number): void;
}

/**
 * The rate limiter of one HTTP worker when several share an instance: the buckets live in the
 * primary (`createTokenBuckets().grant`), and each worker draws tokens from it in leases, so the
 * workers together admit what one process would. A request is answered from the worker's lease
 * when it holds enough; otherwise the worker asks the primary for the shortfall plus a lease of
 * about 50 ms of the key's rate (one round trip per lease, not per request). Tokens leased and
 * not yet used are at most that lease per worker and key: the workers together may refuse a
 * little early, never admit more than the bucket.
 */
export function createLeasedRateLimiter(ask: (key: string, min: number, want: number, limit: RateLimit) => Promise<Grant>, now: () => number = Date.now): RateLimiter {
  const leases = new Map<string, { tokens: number; at: number }>();
  /** One ask per key at a time: requests behind it use its lease instead of asking again. */
  const asking = new Map<string, Promise<unknown>>();
  return {
    async take(key, cost, limit) {
      for (let waiting = asking.get(key); waiting; waiting = asking.get(key)) await waiting;
      const charge = cost;
      const lease = leases.get(key) ?? { tokens: 0, at: 0 };
      leases.set(key, lease);
      lease.at = now();
      if (lease.tokens >= charge) {
        lease.tokens -= charge;
        return { ok: true };
      }
      // What the lease holds is set aside first: a concurrent request must not count on it too.
      const have = lease.tokens;
      lease.tokens = 0;
      const shortfall = charge - have;
      const chunk = Math.min(limit.burst, Math.ceil(limit.eventsPerSecond * 0.05));
      const asked = ask(key, shortfall, shortfall + chunk, limit);
      asking.set(key, asked);
      const reply = await asked.finally(() => asking.delete(key));
      if (reply.granted < shortfall) {
        lease.tokens += have + reply.granted;
        return { ok: false, retryAfterSeconds: reply.retryAfterSeconds };
      }
      lease.tokens += reply.granted - shortfall;
      return { ok: true };
    },
    sweep(idleMs) {
      const at = now();
      for (const [key, lease] of leases) if (at - lease.at > idleMs) leases.delete(key);
    },
  };
}
