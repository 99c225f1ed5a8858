import type { EnrichedEventParsed } from '@sightline/contracts';
import { json, readAll, startService, testInfra, waitFor, type ServiceProcess } from '@sightline/testing';
import { groupLag, prefilledRaw, rawEvent, recordCount } from '../test/harness';

const EVENTS = 100_000;
const VISITORS = 10_000;

describe('two instances, one killed with SIGKILL mid-run (real processes)', () => {
  it('enriches every event exactly once after dedupe and never gives a visitor two indexes', async () => {
    // Each visitor browses anonymously, logs in once (the userId joins its index), browses on.
    const t0 = Date.now() - 3 * 3600_000;
    const events = Array.from({ length: EVENTS }, (_, i) => {
      const v = i % VISITORS;
      const step = Math.floor(i / VISITORS);
      const loggedIn = step >= 5;
      return rawEvent({
        projectId: 'crash',
        messageId: `m-${i}`,
        type: step === 5 ? 'identify' : 'track',
        event: step === 5 ? null : `e${step}`,
        anonymousId: `a-${v}`,
        userId: loggedIn ? `u-${v}` : null,
        at: new Date(t0 + step * 60_000 + v).toISOString(),
      });
    });
    const { namespace, topics, db } = await prefilledRaw('sfcrash', 'crash', events);

    const env = { DATABASE_URL: db.url, TOPIC_NAMESPACE: namespace, KAFKA_BROKERS: testInfra.kafkaBrokers.join(','), LOG_LEVEL: 'warn', PARTITIONS_CONSUMED_CONCURRENTLY: '2' };
    const services: ServiceProcess[] = [];
    try {
      services.push(await startService('session-fingerprint', env));
      services.push(await startService('session-fingerprint', env));
      await waitFor(async () => (await recordCount(topics.eventsEnriched)) >= EVENTS * 0.3, { timeoutMs: 240_000, description: '30% enriched', intervalMs: 50 });
      await services[0]!.kill9();
      const groupId = `${namespace}session-fingerprint`;
      await waitFor(async () => (await groupLag(groupId, topics.eventsRaw)) === 0n, { timeoutMs: 300_000, description: 'survivor caught up', intervalMs: 500 });
      expect(await services[1]!.stop()).toBe(0);

      const enriched = (await readAll(topics.eventsEnriched, 240_000)).map((m) => json<EnrichedEventParsed>(m));
      expect(enriched.length).toBeGreaterThanOrEqual(EVENTS);
      const byMessage = new Map<string, EnrichedEventParsed>();
      for (const e of enriched) {
        const first = byMessage.get(e.messageId);
        if (first) expect([e.visitorIndex, e.sessionId, e.isNewVisitor, e.isNewSession]).toEqual([first.visitorIndex, first.sessionId, first.isNewVisitor, first.isNewSession]);
        else byMessage.set(e.messageId, e);
      }
      expect(byMessage.size).toBe(EVENTS);
      const indexOf = new Map<string, Set<number>>();
      for (const e of byMessage.values()) {
        for (const id of [e.anonymousId, e.userId]) {
          if (!id) continue;
          if (!indexOf.has(id)) indexOf.set(id, new Set());
          indexOf.get(id)!.add(e.visitorIndex);
        }
        expect(e.mergedVisitorIndexes).toEqual([]);
      }
      expect(indexOf.size).toBe(2 * VISITORS);
      for (const indexes of indexOf.values()) expect(indexes.size).toBe(1);
      const used = new Set([...byMessage.values()].map((e) => e.visitorIndex));
      expect(used.size).toBe(VISITORS);
      expect(Math.max(...used)).toBe(VISITORS - 1);
      expect([...byMessage.values()].filter((e) => e.isNewVisitor)).toHaveLength(VISITORS);
    } finally {
      for (const s of services) await s.kill9();
      await db.drop();
    }
  }, 600_000);
});
