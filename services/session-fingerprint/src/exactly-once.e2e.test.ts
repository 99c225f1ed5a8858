import type { EnrichedEventParsed } from '@sightline/contracts';
import { json, readCommitted, startService, testInfra, waitFor, type ServiceProcess } from '@sightline/testing';
import { groupLag, prefilledRaw, recordCount, roundsOfVisits } from '../test/harness';

const EVENTS = 30_000;
const VISITORS = 3_000;
const RESENT = 300;

// With EXACTLY_ONCE_OUTPUT the enriched records of a batch and its raw offsets are one Kafka
// transaction: a process killed between produce and commit leaves nothing a read-committed
// reader (the aggregator, the query store) can see, so downstream gets each event exactly once
// with no dedupe at all — also for client duplicates (same messageId resent at new offsets).
describe('exactly-once output: two instances, one killed with SIGKILL mid-run (real processes)', () => {
  it('leaves exactly one committed enriched record per event', async () => {
    const events = roundsOfVisits('eo', EVENTS, VISITORS);
    // Client retries: the last events sent again after the originals, at new raw offsets.
    const { namespace, topics, db } = await prefilledRaw('sfeo', 'eo', [...events, ...events.slice(-RESENT)]);

    const env = {
      DATABASE_URL: db.url,
      TOPIC_NAMESPACE: namespace,
      KAFKA_BROKERS: testInfra.kafkaBrokers.join(','),
      LOG_LEVEL: 'warn',
      PARTITIONS_CONSUMED_CONCURRENTLY: '2',
      MAX_BYTES_PER_PARTITION: '262144',
      EXACTLY_ONCE_OUTPUT: 'true',
      // The killed process's open transaction holds its partitions back from readers this long.
      TRANSACTION_TIMEOUT_MS: '10000',
    };
    const services: ServiceProcess[] = [];
    try {
      services.push(await startService('session-fingerprint', env));
      services.push(await startService('session-fingerprint', env));
      await waitFor(async () => (await recordCount(topics.eventsEnriched)) >= EVENTS * 0.3, { timeoutMs: 120_000, description: '30% enriched', intervalMs: 50 });
      await services[0]!.kill9();
      const groupId = `${namespace}session-fingerprint`;
      await waitFor(async () => (await groupLag(groupId, topics.eventsRaw)) === 0n, { timeoutMs: 180_000, description: 'survivor caught up', intervalMs: 500 });
      expect(await services[1]!.stop()).toBe(0);

      const enriched = (await readCommitted(topics.eventsEnriched, 60_000)).map((m) => json<EnrichedEventParsed>(m));
      const ids = enriched.map((e) => e.messageId);
      expect(new Set(ids).size).toBe(EVENTS);
      expect(ids).toHaveLength(EVENTS);
      expect(new Set(enriched.map((e) => e.visitorIndex)).size).toBe(VISITORS);
      expect(enriched.filter((e) => e.isNewVisitor)).toHaveLength(VISITORS);
    } finally {
      for (const s of services) await s.kill9();
      await db.drop();
    }
  }, 400_000);
});
