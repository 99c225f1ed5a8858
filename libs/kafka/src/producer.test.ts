import { currentTraceIds, initTelemetry, withSpan } from '@sightline/telemetry';
import { asDeliveryFailure, DeliveryFailedError, isLostSequence, splitBatchesBySize, toKafkaMessages, type OutgoingMessage } from './producer';

describe('toKafkaMessages', () => {
  beforeAll(() => initTelemetry({ serviceName: 'producer-test' }));

  it('JSON-encodes values, keeps tombstones, and stamps every message with the active trace', async () => {
    const { traceId, messages } = await withSpan('send', async () => ({
      traceId: currentTraceIds().trace_id!,
      messages: toKafkaMessages([
        { key: 'a', value: { n: 1 } },
        { key: 'b', value: null },
        { key: 'c', value: 'x', headers: { origin: 'test' } },
      ]),
    }));
    expect(messages.map((m) => m.value?.toString() ?? null)).toEqual(['{"n":1}', null, '"x"']);
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    for (const m of messages) expect(String((m.headers as Record<string, string>).traceparent)).toContain(traceId);
    expect(messages[2]!.headers).toMatchObject({ origin: 'test' });
    expect(messages[0]!.headers).not.toHaveProperty('origin');
  });

  it("keeps a message's own traceparent (a request's context passed explicitly) over the active one", async () => {
    const own = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const messages = await withSpan('send', async () => toKafkaMessages([{ key: 'a', value: 1, headers: { traceparent: own } }, { key: 'b', value: 2 }]));
    expect((messages[0]!.headers as Record<string, string>).traceparent).toBe(own);
    expect((messages[1]!.headers as Record<string, string>).traceparent).not.toBe(own);
    expect(toKafkaMessages([{ key: 'c', value: 3, headers: { traceparent: own } }])[0]!.headers).toEqual({ traceparent: own });
  });
});

describe('splitBatchesBySize', () => {
  /** One topic's messages, as send() splits them: the runs of messages, request by request. */
  const splitBySize = (messages: OutgoingMessage[], maxBytes: number) => splitBatchesBySize([{ topic: 't', messages }], maxBytes).map((request) => request[0]!.messages);
  const of = (n: number, bytes: number) => Array.from({ length: n }, (_, i) => ({ key: `k${i}`, value: 'x'.repeat(bytes) }));
  const values = (runs: Array<Array<{ value?: unknown }>>) => runs.map((run) => run.length);

  it('keeps a call below the limit in one request', () => {
    expect(values(splitBySize(of(10, 100), 10_000))).toEqual([10]);
  });

  it('cuts a large call into consecutive requests under the limit, in order, and sends an oversize message alone', () => {
    const messages = [...of(5, 3000), { key: 'big', value: 'y'.repeat(20_000) }, ...of(2, 3000)];
    const runs = splitBySize(messages, 10_000);
    expect(values(runs)).toEqual([3, 2, 1, 2]);
    expect(runs.flat()).toEqual(toKafkaMessages(messages));
  });

  it('splits several topics the same way, keeping each topic in order', () => {
    const requests = splitBatchesBySize([{ topic: 'a', messages: of(4, 3000) }, { topic: 'b', messages: of(3, 3000) }], 10_000);
    expect(requests.map((r) => r.map((t) => `${t.topic}:${t.messages.length}`))).toEqual([['a:3'], ['a:1', 'b:2'], ['b:1']]);
  });
});

describe('isLostSequence', () => {
  // kafkajs's own error classes and protocol error table, as a failed send throws them.
  const { KafkaJSProtocolError, KafkaJSNonRetriableError, KafkaJSNumberOfRetriesExceeded } = jest.requireActual('kafkajs/src/errors');
  const { createErrorFromCode } = jest.requireActual('kafkajs/src/protocol/error');

  it('names the broker errors after which only a new producer id can send: directly, or as the cause of a give-up', () => {
    const outOfOrder = createErrorFromCode(45);
    expect(outOfOrder).toBeInstanceOf(KafkaJSProtocolError);
    expect(outOfOrder.type).toBe('OUT_OF_ORDER_SEQUENCE_NUMBER');
    expect(isLostSequence(outOfOrder)).toBe(true);
    expect(isLostSequence(new KafkaJSNonRetriableError(outOfOrder, { cause: outOfOrder }))).toBe(true);
    expect(isLostSequence(new KafkaJSNumberOfRetriesExceeded(createErrorFromCode(59), { retryCount: 5, retryTime: 100 }))).toBe(true); // UNKNOWN_PRODUCER_ID
    expect(isLostSequence(createErrorFromCode(47))).toBe(true); // INVALID_PRODUCER_EPOCH
  });

  it('leaves every other failure to the caller’s ordinary retry', () => {
    expect(isLostSequence(createErrorFromCode(6))).toBe(false); // NOT_LEADER_FOR_PARTITION: kafkajs refreshes metadata itself
    expect(isLostSequence(createErrorFromCode(19))).toBe(false); // NOT_ENOUGH_REPLICAS_AFTER_APPEND
    expect(isLostSequence(new Error('connect ECONNREFUSED'))).toBe(false);
    expect(isLostSequence(undefined)).toBe(false);
  });
});

describe('asDeliveryFailure', () => {
  const { createErrorFromCode } = jest.requireActual('kafkajs/src/protocol/error');
  const { classifyError } = jest.requireActual('./errors');

  it('makes a failed send transient for every consumer, whatever kafkajs threw (a TypeError from its partitioner included)', () => {
    for (const thrown of [new TypeError("Cannot read properties of undefined (reading '0')"), createErrorFromCode(27), createErrorFromCode(6), new Error('x')]) {
      const failure = asDeliveryFailure(thrown);
      expect(failure).toBeInstanceOf(DeliveryFailedError);
      expect((failure as Error).cause).toBe(thrown);
      expect(classifyError(failure).transient).toBe(true);
    }
  });

  it('leaves the broker’s refusals of the record itself as they are, so that record goes to the DLQ', () => {
    const tooLarge = createErrorFromCode(10); // MESSAGE_TOO_LARGE
    expect(asDeliveryFailure(tooLarge)).toBe(tooLarge);
    expect(classifyError(tooLarge).transient).toBe(false);
  });
});
