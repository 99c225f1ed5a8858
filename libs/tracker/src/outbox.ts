/**
 * The tracker's delivery queue: batches events (at most `maxBatch` or `maxWaitMs`), sends one
 * batch at a time, and keeps every event until the collector has answered for it. Failed
 * sends wait with exponential backoff and jitter; the same messageId is resent, so the server
 * dedupes a batch that did arrive before its answer was lost. Pure: no DOM, no network; the
 * transport and the storage are injected.
 */
export interface Message {
  messageId: string;
}

export type SendResult =
  /** Delivered (2xx), or refused for good (a 4xx that retrying cannot fix): forget the batch. */
  | { done: true }
  /** Network error, 408, 429 or 5xx: keep the batch and retry, not before `afterMs` if given. */
  | { done: false; afterMs?: number };

export interface OutboxOptions<M extends Message> {
  /** A rejected promise counts as a network failure. */
  send(batch: M[]): Promise<SendResult>;
  /** Called with the whole queue after every change, to keep it across page loads. */
  save?(queue: M[]): void;
}

export const MAX_BATCH = 20;
export const MAX_WAIT_MS = 1000;
/** Bound on the queue; the oldest events go first when it overflows. */
export const CAPACITY = 500;
/** Bound on one request body (fetch keepalive and sendBeacon allow 64 KB in flight). */
export const MAX_BYTES = 60_000;

/** Exponential backoff with half jitter, never sooner than the server's Retry-After. */
export function backoffMs(attempt: number, retryAfterMs = 0, random = Math.random): number {
  const ceiling = Math.min(30_000, 1000 * 2 ** Math.min(attempt - 1, 15));
  return Math.max(ceiling / 2 + (random() * ceiling) / 2, Math.min(retryAfterMs, 300_000));
}

/** Takes events from the head of the queue while the batch stays within both bounds. */
export function takeBatch<M>(queue: M[], maxBatch: number, maxBytes: number): M[] {
  const batch: M[] = [];
  let bytes = 0;
  for (const message of queue) {
    bytes += JSON.stringify(message).length + 1;
    if (batch.length === maxBatch || (batch.length > 0 && bytes > maxBytes)) break;
    batch.push(message);
  }
  return batch;
}

export interface Outbox<M extends Message> {
  add(message: M): void;
  /** Sends now unless a batch is in flight or a retry is pending. */
  flush(): void;
  /** Cancels a pending backoff and sends now (the browser came back online). */
  retryNow(): void;
  /**
   * Hands the queue to `beacon` in batches (the page is going away), except the batch whose
   * fetch is in flight (keepalive carries it past the unload). A beacon has no answer: with
   * `forget`, what the browser accepted leaves the queue; without, it stays (saved) and the
   * next page load sends it again, which the server dedupes by messageId.
   */
  drain(beacon: (batch: M[]) => boolean, forget: boolean): void;
}

export function createOutbox<M extends Message>({ send, save }: OutboxOptions<M>): Outbox<M> {
  let queue: M[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;
  let inFlight: M[] = [];
  let attempt = 0;

  const schedule = (ms: number) => {
    if (timer === undefined) timer = setTimeout(() => ((timer = undefined), flush()), ms);
  };
  const forget = (batch: M[]) => {
    const sent = new Set(batch.map((m) => m.messageId));
    queue = queue.filter((m) => !sent.has(m.messageId));
  };

  function flush(): void {
    // A pending batching timer is cut short; a pending backoff is not.
    if (inFlight.length || (attempt > 0 && timer !== undefined)) return;
    clearTimeout(timer);
    timer = undefined;
    const batch = takeBatch(queue, MAX_BATCH, MAX_BYTES);
    if (!batch.length) return;
    inFlight = batch;
    send(batch)
      .catch((): SendResult => ({ done: false }))
      .then((result) => {
        inFlight = [];
        if (result.done) {
          attempt = 0;
          forget(batch);
          save?.(queue);
          if (queue.length >= MAX_BATCH) flush();
          else if (queue.length) schedule(MAX_WAIT_MS);
        } else {
          clearTimeout(timer);
          timer = undefined;
          attempt++;
          schedule(backoffMs(attempt, result.afterMs));
        }
      });
  }

  return {
    add(message) {
      if (queue.some((m) => m.messageId === message.messageId)) return;
      queue.push(message);
      if (queue.length > CAPACITY) queue.splice(0, queue.length - CAPACITY);
      save?.(queue);
      if (attempt > 0) return;
      if (queue.length >= MAX_BATCH) flush();
      else schedule(MAX_WAIT_MS);
    },
    flush,
    retryNow() {
      if (attempt === 0 || inFlight.length) return;
      clearTimeout(timer);
      timer = undefined;
      flush();
    },
    drain(beacon, drop) {
      let rest = queue.filter((m) => inFlight.indexOf(m) < 0);
      let batch: M[];
      while ((batch = takeBatch(rest, MAX_BATCH, MAX_BYTES)).length && beacon(batch)) {
        rest = rest.slice(batch.length);
        if (drop) forget(batch);
      }
      save?.(queue);
    },
  };
}
