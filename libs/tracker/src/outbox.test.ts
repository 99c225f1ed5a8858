import fc from 'fast-check';
import { backoffMs, CAPACITY, createOutbox, MAX_BATCH, MAX_WAIT_MS, takeBatch, type SendResult } from './outbox';

interface Msg {
  messageId: string;
  n: number;
}

const msg = (n: number): Msg => ({ messageId: `m${n}`, n });

/** A scripted collector: answers each send with the next scripted result (default: delivered). */
function collector(script: (SendResult | 'network')[] = []) {
  const batches: Msg[][] = [];
  const saved: Msg[][] = [];
  const outbox = createOutbox<Msg>({
    send: async (batch) => {
      batches.push(batch);
      const result = script.shift() ?? { done: true };
      if (result === 'network') throw new TypeError('Failed to fetch');
      return result;
    },
    save: (queue) => saved.push(queue.slice()),
  });
  return { outbox, batches, saved, ids: (i: number) => batches[i].map((m) => m.messageId) };
}

const settle = () => jest.advanceTimersByTimeAsync(0);

beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

describe('batching', () => {
  it('waits up to a second for a batch smaller than the maximum', async () => {
    const { outbox, batches } = collector();
    outbox.add(msg(1));
    outbox.add(msg(2));
    await jest.advanceTimersByTimeAsync(MAX_WAIT_MS - 1);
    expect(batches).toHaveLength(0);
    await jest.advanceTimersByTimeAsync(1);
    expect(batches).toEqual([[msg(1), msg(2)]]);
  });

  it('sends at once when a batch is full, one request at a time, in order', async () => {
    const { outbox, batches } = collector();
    for (let n = 0; n < 45; n++) outbox.add(msg(n));
    expect(batches).toHaveLength(1);
    await settle();
    expect(batches.map((b) => b.length)).toEqual([MAX_BATCH, MAX_BATCH]);
    await jest.advanceTimersByTimeAsync(MAX_WAIT_MS);
    expect(batches.map((b) => b.length)).toEqual([20, 20, 5]);
    expect(batches.flat().map((m) => m.n)).toEqual([...Array(45).keys()]);
  });

  it('ignores a message it already holds', async () => {
    const { outbox, batches } = collector();
    outbox.add(msg(1));
    outbox.add(msg(1));
    outbox.flush();
    await settle();
    expect(batches).toEqual([[msg(1)]]);
  });

  it('keeps a request body under the byte bound, but always sends at least one message', () => {
    const big = (n: number) => ({ messageId: `b${n}`, pad: 'x'.repeat(400) });
    expect(takeBatch([big(1), big(2), big(3)], 20, 900)).toHaveLength(2);
    expect(takeBatch([big(1)], 20, 10)).toHaveLength(1);
  });

  it('drops the oldest messages when the queue is full', async () => {
    const { outbox, batches, saved } = collector(['network']);
    outbox.add(msg(-1));
    outbox.flush();
    await settle();
    for (let n = 0; n < CAPACITY + 10; n++) outbox.add(msg(n));
    expect(saved.at(-1)).toHaveLength(CAPACITY);
    expect(saved.at(-1)![0]).toEqual(msg(10));
    expect(batches).toHaveLength(1);
  });
});

describe('retry', () => {
  it('resends the same messageIds after a failure, with backoff, and forgets them once delivered', async () => {
    const { outbox, batches, ids, saved } = collector([{ done: false }, 'network']);
    outbox.add(msg(1));
    outbox.flush();
    await settle();
    // More events and flushes during the backoff do not cut it short.
    outbox.add(msg(2));
    outbox.flush();
    await jest.advanceTimersByTimeAsync(499);
    expect(batches).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(501);
    expect(ids(1)).toEqual(['m1', 'm2']);
    await jest.advanceTimersByTimeAsync(2000);
    expect(ids(2)).toEqual(['m1', 'm2']);
    expect(saved.at(-1)).toEqual([]);
    await jest.advanceTimersByTimeAsync(60_000);
    expect(batches).toHaveLength(3);
  });

  it('waits at least as long as Retry-After', async () => {
    const { outbox, batches } = collector([{ done: false, afterMs: 20_000 }]);
    outbox.add(msg(1));
    outbox.flush();
    await jest.advanceTimersByTimeAsync(19_999);
    expect(batches).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(1);
    expect(batches).toHaveLength(2);
  });

  it('retries at once when told the browser is back online', async () => {
    const { outbox, batches } = collector(['network']);
    outbox.add(msg(1));
    outbox.flush();
    await settle();
    outbox.retryNow();
    await settle();
    expect(batches).toHaveLength(2);
    // Delivered: nothing left to retry.
    await jest.advanceTimersByTimeAsync(60_000);
    expect(batches).toHaveLength(2);
  });
});

