import { randomBytes } from 'node:crypto';
import { createLogger } from '@sightline/telemetry';
import { readAll, testInfra, testNamespace } from '@sightline/testing';
import { createKafka, ensureTopics } from './client';
import { createProducer } from './producer';

const logger = createLogger({ service: 'producer-test', level: 'silent' });
const kafka = createKafka({ brokers: testInfra.kafkaBrokers, clientId: 'producer-test', logger });

describe('createProducer against the real broker', () => {
  const topic = `${testNamespace('producer')}big`;
  const producer = createProducer(kafka);

  beforeAll(async () => {
    await ensureTopics(kafka, [{ topic, numPartitions: 1 }]);
    await producer.start();
  });
  afterAll(async () => {
    await producer.stop();
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  });

  it('sends one call of events at the 32 KB limit, far past the broker record-batch limit (1 MB) in all, in order', async () => {
    // Random base64 hardly compresses: 120 × 32 KB is ~3.9 MB on one partition even after gzip.
    const messages = Array.from({ length: 120 }, (_, i) => ({ key: 'same-key', value: { i, blob: randomBytes(24_000).toString('base64') } }));
    await producer.send(topic, messages);
    const stored = await readAll(topic);
    expect(stored.map((m) => (JSON.parse(m.value!.toString()) as { i: number }).i)).toEqual(messages.map((m) => m.value.i));
  });
});
