import { topicNames, type ProjectConfig, type RawEvent, type TopicNames } from '@sightline/contracts';
import { createKafka, createProducer, ensureTopics, standardTopicSpecs } from '@sightline/kafka';
import { createLogger } from '@sightline/telemetry';
import { json, testInfra, testKafka, uniqueId } from '@sightline/testing';

/** For tests of the real process: the namespace's topics, a way to publish projects, and a raw-topic reader. */
export async function namespaceTopics(namespace: string) {
  const topics: TopicNames = topicNames(namespace);
  const logger = createLogger({ service: 'ingest-e2e', level: 'error' });
  const kafka = createKafka({ brokers: testInfra.kafkaBrokers, clientId: 'ingest-e2e', logger });
  await ensureTopics(kafka, standardTopicSpecs(topics));
  const producer = createProducer(kafka);
  await producer.start();
  const records: RawEvent[] = [];
  const reader = testKafka().consumer({ groupId: uniqueId('ingest-e2e-reader'), maxWaitTimeInMs: 50 });
  await reader.connect();
  await reader.subscribe({ topic: topics.eventsRaw, fromBeginning: true });
  await reader.run({
    eachMessage: async ({ message }) => {
      records.push(json<RawEvent>(message));
    },
  });
  return {
    topics,
    records,
    putProject: (project: ProjectConfig) => producer.send(topics.projects, [{ key: project.projectId, value: project }]),
    async close() {
      await reader.disconnect();
      await producer.stop();
    },
  };
}
