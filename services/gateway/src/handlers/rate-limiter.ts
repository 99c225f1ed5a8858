/**
 * Token buckets per key (a read key, a member, a login email). In-process: with several gateway
 * instances each enforces its own share, which is good enough for abuse protection.
 */
export interface RateLimiter {
  /** 0 when the request may go on, else the seconds to wait before retrying. */
  take(id: string, now?: number): number;
}

export function createRateLimiter(perSecond: number, burst: number, maxTracked = 50_000): RateLimiter {
  const buckets = new Map<string, { tokens: number; at: number }>();
  return {
    take(id, now = Date.now()) {
      const bucket = buckets.get(id) ?? { tokens: burst, at: now };
      bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.at) / 1000) * perSecond);
      bucket.at = now;
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
  };
}