describe('drain (page going away)', () => {
  it('beacons all but the batch in flight, and forgets what the browser accepted', () => {
    const { outbox, saved } = collector();
    for (let n = 0; n < 45; n++) outbox.add(msg(n));
    const beaconed: number[][] = [];
    let accept = 1;
    outbox.drain((batch) => (accept-- > 0 ? (beaconed.push(batch.map((m) => m.n)), true) : false), true);
    // m0..m19 went with the fetch that add() started; keepalive carries it past the unload.
    expect(beaconed).toEqual([[...Array(20).keys()].map((n) => n + 20)]);
    expect(saved.at(-1)!.map((m) => m.n)).toEqual([...Array(20).keys(), 40, 41, 42, 43, 44]);
  });

  it('keeps everything saved when told not to forget, for the next page load to resend', () => {
    const { outbox, saved } = collector();
    for (let n = 0; n < 5; n++) outbox.add(msg(n));
    const beaconed: Msg[][] = [];
    outbox.drain((batch) => (beaconed.push(batch), true), false);
    expect(beaconed.flat()).toHaveLength(5);
    expect(saved.at(-1)).toHaveLength(5);
  });
});

describe('backoffMs', () => {
  it('grows exponentially with half jitter up to 30 s, and never undercuts Retry-After', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 100 }), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), fc.option(fc.nat(1_000_000)), (attempt, r, after) => {
        const ceiling = Math.min(30_000, 1000 * 2 ** (attempt - 1));
        const delay = backoffMs(attempt, after ?? undefined, () => r);
        expect(delay).toBeGreaterThanOrEqual(Math.max(ceiling / 2, Math.min(after ?? 0, 300_000)));
        expect(delay).toBeLessThanOrEqual(Math.max(ceiling, Math.min(after ?? 0, 300_000)));
      }),
    );
  });
});

describe('delivery ledger', () => {
  it('delivers every message exactly once whatever the collector answers, as long as it recovers', async () => {
    const answer = fc.oneof(fc.constant<SendResult | 'network'>('network'), fc.constant<SendResult>({ done: false }), fc.constant<SendResult>({ done: false, afterMs: 3000 }), fc.constant<SendResult>({ done: true }));
    await fc.assert(
      fc.asyncProperty(fc.array(answer, { maxLength: 30 }), fc.array(fc.integer({ min: 1, max: 45 }), { minLength: 1, maxLength: 6 }), async (script, bursts) => {
        const { outbox, batches } = collector(script.slice());
        const delivered: string[] = [];
        const results = script.slice();
        let n = 0;
        for (const size of bursts) {
          for (let i = 0; i < size; i++) outbox.add(msg(n++));
          await jest.advanceTimersByTimeAsync(700);
        }
        await jest.advanceTimersByTimeAsync(30 * 300_000);
        // Replay the collector's view: a batch counts as stored when its answer was "done".
        for (const batch of batches) {
          const result = results.shift() ?? { done: true };
          if (result !== 'network' && result.done) delivered.push(...batch.map((m) => m.messageId));
          expect(batch.length).toBeLessThanOrEqual(MAX_BATCH);
        }
        expect(delivered.sort()).toEqual([...Array(n).keys()].map((i) => `m${i}`).sort());
      }),
      { numRuns: 60 },
    );
  });
});
