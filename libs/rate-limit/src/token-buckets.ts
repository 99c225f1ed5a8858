/**
 * Tokens refilled per second and the bucket's size. One token per unit of work: an event at
 * ingest (a batch costs its events), a request or an attempt at the gateway.
 */
export interface RateLimit {
  eventsPerSecond: number;
  burst: number;
}

export type TakeResult = { ok: true } | { ok: false; retryAfterSeconds: number };

export interface Grant {
  granted: number;
  retryAfterSeconds: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

export interface TokenBucketOptions {
  now?: () => number;
  /** Most keys tracked; a new key beyond it forgets the oldest (a flood of new keys cannot grow memory). Default: no bound (call `sweep`). */
  maxKeys?: number;
}

/**
 * Token buckets per key, in memory: `burst` tokens, refilled at `eventsPerSecond`. A request that
 * costs more than the burst passes when the bucket is full and is charged in full: the bucket
 * goes into debt, and nothing more passes until the rate has paid it back (charging only the
 * burst let big batches skip a low limit). Each process enforces its own buckets, so N instances
 * allow up to N × the limit.
 */
export function createTokenBuckets(options: TokenBucketOptions = {}) {
  const now = options.now ?? Date.now;
  const maxKeys = options.maxKeys ?? Infinity;
  const buckets = new Map<string, Bucket>();
  /** The key's bucket refilled to now; `track` keeps a new one (only spending needs to). */
  function refill(key: string, limit: RateLimit, track: boolean): Bucket {
    const at = now();
    let bucket = buckets.get(key);
    if (!bucket) {
      bucket = { tokens: limit.burst, at };
      if (!track) return bucket;
      if (buckets.size >= maxKeys) buckets.delete(buckets.keys().next().value!);
      buckets.set(key, bucket);
    }
    bucket.tokens = Math.min(limit.burst, bucket.tokens + ((at - bucket.at) / 1000) * limit.eventsPerSecond);
    bucket.at = at;
    return bucket;
  }
  return {
    take(key: string, cost: number, limit: RateLimit): TakeResult {
      const need = Math.min(cost, limit.burst);
      const bucket = refill(key, limit, true);
      if (bucket.tokens >= need) {
        bucket.tokens -= cost;
        return { ok: true };
      }
      return { ok: false, retryAfterSeconds: (need - bucket.tokens) / limit.eventsPerSecond };
    },
    /** Like `take` without spending: 0 while `cost` would pass, else the seconds until it would. */
    wait(key: string, cost: number, limit: RateLimit): number {
      const need = Math.min(cost, limit.burst);
      const bucket = refill(key, limit, false);
      return bucket.tokens >= need ? 0 : (need - bucket.tokens) / limit.eventsPerSecond;
    },
    /**
     * For a worker's lease: at least `min` tokens (else none, and when to retry), and up to
     * `want` when the bucket holds them. Like `take`, a `min` over the burst is granted in full
     * from a full bucket, which goes into debt.
     */
    grant(key: string, min: number, want: number, limit: RateLimit): Grant {
      const bucket = refill(key, limit, true);
      const need = Math.min(min, limit.burst);
      if (bucket.tokens < need) return { granted: 0, retryAfterSeconds: (need - bucket.tokens) / limit.eventsPerSecond };
      // Leases come only out of the bucket's upper half: near empty, tokens go to requests
      // that need them now rather than sit in one worker's lease while another's are refused.
      const extra = Math.max(0, Math.min(want - min, Math.floor(bucket.tokens - min - limit.burst / 2)));
      bucket.tokens -= min + extra;
      return { granted: min + extra, retryAfterSeconds: 0 };
    },
    /** Forgets buckets untouched for `idleMs`; they have refilled unless the rate is tiny. */
    sweep(idleMs: number): void {
      const at = now();
      for (const [key, bucket] of buckets) if (at - bucket.at > idleMs) buckets.delete(key);
    },
  };
}
export type TokenBuckets = ReturnType<typeof createTokenBuckets>;

/** One fixed limit, one token per call: the gateway's limits per key, member, email or IP. */
export interface FixedRateLimiter {
  /** 0 when the call may go on (and a token is spent), else the seconds to wait before retrying. */
  take(key: string): number;
  /** Like `take` without spending: 0 while a token is left, else the seconds until one is. */
  wait(key: string): number;
}

export function createFixedRateLimiter(perSecond: number, burst: number, options: TokenBucketOptions = {}): FixedRateLimiter {
  const buckets = createTokenBuckets({ maxKeys: 50_000, ...options });
  const limit: RateLimit = { eventsPerSecond: perSecond, burst };
  return {
    take(key) {
      const taken = buckets.take(key, 1, limit);
      return taken.ok ? 0 : taken.retryAfterSeconds;
    },
    wait: (key) => buckets.wait(key, 1, limit),
  };
}
