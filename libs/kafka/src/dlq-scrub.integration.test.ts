import { createLogger } from '@sightline/telemetry';
import { readAll, json, testInfra, testNamespace, uniqueId, waitFor } from '@sightline/testing';
import { createBatchConsumer, type BatchConsumer, type DecodeResult } from './batch-consumer';
import { createKafka, ensureTopics } from './client';
import { createProducer } from './producer';
import { dlq } from './results';

const logger = createLogger({ service: 'kafka-lib-test', level: 'silent' });
const kafka = createKafka({ brokers: testInfra.kafkaBrokers, clientId: 'kafka-lib-test', logger });

/** Every byte of a record as text: key, value (and its base64 payload decoded), headers. */
function recordText(m: { key: Buffer | null; value: Buffer | null; headers?: Record<string, unknown> }): string {
  const value = m.value?.toString('utf8') ?? '';
  const payload = (JSON.parse(value) as { payloadBase64?: string | null }).payloadBase64;
  const headers = Object.entries(m.headers ?? {}).map(([k, v]) => `${k}=${String(v)}`);
  return [m.key?.toString('utf8') ?? '', value, payload ? Buffer.from(payload, 'base64').toString('utf8') : '', ...headers].join('\n');
}

describe('issue #16 finding 7a: DLQ records keep no request facts', () => {
  const ns = testNamespace('dlqscrub');
  const [topic, dlqTopic] = [`${ns}input`, `${ns}dlq`];
  const producer = createProducer(kafka);
  let consumer: BatchConsumer | undefined;

  beforeAll(async () => {
    await ensureTopics(kafka, [{ topic, numPartitions: 1 }, { topic: dlqTopic, numPartitions: 1 }]);
    await producer.start();
  });
  afterAll(async () => {
    await consumer?.stop();
    await producer.stop();
  });

  it('clears request.ip, acceptLanguage and userAgent and the legacy plain key, keeps everything else of the record', async () => {
    const ip = '203.0.113.77';
    const ua = 'Mozilla/5.0 (FindingSeven) Gecko/20100101';
    const raw = { messageId: 'm1', projectId: 'p1', event: 'Signed Up', context: { page: { path: '/x' } }, request: { ip, userAgent: ua, acceptLanguage: 'de-CH,de;q=0.9', dnt: false, gpc: false, clientKind: 'browser' } };
    await producer.send(topic, [
      { key: `p1:fp:${ip}|${ua}`, value: raw },
      { key: 'p1:anon-1', value: 'not an object' },
    ]);
    consumer = createBatchConsumer<unknown>({
      kafka,
      groupId: uniqueId('group'),
      topics: [topic],
      dlqTopic,
      producer,
      logger,
      decode: (message): DecodeResult<unknown> => ({ ok: true, value: JSON.parse(message.value!.toString('utf8')) }),
      handleBatch: async (items) => items.map(() => dlq('handler refused it')),
    });
    void consumer.start();

    const records = await waitFor(async () => {
      const all = await readAll(dlqTopic);
      return all.length >= 2 ? all : null;
    }, { timeoutMs: 60_000, description: 'two DLQ records' });
    for (const record of records) {
      const text = recordText(record);
      expect(text).not.toContain(ip);
      expect(text).not.toContain('FindingSeven');
      expect(text).not.toContain('de-CH');
    }
    const [scrubbed, kept] = records.map((m) => json<{ payloadBase64: string; scrubbed?: string[]; offset: string }>(m));
    expect(records[0]!.key!.toString()).toBe('p1:fp:redacted');
    expect(scrubbed!.scrubbed).toEqual(['request.ip', 'request.acceptLanguage', 'request.userAgent']);
    expect(JSON.parse(Buffer.from(scrubbed!.payloadBase64, 'base64').toString())).toEqual({ ...raw, request: { ...raw.request, ip: null, userAgent: null, acceptLanguage: null } });
    // Not a JSON object: kept byte for byte (no producer of ours puts request facts there).
    expect(records[1]!.key!.toString()).toBe('p1:anon-1');
    expect(kept!.scrubbed).toBeUndefined();
    expect(Buffer.from(kept!.payloadBase64, 'base64').toString()).toBe('"not an object"');
  });
});
