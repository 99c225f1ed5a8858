import type { EnrichedEventParsed } from '@sightline/contracts';
import { json, readCommitted, startService, testInfra, waitFor, workerPids } from '@sightline/testing';
import { groupLag, prefilledRaw, recordCount, roundsOfVisits } from '../test/harness';

const EVENTS = 20_000;
const VISITORS = 2_000;

// WORKERS=2, as production runs it on two cores: both workers join the group and take turns
// on the project lock; one killed with SIGKILL mid-run is replaced by the primary, and every
// event is enriched exactly once (read committed, EXACTLY_ONCE_OUTPUT) with one index per visitor.
describe('session-fingerprint in two cluster workers (WORKERS=2)', () => {
  it('a worker killed mid-run is replaced; one committed enriched record per event, one index per visitor', async () => {
    const events = roundsOfVisits('wk', EVENTS, VISITORS);
    const { namespace, topics, db } = await prefilledRaw('sfwk', 'wk', events);
    const groupId = `${namespace}session-fingerprint`;
    const service = await startService('session-fingerprint', {
      DATABASE_URL: db.url,
      TOPIC_NAMESPACE: namespace,
      KAFKA_BROKERS: testInfra.kafkaBrokers.join(','),
      LOG_LEVEL: 'info',
      WORKERS: '2',
      MAX_BYTES_PER_PARTITION: '131072',
      EXACTLY_ONCE_OUTPUT: 'true',
      TRANSACTION_TIMEOUT_MS: '10000',
    });
    try {
      const started = () => new Set([...service.logs().matchAll(/"pid":(\d+)[^\n]*"msg":"session_fingerprint_listening"/g)].map((m) => Number(m[1])));
      await waitFor(() => started().size === 2, { timeoutMs: 60_000, description: 'two workers started' });
      const workers = workerPids(service.pid);
      expect([...started()].sort()).toEqual(workers.sort());

      await waitFor(async () => (await recordCount(topics.eventsEnriched)) >= EVENTS * 0.3, { timeoutMs: 120_000, description: '30% enriched', intervalMs: 50 });
      process.kill(workers[0]!, 'SIGKILL');
      await waitFor(() => workerPids(service.pid).length === 2 && !workerPids(service.pid).includes(workers[0]!), { timeoutMs: 30_000, description: 'the killed worker replaced' });
      await waitFor(async () => (await groupLag(groupId, topics.eventsRaw)) === 0n, { timeoutMs: 180_000, description: 'caught up', intervalMs: 500 });
      expect(await service.stop()).toBe(0);

      const enriched = (await readCommitted(topics.eventsEnriched, 60_000)).map((m) => json<EnrichedEventParsed>(m));
      const ids = enriched.map((e) => e.messageId);
      expect(new Set(ids).size).toBe(EVENTS);
      expect(ids).toHaveLength(EVENTS);
      const indexOf = new Map<string, number>();
      for (const e of enriched) {
        expect(indexOf.get(e.visitorId) ?? e.visitorIndex).toBe(e.visitorIndex);
        indexOf.set(e.visitorId, e.visitorIndex);
      }
      expect(new Set(indexOf.values()).size).toBe(VISITORS);
      expect(enriched.filter((e) => e.isNewVisitor)).toHaveLength(VISITORS);
    } finally {
      await service.kill9();
      await db.drop();
    }
  }, 400_000);
});
