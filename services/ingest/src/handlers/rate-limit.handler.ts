export interface RateLimit {
  eventsPerSecond: number;
  burst: number;
}

export type TakeResult = { ok: true } | { ok: false; retryAfterSeconds: number };

interface Bucket {
  tokens: number;
  at: number;
}

export interface Grant {
  granted: number;
  retryAfterSeconds: number;
}

/**
 * Token buckets per write key: `burst` tokens, refilled at `eventsPerSecond`; one token per
 * event. A request larger than the burst passes when the bucket is full and is charged in full:
 * the bucket goes into debt, and nothing more passes until the rate has paid it back (charging
 * only the burst let big batches skip a low limit).
 * In memory per ingest instance (the HTTP workers of one instance share it, see
 * `createLeasedRateLimiter`), so N instances allow up to N × the limit.
 */
export function createRateLimiter(now: () => number = Date.now) {
  const buckets = new Map<string, Bucket>();
  function refill(key: string, limit: RateLimit): Bucket {
    const at = now();
    const bucket = buckets.get(key) ?? { tokens: limit.burst, at };
    bucket.tokens = Math.min(limit.burst, bucket.tokens + ((at - bucket.at) / 1000) * limit.eventsPerSecond);
    bucket.at = at;
    buckets.set(key, bucket);
    return bucket;
  }
  return {
    take(key: string, cost: number, limit: RateLimit): TakeResult {
      const need = Math.min(cost, limit.burst);
      const bucket = refill(key, limit);
      if (bucket.tokens >= need) {
        bucket.tokens -= cost;
        return { ok: true };
      }
      return { ok: false, retryAfterSeconds: (need - bucket.tokens) / limit.eventsPerSecond };
    },
    /**
     * For a worker's lease: at least `min` tokens (else none, and when to retry), and up to
     * `want` when the bucket holds them. Like `take`, a `min` over the burst is granted in full
     * from a full bucket, which goes into debt.
     */
    grant(key: string, min: number, want: number, limit: RateLimit): Grant {
      const bucket = refill(key, limit);
      const need = Math.min(min, limit.burst);
      if (bucket.tokens < need) return { granted: 0, retryAfterSeconds: (need - bucket.tokens) / limit.eventsPerSecond };
      // Leases come only out of the bucket's upper half: near empty, tokens go to requests
      // that need them now rather than sit in one worker's lease while another's are refused.
      const extra = Math.max(0, Math.min(want - min, Math.floor(bucket.tokens - min - limit.burst / 2)));
      bucket.tokens -= min + extra;
      return { granted: min + extra, retryAfterSeconds: 0 };
    },
    /** Forgets buckets untouched for `idleMs`; they have refilled unless the rate is tiny. */
    sweep(idleMs: number) {
      const at = now();
      for (const [key, bucket] of buckets) if (at - bucket.at > idleMs) buckets.delete(key);
    },
  };
}
export type LocalRateLimiter = ReturnType<typeof createRateLimiter>;

export interface RateLimiter {
  take(key: string, cost: number, limit: RateLimit): TakeResult | Promise<TakeResult>;
  sweep(idleMs: number): void;
}

/**
 * The rate limiter of one HTTP worker when several share an instance: the buckets live in the
 * primary (`createRateLimiter().grant`), and each worker draws tokens from it in leases, so the
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
