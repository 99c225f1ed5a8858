import { createRateLimiter, type Grant, type RateLimit } from '../handlers/rate-limit.handler';

/**
 * The rate-limit leases of HTTP workers (`createLeasedRateLimiter`) carried over node:cluster's
 * channel between each worker and the primary, which holds the one set of buckets.
 */
const KIND = 'sightline.rate-grant';

interface Ask {
  kind: typeof KIND;
  id: number;
  key: string;
  min: number;
  want: number;
  limit: RateLimit;
}

interface Reply extends Grant {
  kind: typeof KIND;
  id: number;
}

const isOurs = (message: unknown): message is { kind: typeof KIND; id: number } => !!message && typeof message === 'object' && (message as { kind?: unknown }).kind === KIND;

/** Primary side: answers each worker's ask from the shared buckets. */
export function serveRateGrants(): (message: unknown, reply: (message: Reply) => void) => void {
  const buckets = createRateLimiter();
  setInterval(() => buckets.sweep(10 * 60_000), 60_000).unref();
  return (message, reply) => {
    if (!isOurs(message)) return;
    const ask = message as Ask;
    reply({ kind: KIND, id: ask.id, ...buckets.grant(ask.key, ask.min, ask.want, ask.limit) });
  };
}

/**
 * Worker side. Without an answer within `timeoutMs` (the primary busy or gone) the ask is
 * granted: a limiter that cannot reach its buckets lets traffic through rather than refuse it.
 */
export function askPrimary(timeoutMs = 1000): (key: string, min: number, want: number, limit: RateLimit) => Promise<Grant> {
  let nextId = 0;
  const pending = new Map<number, (grant: Grant) => void>();
  process.on('message', (message: unknown) => {
    if (!isOurs(message)) return;
    const reply = message as Reply;
    pending.get(reply.id)?.({ granted: reply.granted, retryAfterSeconds: reply.retryAfterSeconds });
    pending.delete(reply.id);
  });
  return (key, min, want, limit) =>
    new Promise<Grant>((resolve) => {
      const id = nextId++;
      const timer = setTimeout(() => {
        pending.delete(id);
        resolve({ granted: min, retryAfterSeconds: 0 });
      }, timeoutMs);
      pending.set(id, (grant) => {
        clearTimeout(timer);
        resolve(grant);
      });
      const ask: Ask = { kind: KIND, id, key, min, want, limit };
      process.send!(ask);
    });
}
