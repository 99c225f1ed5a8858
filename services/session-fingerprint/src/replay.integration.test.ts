import { Client } from 'pg';
import type { EnrichedEventParsed } from '@sightline/contracts';
import { createHarness, project, rawEvent, waitCaughtUp, waitEnriched, type Harness } from '../test/harness';

const MIN = 60_000;

/** A small mixed workload: anonymous browsing, logins that join or merge, aliases, gaps. */
function workload(projectId: string, visitors: number, start: number) {
  const events = [];
  for (let v = 0; v < visitors; v++) {
    let t = start + v * 1000;
    const anon = `anon-${v}`;
    const user = `user-${v % Math.ceil(visitors / 3)}`;
    for (let i = 0; i < 8; i++) {
      t += (i === 4 ? 40 : 2) * MIN;
      const kind = i === 5 && v % 2 === 0 ? 'identify' : i === 6 && v % 5 === 0 ? 'alias' : 'track';
      events.push(
        rawEvent({
          projectId,
          type: kind,
          event: kind === 'track' ? `step-${i % 3}` : null,
          anonymousId: kind === 'alias' ? null : anon,
          userId: kind === 'identify' || kind === 'alias' || (i > 5 && v % 2 === 0) ? user : null,
          previousId: kind === 'alias' ? anon : null,
          at: new Date(t).toISOString(),
          page: { url: `https://shop.example/p/${i}` },
          campaign: i === 7 && v % 4 === 0 ? { source: 'newsletter', name: 'nov' } : undefined,
        }),
      );
    }
  }
  return events;
}

const identityFields = (e: EnrichedEventParsed) => JSON.stringify([e.visitorIndex, e.sessionId, e.isNewVisitor, e.isNewSession, e.mergedVisitorIndexes, e.entryPage, e.previousExitPage, e.visitorId]);

describe('replay and sessions against real Kafka and Postgres', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness('sfreplay');
    await h.publishProjects([project({ projectId: 'shop' }), project({ projectId: 'sessions' }), project({ projectId: 'dups' })]);
  });
  afterAll(async () => h.close());

  it('a replay from offset 0 (after a restart mid-stream) yields identical visitor indexes and session ids', async () => {
    const events = workload('shop', 120, Date.now() - 6 * 3600_000);
    const first = await h.startInstance();
    await h.send(events.slice(0, 500));
    await waitEnriched(h, events.slice(0, 500).map((e) => e.messageId));
    await first.stop();
    const second = await h.startInstance();
    // Client duplicates among them: one resent after a restart, one twice in the same send.
    await h.send([...events.slice(500), events[3]!, events[600]!]);
    await waitEnriched(h, events.map((e) => e.messageId));
    await waitCaughtUp(h);
    await second.stop();
    const original = await h.enriched();
    expect(original).toHaveLength(events.length);
    expect(new Set(original.map((e) => e.messageId)).size).toBe(events.length);

    const replay = await h.startInstance({ CONSUMER_GROUP_ID: `${h.env.TOPIC_NAMESPACE}replay` });
    await waitCaughtUp(h, `${h.env.TOPIC_NAMESPACE}replay`);
    await replay.stop();
    const all = await h.enriched();
    expect(all).toHaveLength(events.length * 2);
    const firstCopy = new Map<string, string>();
    let compared = 0;
    for (const e of all) {
      const fields = identityFields(e);
      const seen = firstCopy.get(e.messageId);
      if (seen === undefined) firstCopy.set(e.messageId, fields);
      else {
        expect(fields).toBe(seen);
        compared++;
      }
    }
    expect(compared).toBe(events.length);
    // No visitor id with two indexes at the end: the last event of each id names one index.
    const merged = new Set(original.flatMap((e) => e.mergedVisitorIndexes));
    const live = new Set(original.map((e) => e.visitorIndex).filter((i) => !merged.has(i)));
    expect(Math.max(...original.map((e) => e.visitorIndex))).toBe(live.size + merged.size - 1);
  });

  it('enriches a messageId sent twice (two raw offsets) once, and a redelivery of its first offset again', async () => {
    const at = new Date(Date.now() - 60_000).toISOString();
    const once = rawEvent({ projectId: 'dups', anonymousId: 'retrying-client', at });
    const marker = rawEvent({ projectId: 'dups', anonymousId: 'retrying-client', at });
    const instance = await h.startInstance();
    await h.send([once]);
    await waitEnriched(h, [once.messageId]);
    await h.send([once, marker]);
    await waitEnriched(h, [marker.messageId]);
    await waitCaughtUp(h);
    await instance.stop();
    const copies = (await h.enriched()).filter((e) => e.messageId === once.messageId);
    expect(copies).toHaveLength(1);
    const db = new Client({ connectionString: h.db.url });
    await db.connect();
    const { rows } = await db.query('SELECT source_partition, source_offset::text AS source_offset FROM event_ledger WHERE project_id = $1 AND message_id = $2', ['dups', once.messageId]);
    await db.end();
    expect(rows).toEqual([{ source_partition: expect.any(Number), source_offset: expect.stringMatching(/^\d+$/) }]);
    // A new group reads both raw copies again: the first offset is a redelivery, re-produced as is.
    const replay = await h.startInstance({ CONSUMER_GROUP_ID: `${h.env.TOPIC_NAMESPACE}dups-replay` });
    await waitCaughtUp(h, `${h.env.TOPIC_NAMESPACE}dups-replay`);
    await replay.stop();
    const after = (await h.enriched()).filter((e) => e.messageId === once.messageId);
    expect(after).toHaveLength(2);
    expect(JSON.stringify(after[1])).toBe(JSON.stringify(after[0]));
  });

  it('splits sessions at 30 minutes, 24 hours and a campaign change', async () => {
    const t0 = Date.now() - 30 * 3600_000;
    const offsets = [0, 10, 41, 71, 72, 73];
    const campaign = [undefined, undefined, undefined, undefined, { source: 'ads', name: 'a' }, { source: 'ads', name: 'b' }];
    const basic = offsets.map((m, i) => rawEvent({ projectId: 'sessions', anonymousId: 's1', at: new Date(t0 + m * MIN).toISOString(), campaign: campaign[i] }));
    const long = Array.from({ length: 24 * 3 + 2 }, (_, i) => rawEvent({ projectId: 'sessions', anonymousId: 's2', at: new Date(t0 + i * 20 * MIN).toISOString() }));
    const instance = await h.startInstance();
    await h.send(basic);
    await h.send(long);
    const out = await waitEnriched(h, [...basic, ...long].map((e) => e.messageId));
    await instance.stop();
    const s1 = basic.map((e) => out.get(e.messageId)!);
    expect(s1.map((e) => e.isNewSession)).toEqual([true, false, true, false, true, true]);
    expect(new Set(s1.map((e) => e.sessionId)).size).toBe(4);
    const s2 = long.map((e) => out.get(e.messageId)!);
    expect(s2.findIndex((e, i) => i > 0 && e.isNewSession)).toBe(72);
    expect(new Set(s2.map((e) => e.sessionId)).size).toBe(2);
  });
});
