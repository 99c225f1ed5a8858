export interface RateLimit {
  eventsPerSecond: number;
  burst: number;
}

export type TakeResult = { ok: true } | { ok: false; retryAfterSeconds: number };

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * Token buckets per write key: `burst` tokens, refilled at `eventsPerSecond`; one token per
 * event. A request larger than the burst is charged the burst so it can pass when full.
 * In memory per ingest instance, so N instances allow up to N × the limit.
 */
export function createRateLimiter(now: () => number = Date.now) {
  const buckets = new Map<string, Bucket>();
  return {
    take(key: string, cost: number, limit: RateLimit): TakeResult {
      const at = now();
      const charge = Math.min(cost, limit.burst);
      const bucket = buckets.get(key) ?? { tokens: limit.burst, at };
      bucket.tokens = Math.min(limit.burst, bucket.tokens + ((at - bucket.at) / 1000) * limit.eventsPerSecond);
      bucket.at = at;
      buckets.set(key, bucket);
      if (bucket.tokens >= charge) {
        bucket.tokens -= charge;
        return { ok: true };
      }
      return { ok: false, retryAfterSeconds: (charge - bucket.tokens) / limit.eventsPerSecond };
    },
    /** Forgets buckets untouched for `idleMs`; they have refilled unless the rate is tiny. */
    sweep(idleMs: number) {
      const at = now();
      for (const [key, bucket] of buckets) if (at - bucket.at > idleMs) buckets.delete(key);
    },
  };
}
export type RateLimiter = ReturnType<typeof createRateLimiter>;
