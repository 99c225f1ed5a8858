import { startService, testInfra, testKafka, waitFor, type ServiceProcess } from '@sightline/testing';
import { createHarness, groupLag, project, roundsOfVisits } from '../test/harness';

const EVENTS = 30_000;
const VISITORS = 3_000;

interface Held {
  heldFrom: number;
  earlyTo: number;
}

/** The identity transactions a process logged (LOG_LEVEL=debug): when it held its visitors, up to its early writes. */
function heldIntervals(service: ServiceProcess): Held[] {
  return service
    .logs()
    .split('\n')
    .filter((line) => line.includes('"msg":"identity_batch"'))
    .map((line) => JSON.parse(line) as Held);
}

// Issue #17 item 1: batches of one project no longer take turns on a project-wide lock. Two
// instances, each consuming its share of one project's partitions one batch at a time, resolve
// and write their batches at the same time; the output is still one dense index per visitor.
describe('two instances on one project (real processes)', () => {
  it('resolve and write batches of the same project at the same time, with one dense index per visitor', async () => {
    const h = await createHarness('sfpar');
    const services: ServiceProcess[] = [];
    try {
      const env = { ...h.env, KAFKA_BROKERS: testInfra.kafkaBrokers.join(','), LOG_LEVEL: 'debug', PARTITIONS_CONSUMED_CONCURRENTLY: '1', MAX_BYTES_PER_PARTITION: '65536' };
      services.push(await startService('session-fingerprint', env), await startService('session-fingerprint', env));
      const groupId = `${h.env.TOPIC_NAMESPACE}session-fingerprint`;
      const admin = testKafka().admin();
      await admin.connect();
      try {
        // Both own partitions before any event arrives, so neither takes the whole backlog alone.
        await waitFor(
          async () => {
            const { groups } = await admin.describeGroups([groupId]);
            return groups[0]?.state === 'Stable' && groups[0].members.length === 2;
          },
          { timeoutMs: 60_000, description: 'both instances in the group' },
        );
      } finally {
        await admin.disconnect();
      }
      await h.publishProjects([project({ projectId: 'par' })]);
      // Anonymous visitors: each one's events share a key, so the two instances' batches hold different visitors.
      await h.send(roundsOfVisits('par', EVENTS, VISITORS));
      await waitFor(async () => (await groupLag(groupId, h.topics.eventsRaw)) === 0n, { timeoutMs: 300_000, description: 'caught up', intervalMs: 500 });

      const [a, b] = services.map(heldIntervals);
      expect(a!.length).toBeGreaterThan(0);
      expect(b!.length).toBeGreaterThan(0);
      const overlapping = a!.filter((x) => b!.some((y) => x.heldFrom < y.earlyTo && y.heldFrom < x.earlyTo));
      expect(overlapping.length).toBeGreaterThan(0);

      const enriched = await h.enriched();
      const byMessage = new Map(enriched.map((e) => [e.messageId, e]));
      expect(byMessage.size).toBe(EVENTS);
      const indexOf = new Map<string, number>();
      for (const e of byMessage.values()) {
        expect(indexOf.get(e.anonymousId!) ?? e.visitorIndex).toBe(e.visitorIndex);
        indexOf.set(e.anonymousId!, e.visitorIndex);
      }
      expect(indexOf.size).toBe(VISITORS);
      expect([...new Set(indexOf.values())].sort((x, y) => x - y)).toEqual(Array.from({ length: VISITORS }, (_, i) => i));
      expect([...byMessage.values()].filter((e) => e.isNewVisitor)).toHaveLength(VISITORS);
    } finally {
      for (const s of services) await s.kill9();
      await h.close();
    }
  }, 400_000);
});
