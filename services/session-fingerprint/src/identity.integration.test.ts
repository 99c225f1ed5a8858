import { createHash } from 'node:crypto';
import { Client } from 'pg';
import { DEVELOPMENT_ERASURE_ID_SECRET } from '@sightline/config';
import { erasureIdHash } from '@sightline/contracts';
import { readAll, json } from '@sightline/testing';
import type { DlqRecord } from '@sightline/contracts';
import { createHarness, project, rawEvent, waitCaughtUp, waitEnriched, type Harness } from '../test/harness';

const DAY = 86400_000;

describe('identity resolution against real Kafka and Postgres', () => {
  let h: Harness;
  let instance: { stop(): Promise<void> };
  beforeAll(async () => {
    h = await createHarness('sfid');
    await h.publishProjects([
      project({ projectId: 'cookieless' }),
      project({ projectId: 'merges' }),
      project({ projectId: 'dnt-drop', privacySignals: 'drop' }),
      project({ projectId: 'dnt-anon', privacySignals: 'anonymous' }),
      project({ projectId: 'erase-strict' }),
      project({ projectId: 'erase-lenient', allowReidentifyAfterErasure: true }),
      project({ projectId: 'erase-keyed' }),
    ]);
    instance = await h.startInstance();
  });
  afterAll(async () => {
    await instance.stop();
    await h.close();
  });

  it('gives one person two fingerprints on two days, and one visitor once they identify', async () => {
    const today = new Date();
    const yesterday = new Date(today.getTime() - DAY);
    const at = (d: Date, minutes: number) => new Date(d.getTime() - 60 * 60_000 + minutes * 60_000).toISOString();
    const same = { projectId: 'cookieless', ip: '198.51.100.4', userAgent: 'Mozilla/5.0 (X11; Linux x86_64) Firefox/125.0' };
    const day1 = [rawEvent({ ...same, at: at(yesterday, 0) }), rawEvent({ ...same, at: at(yesterday, 1) }), rawEvent({ ...same, type: 'identify', event: null, userId: 'carol', at: at(yesterday, 2) })];
    await h.send(day1);
    const first = await waitEnriched(h, day1.map((e) => e.messageId));
    const day2Anon = [rawEvent({ ...same, at: at(today, 0) })];
    await h.send(day2Anon);
    const second = await waitEnriched(h, day2Anon.map((e) => e.messageId));
    const day2Identify = [rawEvent({ ...same, type: 'identify', event: null, userId: 'carol', traits: { plan: 'pro' }, at: at(today, 1) }), rawEvent({ ...same, at: at(today, 2) })];
    await h.send([day2Identify[0]!]);
    await waitEnriched(h, [day2Identify[0]!.messageId]);
    await h.send([day2Identify[1]!]);
    const third = await waitEnriched(h, day2Identify.map((e) => e.messageId));

    const d1 = day1.map((e) => first.get(e.messageId)!);
    expect(new Set(d1.map((e) => e.visitorIndex))).toEqual(new Set([0]));
    expect(d1[0]!.visitorId).toMatch(/^fp_[0-9a-f]{32}$/);
    const anon2 = second.get(day2Anon[0]!.messageId)!;
    expect(anon2.visitorIndex).toBe(1);
    expect(anon2.visitorId).toMatch(/^fp_/);
    expect(anon2.visitorId).not.toBe(d1[0]!.visitorId);
    const identify2 = third.get(day2Identify[0]!.messageId)!;
    expect(identify2).toMatchObject({ visitorIndex: 0, mergedVisitorIndexes: [1], visitorId: 'carol', traits: { plan: 'pro' } });
    expect(third.get(day2Identify[1]!.messageId)).toMatchObject({ visitorIndex: 0, mergedVisitorIndexes: [], visitorId: 'carol' });
    for (const e of [...d1, anon2, identify2]) {
      expect(JSON.stringify(e)).not.toContain('198.51.100.4');
      expect(e).not.toHaveProperty('request');
    }
  });

  it('alias merges the anonymous visitor into the known user, once', async () => {
    const t = Date.now() - 10 * 60_000;
    const at = (s: number) => new Date(t + s * 1000).toISOString();
    const events = [
      rawEvent({ projectId: 'merges', userId: 'dave', anonymousId: 'laptop', at: at(0) }),
      rawEvent({ projectId: 'merges', anonymousId: 'phone', at: at(1) }),
    ];
    // One at a time: the two ids are different raw keys, so they may sit in different partitions.
    for (const e of events) {
      await h.send([e]);
      await waitEnriched(h, [e.messageId]);
    }
    const alias = rawEvent({ projectId: 'merges', type: 'alias', event: null, userId: 'dave', previousId: 'phone', at: at(2) });
    await h.send([alias]);
    await waitEnriched(h, [alias.messageId]);
    const after = rawEvent({ projectId: 'merges', anonymousId: 'phone', at: at(3) });
    await h.send([after]);
    const all = await waitEnriched(h, [after.messageId]);
    expect(all.get(alias.messageId)).toMatchObject({ name: '$alias', visitorIndex: 0, mergedVisitorIndexes: [1], isNewSession: false });
    expect(all.get(after.messageId)).toMatchObject({ visitorIndex: 0, mergedVisitorIndexes: [], visitorId: 'dave' });
    // The phone's session went on through the merge: same session id before and after.
    expect(all.get(after.messageId)!.sessionId).toBe(all.get(events[1]!.messageId)!.sessionId);
  });

  it('drops or anonymises DNT/GPC traffic by project setting', async () => {
    const at = new Date(Date.now() - 60_000).toISOString();
    const dropped = rawEvent({ projectId: 'dnt-drop', anonymousId: 'x', dnt: true, at });
    const anonA = rawEvent({ projectId: 'dnt-anon', userId: 'erin', anonymousId: 'x', traits: { email: 'erin@example.com' }, dnt: true, at });
    const anonB = rawEvent({ projectId: 'dnt-anon', anonymousId: 'y', dnt: true, at });
    await h.send([dropped, anonA, anonB]);
    const all = await waitEnriched(h, [anonA.messageId, anonB.messageId]);
    await waitCaughtUp(h);
    expect((await h.enriched()).some((e) => e.messageId === dropped.messageId)).toBe(false);
    const a = all.get(anonA.messageId)!;
    expect(a.visitorId).toMatch(/^fp_/);
    expect(a.traits).toEqual({});
    expect(all.get(anonB.messageId)!.visitorIndex).toBe(a.visitorIndex);
    const db = new Client({ connectionString: h.db.url });
    await db.connect();
    const { rows } = await db.query("SELECT alias_id FROM visitor_aliases WHERE project_id = 'dnt-anon'");
    await db.end();
    expect(rows.map((r) => r.alias_id)).toEqual([expect.stringMatching(/^f:/)]);
  });

  it('erasure wipes the visitor; later events start a fresh visitor only if the project allows it', async () => {
    const at = (s: number) => new Date(Date.now() - 5 * 60_000 + s * 1000).toISOString();
    const seed = ['erase-strict', 'erase-lenient'].map((projectId) => rawEvent({ projectId, userId: 'frank', anonymousId: 'f-anon', traits: { email: 'f@example.com' }, at: at(0) }));
    await h.send(seed);
    await waitEnriched(h, seed.map((e) => e.messageId));
    await h.producer.send(h.topics.erasures, ['erase-strict', 'erase-lenient'].map((projectId) => ({ key: projectId, value: { requestId: `r-${projectId}`, projectId, visitorIds: ['frank'], requestedAt: new Date().toISOString() } })));
    const db = new Client({ connectionString: h.db.url });
    await db.connect();
    try {
      await waitForRows(db, "SELECT 1 FROM visitors WHERE erased AND project_id IN ('erase-strict', 'erase-lenient')", 2);
      const { rows } = await db.query("SELECT traits, visitor_id, user_id FROM visitors WHERE project_id LIKE 'erase-%'");
      expect(rows).toEqual([{ traits: {}, visitor_id: null, user_id: null }, { traits: {}, visitor_id: null, user_id: null }]);
      const aliases = await db.query("SELECT 1 FROM visitor_aliases WHERE project_id LIKE 'erase-%'");
      expect(aliases.rowCount).toBe(0);
      const ledger = await db.query("SELECT 1 FROM event_ledger WHERE project_id LIKE 'erase-%'");
      expect(ledger.rowCount).toBe(0);
    } finally {
      await db.end();
    }
    const later = ['erase-strict', 'erase-lenient'].map((projectId) => rawEvent({ projectId, anonymousId: 'f-anon', at: at(10) }));
    await h.send(later);
    const all = await waitEnriched(h, [later[1]!.messageId]);
    await waitCaughtUp(h);
    expect((await h.enriched()).some((e) => e.messageId === later[0]!.messageId)).toBe(false);
    expect(all.get(later[1]!.messageId)).toMatchObject({ visitorIndex: 1, isNewVisitor: true, traits: {} });
  });

  it('issue #16 finding 7c: an erasure names the visitor by index or by keyed hash only, and erased_ids keeps keyed hashes, no unkeyed SHA-256', async () => {
    const p = 'erase-keyed';
    const at = (s: number) => new Date(Date.now() - 5 * 60_000 + s * 1000).toISOString();
    const seed = [rawEvent({ projectId: p, userId: 'gina', anonymousId: 'g-anon', at: at(0) }), rawEvent({ projectId: p, userId: 'hank', anonymousId: 'h-anon', at: at(1) })];
    await h.send(seed);
    const enriched = await waitEnriched(h, seed.map((e) => e.messageId));
    const hankIndex = enriched.get(seed[1]!.messageId)!.visitorIndex;
    // The harness runs with the development key (no ERASURE_ID_SECRET), as the gateway of a test would.
    const keyed = (id: string) => erasureIdHash(DEVELOPMENT_ERASURE_ID_SECRET, p, id);
    await h.producer.send(h.topics.erasures, [
      // gina by keyed hash only (the event store had not seen her): found by hashing the project's aliases.
      { key: p, value: { requestId: 'r-gina', projectId: p, idHashes: [keyed('gina')], visitorIndexes: [], requestedAt: new Date().toISOString() } },
      // hank by index only (the hash names an id this store never saw).
      { key: p, value: { requestId: 'r-hank', projectId: p, idHashes: [keyed('someone-else')], visitorIndexes: [hankIndex], requestedAt: new Date().toISOString() } },
    ]);
    const db = new Client({ connectionString: h.db.url });
    await db.connect();
    try {
      await waitForRows(db, `SELECT 1 FROM visitors WHERE erased AND project_id = '${p}'`, 2);
      expect((await db.query('SELECT 1 FROM visitor_aliases WHERE project_id = $1', [p])).rowCount).toBe(0);
      const kept = (await db.query<{ id_hash: string }>('SELECT id_hash FROM erased_ids WHERE project_id = $1', [p])).rows.map((r) => r.id_hash).sort();
      expect(kept).toEqual(['u:gina', 'a:g-anon', 'u:hank', 'a:h-anon'].map(keyed).sort());
      for (const alias of ['u:gina', 'a:g-anon', 'u:hank', 'a:h-anon']) expect(kept).not.toContain(createHash('sha256').update(`${p}\n${alias}`).digest('hex'));
    } finally {
      await db.end();
    }
    // Their ids are still recognised: a later event of either is dropped (the project does not allow re-identification).
    const later = [rawEvent({ projectId: p, anonymousId: 'g-anon', at: at(10) }), rawEvent({ projectId: p, userId: 'hank', at: at(11) }), rawEvent({ projectId: p, anonymousId: 'someone-new', at: at(12) })];
    await h.send(later);
    await waitEnriched(h, [later[2]!.messageId]);
    await waitCaughtUp(h);
    const ids = new Set((await h.enriched()).map((e) => e.messageId));
    expect([ids.has(later[0]!.messageId), ids.has(later[1]!.messageId), ids.has(later[2]!.messageId)]).toEqual([false, false, true]);
  });

  it('sends poison messages to the DLQ with the reason and goes on', async () => {
    await h.producer.raw.send({ topic: h.topics.eventsRaw, messages: [{ key: 'bad', value: '{"not":"an event"}' }] });
    const nul = rawEvent({ projectId: 'merges', anonymousId: 'nul\u0000id', at: new Date().toISOString() });
    const good = rawEvent({ projectId: 'merges', anonymousId: 'after-poison', at: new Date().toISOString() });
    await h.send([nul, good]);
    await waitEnriched(h, [good.messageId]);
    await waitCaughtUp(h);
    const dlq = (await readAll(h.topics.eventsDlq)).map((m) => json<DlqRecord>(m));
    expect(dlq.some((d) => d.topic === h.topics.eventsRaw && d.error.startsWith('schema:'))).toBe(true);
    const nulRecord = dlq.find((d) => d.error.startsWith('NUL character'));
    expect(JSON.parse(Buffer.from(nulRecord!.payloadBase64!, 'base64').toString('utf8')).messageId).toBe(nul.messageId);
  });
});

async function waitForRows(db: Client, sql: string, count: number): Promise<void> {
  const { waitFor } = await import('@sightline/testing');
  await waitFor(async () => ((await db.query(sql)).rowCount ?? 0) >= count, { timeoutMs: 30_000, description: sql });
}
