import { createTokenBuckets, type Grant, type RateLimit } from '@sightline/rate-limit';

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
  const buckets = createTokenBuckets();
  setInterval(() => buckets.sweep(10 * 60_000), 60_000).unref();
  return (message, reply) => {
    if (!isOurs(message)) return;
    const ask = message as Ask;
    reply({ kind: KIND, id: ask.id, ...buckets.grant(ask.key, ask.min, ask.want, ask.limit) });
  };
}

/** node:cluster's channel from a worker to its primary (`process`), or a stand-in for tests. */
export interface PrimaryChannel {
  send(message: Ask): boolean;
  on(event: 'message', listener: (message: unknown) => void): unknown;
}

/**
 * Worker side. Without an answer within `timeoutMs` (the primary busy or gone) the ask is
 * refused with a retry in 1 s: granting would let every worker admit without limit exactly when
 * the primary is overloaded, which is when a flood is most likely.
 */
export function askPrimary(timeoutMs = 1000, channel: PrimaryChannel = process as unknown as PrimaryChannel): (key: string, min: number, want: number, limit: RateLimit) => Promise<Grant> {
  let nextId = 0;
  const pending = new Map<number, (grant: Grant) => void>();
  channel.on('message', (message: unknown) => {
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
        resolve({ granted: 0, retryAfterSeconds: 1 });
      }, timeoutMs);
      pending.set(id, (grant) => {
        clearTimeout(timer);
        resolve(grant);
      });
      const ask: Ask = { kind: KIND, id, key, min, want, limit };
      channel.send(ask);
    });
}
