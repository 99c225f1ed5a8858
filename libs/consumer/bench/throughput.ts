// What the kit's discipline costs: records per second through createEventConsumer (decode,
// validate, merges, one awaited handler call per record, a commit per batch) against a bare
// kafkajs eachBatch that only JSON-parses and commits per batch, over the same pre-filled
// topic, in one run (compare the ratio: this machine is shared).
//   node scripts/run-ts.mjs libs/consumer/bench/throughput.ts [--events N] [--quick]
import { randomUUID } from 'node:crypto';
import { enrichedEventKeyOf, topicNames, type EnrichedEventParsed } from '@sightline/contracts';
import { createProducer, ensureTopics, standardTopicSpecs } from '@sightline/kafka';
import { benchArgs, prefill, testKafka, testNamespace, uniqueId } from '@sightline/testing';
import { createEventConsumer } from '../src';

const args = benchArgs();
const total = args.number('events', args.quick ? 20_000 : 100_000);

function* events(projectId: string): Generator<{ key: string; value: EnrichedEventParsed }> {
  const now = new Date().toISOString();
  for (let i = 0; i < total; i++) {
    const visitorIndex = i % 5000;
    const value: EnrichedEventParsed = {
      messageId: randomUUID(), projectId, type: 'page', name: '$pageview', category: null, properties: { path: `/p/${i % 50}` }, traits: {},
      anonymousId: `a-${visitorIndex}`, userId: null, visitorId: `a-${visitorIndex}`, visitorIndex, mergedVisitorIndexes: [], sessionId: `s-${visitorIndex}`,
      isNewVisitor: false, isNewSession: false, timestamp: now, receivedAt: now,
      context: { userAgent: 'Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0', page: { path: `/p/${i % 50}`, url: `https://shop.test/p/${i % 50}` } },
      device: { browser: 'Firefox', browserVersion: '140', os: 'Linux', deviceType: 'desktop' }, country: null, referrerDomain: null,
      source: null, medium: null, campaign: null, entryPage: '/', previousExitPage: null, isBot: false,
    };
    yield { key: enrichedEventKeyOf(value), value };
  }
}

/** Seconds until `count` records were seen, from the consumer's start (group join included). */
async function timed(run: (onRecord: () => void) => Promise<() => Promise<void>>): Promise<number> {
  let seen = 0;
  let done!: () => void;
  const finished = new Promise<void>((resolve) => (done = resolve));
  const started = process.hrtime.bigint();
  const stop = await run(() => {
    if (++seen === total) done();
  });
  await finished;
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await stop();
  return seconds;
}

async function main(): Promise<void> {
  const namespace = testNamespace('kitbench');
  const topics = topicNames(namespace);
  await ensureTopics(testKafka(), standardTopicSpecs(topics));
  const producer = createProducer(testKafka());
  await producer.start();
  await prefill(producer, topics.eventsEnriched, events(uniqueId('kitbench')));
  await producer.stop();

  const bare = await timed(async (onRecord) => {
    const consumer = testKafka().consumer({ groupId: uniqueId('bare'), maxWaitTimeInMs: 250 });
    await consumer.connect();
    await consumer.subscribe({ topic: topics.eventsEnriched, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      partitionsConsumedConcurrently: 4,
      eachBatch: async ({ batch }) => {
        for (const m of batch.messages) {
          JSON.parse(m.value!.toString('utf8'));
          onRecord();
        }
        await consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: (BigInt(batch.lastOffset()) + 1n).toString() }]);
      },
    });
    return () => consumer.disconnect();
  });
  const kit = async (partitionsConsumedConcurrently: number) =>
    timed(async (onRecord) => {
      const consumer = createEventConsumer({
        kafka: testKafka(), groupId: uniqueId('kit'), namespace, partitionsConsumedConcurrently,
        handleEvent: async () => onRecord(), handleErasure: async () => {}, onInvalid: () => { throw new Error('no invalid records here'); },
      });
      void consumer.start();
      return () => consumer.stop();
    });
  const kit1 = await kit(1);
  const kit4 = await kit(4);
  const rate = (s: number) => `${Math.round(total / s).toLocaleString('en')} records/s`;
  console.log(`${total.toLocaleString('en')} events.enriched records (4 partitions), one run each, group join included:`);
  console.log(`  bare kafkajs eachBatch (JSON.parse, commit per batch, 4 partitions at once): ${rate(bare)}`);
  console.log(`  @sightline/consumer, 1 partition at a time (default):                          ${rate(kit1)}  (${Math.round((bare / kit1) * 100)} % of bare)`);
  console.log(`  @sightline/consumer, partitionsConsumedConcurrently 4:                          ${rate(kit4)}  (${Math.round((bare / kit4) * 100)} % of bare)`);
}

main().then(() => process.exit(0), (err) => {
  console.error(err);
  process.exit(1);
});
