/**
 * Token buckets per key (a read key, a member, a login email, an IP). In-process: with several
 * gateway instances each enforces its own share, which is good enough for abuse protection.
 */
export interface RateLimiter {
  /** 0 when the request may go on (and a token is spent), else the seconds to wait before retrying. */
  take(id: string, now?: number): number;
  /** Like `take` without spending: 0 while a token is left, else the seconds until one is. */
  wait(id: string, now?: number): number;
}

export function createRateLimiter(perSecond: number, burst: number, maxTracked = 50_000): RateLimiter {
  const buckets = new Map<string, { tokens: number; at: number }>();
  function refill(id: string, now: number) {
    const bucket = buckets.get(id);
    if (!bucket) return { tokens: burst, at: now };
    bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.at) / 1000) * perSecond);
    bucket.at = now;
    return bucket;
  }
  return {
    take(id, now = Date.now()) {
      const bucket = refill(id, now);
      if (!buckets.has(id)) {
        if (buckets.size >= maxTracked) buckets.delete(buckets.keys().next().value!);
        buckets.set(id, bucket);
      }
      if (bucket.tokens >= 1) {
        bucket.tokens -= 1;
        return 0;
      }
      return (1 - bucket.tokens) / perSecond;
    },
    wait(id, now = Date.now()) {
      const bucket = refill(id, now);
      return bucket.tokens >= 1 ? 0 : (1 - bucket.tokens) / perSecond;
    },
  };
}
