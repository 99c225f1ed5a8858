import { randomBytes, randomUUID } from 'node:crypto';
import fc from 'fast-check';
import type { KafkaMessage } from 'kafkajs';
import { Pool } from 'pg';
import type { EnrichedEventParsed, RawEvent } from '@sightline/contracts';
import { projectionDecoder } from '@sightline/kafka';
import { createTestDatabase, deleteKeys, testInfra, uniqueId, type TestDatabase } from '@sightline/testing';
import { toRawEvent } from '../../services/ingest/src/domain/segment-event.handler';
import { toEnriched } from '../../services/session-fingerprint/src/domain/enrich-batch.handler';
import { saltDayOf } from '../../services/session-fingerprint/src/domain/fingerprint.handler';
import { prepareEvent, projectOrDefaults } from '../../services/session-fingerprint/src/domain/prepare.handler';
import { migrationsDir } from '../../services/query/src/migrations-dir';
import { createEventStore } from '../../services/query/src/stores/event.store';
import { createPartitionStore } from '../../services/query/src/stores/partition.store';
import { defaultSettings } from '../../services/bitmap-aggregator/src/domain/range.handler';
import { createBitmapReader } from '../../services/bitmap-aggregator/src/stores/bitmap-reader.store';
import { createBitmapWriter } from '../../services/bitmap-aggregator/src/stores/bitmap-writer.store';
import { bitmapScripts, createRedisClient } from '../../services/bitmap-aggregator/src/stores/redis-client.store';

// Issue #19, bug 1: a 2xx at ingest is a promise that every store keeps the event. Messages with
// odd text anywhere (NUL, lone and paired surrogates, percent-encoded NUL in utm parameters) or
// deeply nested properties go
// through ingest's validation; whatever it acknowledges goes through the fingerprint's
// preparation and enrichment, the projections' decoder, the query service's Postgres insert
// and the aggregator's Redis writer, and must come back out of both.

const DESKTOP = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
const unit = fc.oneof(
  { weight: 24, arbitrary: fc.constantFrom('a', 'b', 'é', '😀', ' ', '/', '-') },
  { weight: 1, arbitrary: fc.constantFrom('\u0000', '\ud800', '\udfff', '\ud83d') },
);
const text = (minLength = 0) => fc.string({ unit, minLength, maxLength: 6 });
const key = fc.oneof({ weight: 6, arbitrary: fc.constantFrom('plan', 'price', 'tags', 'nested') }, { weight: 1, arbitrary: text(1) });
/** An array `levels` deep: Postgres's JSON parser runs out of stack near 15,000 levels, which a 32 KB event can hold. */
function nested(levels: number, inner: unknown): unknown {
  let v = inner;
  for (let i = 0; i < levels; i++) v = [v];
  return v;
}
const value = fc.oneof(text(), fc.integer(), fc.array(text(), { maxLength: 2 }), fc.dictionary(key, text(), { maxKeys: 2 }));
/** How deep `properties.deep` goes, if there; the value is built in the property so that fast-check never prints it. */
const deepLevels = fc.option(fc.oneof(fc.integer({ min: 55, max: 70 }), fc.constant(16_000)), { nil: undefined, freq: 4 });
const utm = fc.oneof({ weight: 4, arbitrary: fc.constantFrom('google', 'news%20letter', '%ED%A0%80', '%F0%9F%98%80') }, { weight: 1, arbitrary: fc.constantFrom('%00', 'a%00b') });

