import type { DurableProducer, OutgoingMessage } from '@sightline/kafka';
import { createLogger } from '@sightline/telemetry';
import { createRawEventPublisher, PublishUnavailableError } from './raw-event.publisher';

/** A producer whose acknowledgements the test releases by hand (the coalescing logic is the subject here). */
function manualProducer() {
  const calls: Array<{ messages: OutgoingMessage[]; ack(): void; fail(err: Error): void }> = [];
  const producer: DurableProducer = {
    raw: undefined as never,
    onConnection: () => undefined,
    start: async () => undefined,
    stop: async () => undefined,
    sendBatch: async () => undefined,
    send: (_topic, messages) =>
      new Promise<void>((resolve, reject) => {
        calls.push({ messages, ack: resolve, fail: reject });
      }),
  };
  return { producer, calls };
}

const logger = createLogger({ service: 'test', level: 'silent' });
const msg = (id: string): OutgoingMessage => ({ key: id, value: { id } });
const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('raw event publisher', () => {
  it('coalesces concurrent requests into one producer call, and the next call takes what queued meanwhile', async () => {
    const { producer, calls } = manualProducer();
    const publisher = createRawEventPublisher({ createProducer: () => producer, topic: 't', logger, ackTimeoutMs: 1000, maxDelayMs: 1, maxMessages: 100, maxPending: 1000 });
    const first = [publisher.publish([msg('a')]), publisher.publish([msg('b'), msg('c')])];
    await tick(5);
    expect(calls.map((c) => c.messages.length)).toEqual([3]);
    const second = [publisher.publish([msg('d')]), publisher.publish([msg('e')])];
    await tick(5);
    expect(calls).toHaveLength(1);
    calls[0]!.ack();
    await Promise.all(first);
    await tick(5);
    expect(calls.map((c) => c.messages.length)).toEqual([3, 2]);
    calls[1]!.ack();
    await Promise.all(second);
  });

  it('answers unavailable past the deadline and never sends a request that already gave up', async () => {
    const { producer, calls } = manualProducer();
    const publisher = createRawEventPublisher({ createProducer: () => producer, topic: 't', logger, ackTimeoutMs: 30, maxDelayMs: 1, maxMessages: 100, maxPending: 1000 });
    const stuck = publisher.publish([msg('a')]);
    await tick(5);
    const waiting = publisher.publish([msg('b')]);
    await expect(stuck).rejects.toBeInstanceOf(PublishUnavailableError);
    await expect(waiting).rejects.toBeInstanceOf(PublishUnavailableError);
    calls[0]!.fail(new Error('broker gone'));
    await tick(5);
    expect(calls).toHaveLength(1);
    expect(publisher.isHealthy()).toBe(false);
  });

  it('refuses at once when too many events wait, and fails every waiter of a failed call', async () => {
    const { producer, calls } = manualProducer();
    const publisher = createRawEventPublisher({ createProducer: () => producer, topic: 't', logger, ackTimeoutMs: 1000, maxDelayMs: 1, maxMessages: 100, maxPending: 2 });
    const a = publisher.publish([msg('a'), msg('b')]);
    await expect(publisher.publish([msg('c')])).rejects.toThrow(/waiting/);
    await tick(5);
    calls[0]!.fail(new Error('NOT_ENOUGH_REPLICAS'));
    await expect(a).rejects.toBeInstanceOf(PublishUnavailableError);
  });

  it('makes a new producer after an error that fences the idempotent one', async () => {
    const made: Array<ReturnType<typeof manualProducer>> = [];
    const publisher = createRawEventPublisher({
      createProducer: () => {
        made.push(manualProducer());
        return made[made.length - 1]!.producer;
      },
      topic: 't',
      logger,
      ackTimeoutMs: 1000,
      maxDelayMs: 1,
      maxMessages: 100,
      maxPending: 100,
    });
    const a = publisher.publish([msg('a')]);
    await tick(5);
    made[0]!.calls[0]!.fail(Object.assign(new Error('The broker received an out of order sequence number'), { type: 'OUT_OF_ORDER_SEQUENCE_NUMBER' }));
    await expect(a).rejects.toBeInstanceOf(PublishUnavailableError);
    const b = publisher.publish([msg('b')]);
    await tick(5);
    expect(made).toHaveLength(2);
    made[1]!.calls[0]!.ack();
    await b;
    expect(publisher.isHealthy()).toBe(true);
  });
});
