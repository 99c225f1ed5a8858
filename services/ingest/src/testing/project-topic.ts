import { topicNames, type ProjectConfig, type RawEvent, type TopicNames } from '@sightline/contracts';
import { createKafka, createProducer, ensureTopics, standardTopicSpecs } from '@sightline/kafka';
import { createLogger } from '@sightline/telemetry';
import { json, testInfra, testKafka, uniqueId } from '@sightline/testing';

/** Removes a test namespace's topics, so test runs do not pile topics up on the shared broker. */
export async function deleteNamespaceTopics(topics: TopicNames): Promise<void> {
  const admin = testKafka().admin();
  await admin.connect();
  try {
    await admin.deleteTopics({ topics: Object.values(topics), timeout: 10_000 });
  } catch {
    // best effort: a topic that is already gone or a slow broker must not fail the test
  } finally {
    await admin.disconnect();
  }
}

/** Reads events.raw from the start for as long as the test runs; call `disconnect` at the end. */
export async function readRawTopic(topic: string, onRecord: (key: string, value: RawEvent, headers: Record<string, string>) => void) {
  const reader = testKafka().consumer({ groupId: uniqueId('ingest-reader'), maxWaitTimeInMs: 50 });
  await reader.connect();
  await reader.subscribe({ topic, fromBeginning: true });
  await reader.run({
    eachMessage: async ({ message }) => {
      const headers = Object.fromEntries(Object.entries(message.headers ?? {}).map(([name, value]) => [name, String(value)]));
      onRecord(message.key!.toString('utf8'), json<RawEvent>(message), headers);
    },
  });
  return reader;
}

/** For tests of the real process: the namespace's topics, a way to publish projects, and a raw-topic reader. */
export async function namespaceTopics(namespace: string, options: { read?: boolean } = {}) {
  const topics: TopicNames = topicNames(namespace);
  const logger = createLogger({ service: 'ingest-e2e', level: 'error' });
  const kafka = createKafka({ brokers: testInfra.kafkaBrokers, clientId: 'ingest-e2e', logger });
  await ensureTopics(kafka, standardTopicSpecs(topics));
  const producer = createProducer(kafka);
  await producer.start();
  const records: RawEvent[] = [];
  /** The traceparent each record carried, by messageId. */
  const traceparents = new Map<string, string | undefined>();
  const reader =
    options.read === false
      ? null
      : await readRawTopic(topics.eventsRaw, (_key, value, headers) => {
          records.push(value);
          traceparents.set(value.messageId, headers.traceparent);
        });
  return {
    topics,
    records,
    traceparents,
    putProject: (project: ProjectConfig) => producer.send(topics.projects, [{ key: project.projectId, value: project }]),
    async close() {
      await reader?.disconnect();
      await producer.stop();
    },
    /** After the service under test stopped. */
    deleteTopics: () => deleteNamespaceTopics(topics),
  };
}