const message = fc.record(
  {
    type: fc.constantFrom('track', 'page', 'identify'),
    event: text(1),
    name: text(1),
    category: text(),
    userId: text(1),
    anonymousId: text(1),
    properties: fc.tuple(fc.dictionary(key, value, { maxKeys: 3 }), deepLevels).map(([props, levels]) => (levels === undefined ? props : { ...props, deepLevels: levels })),
    traits: fc.dictionary(key, text(), { maxKeys: 2 }),
    context: fc.record(
      {
        page: fc.record({ url: fc.tuple(utm, utm).map(([u, q]) => `https://example.com/landing?q=${q}&utm_source=${u}&utm_content=${u}`), title: text() }, { requiredKeys: ['url'] }),
        campaign: fc.record({ name: text() }),
        custom: text(),
      },
      { requiredKeys: [] },
    ),
  },
  { requiredKeys: ['type', 'event', 'anonymousId'] },
);
type Message = typeof message extends fc.Arbitrary<infer T> ? T : never;
/** A message as sent: its properties may hold the deep array built from `deepLevels`. */
type Sent = Omit<Message, 'properties'> & { properties?: Record<string, unknown> };

/** The oracle, independent of libs/contracts: text that does not survive UTF-8 or holds NUL. */
function badText(s: string): boolean {
  return s.includes('\u0000') || Buffer.from(s, 'utf8').toString('utf8') !== s;
}
/** Whether a value holds unstorable text (in a string or a key), and how many containers deep it goes; iterative, as values may be 16,000 levels deep. */
function inspect(value: unknown): { badText: boolean; nesting: number } {
  let bad = false;
  let deepest = 0;
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length) {
    const [v, depth] = stack.pop()!;
    if (typeof v === 'string') bad ||= badText(v);
    else if (v && typeof v === 'object') {
      deepest = Math.max(deepest, depth + 1);
      for (const [k, x] of Object.entries(v)) {
        if (!Array.isArray(v)) bad ||= badText(k);
        stack.push([x, depth + 1]);
      }
    }
  }
  return { badText: bad, nesting: deepest };
}
/** The message's fields that ingest turns into stored fields (a page's `name` is its event name; track's `name` is ignored). */
function storedFieldsOf(m: Sent): Record<string, unknown> {
  const { type, event, name, ...rest } = m;
  return { ...rest, ...(type === 'track' ? { event } : type === 'page' ? { name } : {}) };
}
function badFields(m: Sent): string[] {
  // The stored event is one more level around each field; more than 64 in all is refused.
  const fields = Object.entries(storedFieldsOf(m)).filter(([, v]) => ((r) => r.badText || 1 + r.nesting > 64)(inspect(v))).map(([k]) => k);
  // Only utm_* parameters are decoded downstream (into source, campaign, utm_content …).
  if (/[?&]utm_[^=&#]*=[^&#]*%00/.test(m.context?.page?.url ?? '') && !fields.includes('context')) fields.push('context');
  return fields;
}

/** `properties.deepLevels: n` becomes `properties.deep`, an array n levels deep. */
function withDeepProperty(m: Message): Sent {
  const { deepLevels: levels, ...rest } = m.properties ?? {};
  return typeof levels === 'number' ? { ...m, properties: { ...rest, deep: nested(levels, 'deep') } } : m;
}

let db: TestDatabase;
let pool: Pool;
const redis = createRedisClient({ REDIS_URL: testInfra.redisUrl });
const scripts = bitmapScripts(redis);
const prefix = `${uniqueId('text')}:`;

beforeAll(async () => {
  db = await createTestDatabase('storable_text', migrationsDir);
  pool = new Pool({ connectionString: db.url, max: 2 });
});
afterAll(async () => {
  await pool.end();
  await db.drop();
  await deleteKeys(redis as never, `${prefix}*`);
  redis.disconnect();
});

function enrich(raw: RawEvent, visitorIndex: number): EnrichedEventParsed {
  const salts = new Map([[saltDayOf(raw.receivedAt), randomBytes(32)]]);
  const prepared = prepareEvent(raw, projectOrDefaults(undefined, raw.projectId), salts);
  // The fingerprint's identity store is a store too: it must not dead-letter what ingest took.
  expect(prepared).toMatchObject({ kind: 'ready' });
  if (prepared.kind !== 'ready') throw new Error(prepared.kind);
  const entry = {
    projectId: raw.projectId, messageId: raw.messageId, visitorIndex, visitorId: `v${visitorIndex}`, sessionId: `s${visitorIndex}`,
    isNewVisitor: true, isNewSession: true, mergedIndexes: [], entryPage: prepared.source.page, previousExitPage: null,
    receivedAt: raw.receivedAt, sourcePartition: 0, sourceOffset: String(visitorIndex),
  };
  const enriched = toEnriched({ kind: 'enriched', event: raw, entry, traits: raw.traits, attribution: prepared.source.attribution, replayed: false });
  // As the projections read it off the topic: JSON bytes through their shared decoder.
  const decoded = projectionDecoder('erasures')({ key: null, value: Buffer.from(JSON.stringify(enriched)), offset: '0', timestamp: '0', attributes: 0, headers: {} } as KafkaMessage, 'enriched');
  expect(decoded).toMatchObject({ ok: true });
  if (!decoded.ok || decoded.value.kind !== 'event') throw new Error('not decoded');
  return decoded.value.event;
}

describe('text that ingest acknowledges', () => {
  it('is refused at ingest with the field named when a store cannot hold it, and otherwise stored by the query service and counted by the aggregator', async () => {
    const store = createEventStore(pool, createPartitionStore(pool));
    const writer = createBitmapWriter(redis, scripts, prefix);
    const reader = createBitmapReader(redis, scripts, prefix);
    let run = 0;
    let accepted = 0;
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(message, { minLength: 1, maxLength: 12 }), async (messages) => {
        const projectId = `p_text_${run++}`;
        const receivedAt = new Date();
        const events: EnrichedEventParsed[] = [];
        // Checked after the stores, which are the point: what ingest took, they keep.
        const acceptedBad: string[] = [];
        messages.map(withDeepProperty).forEach((m, i) => {
          const result = toRawEvent(m, null, {
            projectId, receivedAt, requireIdentity: false, maxEventBytes: 32_768, futureLimitDays: 1, maxAgeDays: 365, newMessageId: randomUUID,
            request: { ip: '203.0.113.9', userAgent: DESKTOP, acceptLanguage: 'en', dnt: false, gpc: false, clientKind: 'browser' },
          });
          const bad = badFields(m);
          if (!result.ok) {
            refused++;
            expect(bad.length).toBeGreaterThan(0);
            // Every field the 400 names is one that holds the text no store can keep.
            for (const field of result.fields) expect(bad).toContain(field.path.split(/[.[]/)[0]);
            return;
          }
          accepted++;
          acceptedBad.push(...bad);
          events.push(enrich(result.event, i));
        });
        if (events.length === 0) return;
        expect((await store.insertBatch(events)).inserted).toBe(events.length);
        const rows = (await pool.query<{ message_id: string; name: string; properties: unknown; traits: unknown }>(
          'SELECT e.message_id, e.name, e.properties, v.traits FROM events e JOIN visitors v USING (project_id, visitor_index) WHERE e.project_id = $1', [projectId])).rows;
        const byId = new Map(rows.map((r) => [r.message_id, r]));
        for (const e of events) expect(byId.get(e.messageId)).toEqual({ message_id: e.messageId, name: e.name, properties: e.properties, traits: e.traits });

        await writer.applyEvents(projectId, defaultSettings, 't:0', events.map((event, i) => ({ offset: BigInt(i), event })));
        const range = { from: new Date(receivedAt.getTime() - 3_600_000), to: new Date(receivedAt.getTime() + 3_600_000) };
        expect((await reader.uniques(projectId, defaultSettings, range, { dim: '$active' })).total).toBe(events.length);
        for (const name of new Set(events.map((e) => e.name))) {
          const visitors = new Set(events.filter((e) => e.name === name).map((e) => e.visitorIndex)).size;
          expect((await reader.uniques(projectId, defaultSettings, range, { dim: `event:${name}` })).total).toBe(visitors);
        }
        // Nor does ingest refuse more than it must: everything it took holds only storable text.
        expect(acceptedBad).toEqual([]);
      }),
      { numRuns: 100 },
    );
    // The generator must exercise both outcomes, or the property says nothing.
    expect(accepted).toBeGreaterThan(50);
    expect(refused).toBeGreaterThan(20);
  });
});
