import { ConfigResourceTypes } from 'kafkajs';
import { topicNames } from '@sightline/contracts';
import { createLogger } from '@sightline/telemetry';
import { testInfra, testNamespace } from '@sightline/testing';
import { createKafka, ensureTopics, standardTopicSpecs, topicRetentionOf } from './client';

const logger = createLogger({ service: 'kafka-lib-test', level: 'silent' });
const kafka = createKafka({ brokers: testInfra.kafkaBrokers, clientId: 'kafka-lib-test', logger });
const DAY = 86_400_000;

async function configsOf(topics: string[]): Promise<Record<string, Record<string, string>>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const { resources } = await admin.describeConfigs({ includeSynonyms: false, resources: topics.map((name) => ({ type: ConfigResourceTypes.TOPIC, name, configNames: ['cleanup.policy', 'retention.ms', 'segment.ms'] })) });
    return Object.fromEntries(resources.map((r) => [r.resourceName, Object.fromEntries(r.configEntries.map((e) => [e.configName, e.configValue]))]));
  } finally {
    await admin.disconnect();
  }
}

describe('issue #16 finding 7d: every topic holding personal data has a retention', () => {
  it('creates raw, enriched, DLQ and erasures with their default retention (erasures outlive enriched), projects compacted', async () => {
    const topics = topicNames(testNamespace('retention'));
    await ensureTopics(kafka, standardTopicSpecs(topics));
    const configs = await configsOf(Object.values(topics));
    expect(configs[topics.eventsRaw]).toEqual({ 'cleanup.policy': 'delete', 'retention.ms': String(7 * DAY), 'segment.ms': String(DAY) });
    expect(configs[topics.eventsEnriched]).toEqual({ 'cleanup.policy': 'delete', 'retention.ms': String(30 * DAY), 'segment.ms': String(DAY) });
    expect(configs[topics.eventsDlq]).toEqual({ 'cleanup.policy': 'delete', 'retention.ms': String(7 * DAY), 'segment.ms': String(DAY) });
    expect(configs[topics.erasures]).toEqual({ 'cleanup.policy': 'delete', 'retention.ms': String(32 * DAY), 'segment.ms': String(DAY) });
    expect(configs[topics.projects]!['cleanup.policy']).toBe('compact');
  });

  it('brings topics created before (kept forever) to the configured retention, and follows a changed setting', async () => {
    const topics = topicNames(testNamespace('retention'));
    await ensureTopics(kafka, [{ topic: topics.eventsEnriched, configEntries: [{ name: 'retention.ms', value: '-1' }] }, { topic: topics.erasures, configEntries: [{ name: 'retention.ms', value: '-1' }] }]);
    expect((await configsOf([topics.eventsEnriched]))[topics.eventsEnriched]!['retention.ms']).toBe('-1');

    await ensureTopics(kafka, standardTopicSpecs(topics, { rawDays: 3, enrichedDays: 90, dlqDays: 14 }));
    const configs = await configsOf(Object.values(topics));
    expect(configs[topics.eventsEnriched]!['retention.ms']).toBe(String(90 * DAY));
    expect(configs[topics.erasures]!['retention.ms']).toBe(String(92 * DAY));
    expect(configs[topics.eventsRaw]!['retention.ms']).toBe(String(3 * DAY));
    expect(configs[topics.eventsDlq]!['retention.ms']).toBe(String(14 * DAY));
    expect(configs[topics.projects]!['cleanup.policy']).toBe('compact');
  });

  it('creates the event topics with TOPIC_PARTITIONS partitions, the others with one, and leaves an existing topic’s count alone', async () => {
    const topics = topicNames(testNamespace('partitions'));
    await ensureTopics(kafka, [{ topic: topics.eventsEnriched, numPartitions: 2 }]);
    await ensureTopics(kafka, standardTopicSpecs(topics, topicRetentionOf({ RAW_RETENTION_DAYS: 7, ENRICHED_RETENTION_DAYS: 30, DLQ_RETENTION_DAYS: 7, TOPIC_PARTITIONS: 6 })));
    const admin = kafka.admin();
    await admin.connect();
    try {
      const { topics: meta } = await admin.fetchTopicMetadata({ topics: Object.values(topics) });
      const counts = Object.fromEntries(meta.map((t) => [t.name, t.partitions.length]));
      expect(counts).toEqual({ [topics.eventsRaw]: 6, [topics.eventsEnriched]: 2, [topics.eventsDlq]: 1, [topics.erasures]: 1, [topics.projects]: 1 });
    } finally {
      await admin.disconnect();
    }
  });
});
