import type { Pool, PoolClient } from 'pg';
import type { EnrichedEventParsed } from '@sightline/contracts';
import type { EventAttributeColumns } from './event-columns';
import type { PartitionStore } from './partition.store';
import { applyMerges, type Merge } from './merge.store';
import { createErasedIdHasher, type ErasedIdHasher } from './erased-id';
import { invalidateBlocks } from './funnel-block.store';

/** Columns of INSERT_BATCH's input, named as json_to_recordset reads them. */
interface InputRow extends EventAttributeColumns {
  project_id: string;
  message_id: string;
  ts: string;
  received_at: string;
  type: string;
  name: string | null;
  category: string | null;
  visitor_index: number;
  visitor_id: string;
  properties: unknown;
  context: unknown;
  traits: unknown;
  entry_page: string | null;
  /** Keyed hashes of visitor_id, user_id and anonymous_id, checked against erased_ids. */
  visitor_id_hash: string | null;
  user_id_hash: string | null;
  anonymous_id_hash: string | null;
}

/**
 * A chunk of events as the one JSON parameter of INSERT_BATCH. One native JSON.stringify
 * instead of 26 arrays that pg escapes element by element in JavaScript (3 of them of
 * JSON strings): the serialising was as much CPU as Postgres's insert.
 */
function toInputJson(events: EnrichedEventParsed[], hash: ErasedIdHasher): string {
  return JSON.stringify(
    events.map(
      (e): InputRow => ({
        project_id: e.projectId,
        message_id: e.messageId,
        ts: e.timestamp,
        received_at: e.receivedAt,
        type: e.type,
        name: e.name,
        category: e.category,
        visitor_index: e.visitorIndex,
        visitor_id: e.visitorId,
        user_id: e.userId,
        anonymous_id: e.anonymousId,
        session_id: e.sessionId,
        properties: e.properties,
        context: e.context,
        page_path: e.context.page?.path ?? null,
        referrer_domain: e.referrerDomain,
        source: e.source,
        medium: e.medium,
        campaign: e.campaign,
        country: e.country,
        browser: e.device.browser,
        os: e.device.os,
        device_type: e.device.deviceType,
        is_bot: e.isBot,
        traits: e.traits,
        entry_page: e.entryPage,
        visitor_id_hash: hash(e.projectId, e.visitorId),
        user_id_hash: e.userId === e.visitorId ? null : hash(e.projectId, e.userId),
        anonymous_id_hash: e.anonymousId === e.visitorId ? null : hash(e.projectId, e.anonymousId),
      }),
    ),
  );
}

/** Events per INSERT_BATCH statement: Node serialises the next chunk while Postgres runs this one. */
const INSERT_CHUNK = 5000;

/**
 * ON CONFLICT assignments that take each column from the incoming fold (`excluded`) when
 * `condition` holds, else keep the stored row's (`alias`): values that came from one event move together.
 */
function takeIf(condition: string, alias: string, columns: string[]): string {
  return columns.map((c) => `${c} = CASE WHEN ${condition} THEN excluded.${c} ELSE ${alias}.${c} END`).join(',\n    ');
}
/** Which value wins when a fold meets the stored row: by the (time, messageId) of the event it came from. */
const FIRST_EVENT_EARLIER = '(excluded.started_at, excluded.first_message_id) < (s.started_at, s.first_message_id)';
const ENTRY_EARLIER = 'excluded.entry_page IS NOT NULL AND (s.entry_page IS NULL OR (excluded.entry_at, excluded.entry_message_id) < (s.entry_at, s.entry_message_id))';
const EXIT_LATER = 'excluded.exit_page IS NOT NULL AND (s.exit_page IS NULL OR (excluded.exit_at, excluded.exit_message_id) > (s.exit_at, s.exit_message_id))';
const LAST_EVENT_LATER = '(excluded.traits_at, excluded.traits_message_id) > (v.traits_at, v.traits_message_id)';
const USER_ID_LATER = 'excluded.user_id IS NOT NULL AND (v.user_id IS NULL OR (excluded.user_id_at, excluded.user_id_message_id) > (v.user_id_at, v.user_id_message_id))';
const ANONYMOUS_ID_LATER = 'excluded.anonymous_id IS NOT NULL AND (v.anonymous_id IS NULL OR (excluded.anonymous_id_at, excluded.anonymous_id_message_id) > (v.anonymous_id_at, v.anonymous_id_message_id))';

/**
 * One statement per chunk: insert the events (duplicates and erased visitors skipped), then
 * fold only the rows that were really inserted into sessions and visitors. Because the
 * aggregates only ever see new rows, a replayed batch changes nothing.
 */
const INSERT_BATCH = `
WITH input AS (
  SELECT DISTINCT ON (project_id, message_id, ts) *
  FROM json_to_recordset($1::json)
    AS t(project_id text, message_id text, ts timestamptz, received_at timestamptz, type text, name text, category text,
         visitor_index int, visitor_id text, user_id text, anonymous_id text, session_id text, properties jsonb, context jsonb,
         page_path text, referrer_domain text, source text, medium text, campaign text, country text, browser text, os text,
         device_type text, is_bot bool, traits json, entry_page text, visitor_id_hash text, user_id_hash text, anonymous_id_hash text)
  WHERE NOT EXISTS (
    SELECT 1 FROM erased_ids x
    WHERE x.project_id = t.project_id AND x.id IN (t.visitor_id_hash, t.user_id_hash, t.anonymous_id_hash)
      AND t.received_at <= x.requested_at)
    AND NOT EXISTS (
    SELECT 1 FROM erased_visitors y
    WHERE y.project_id = t.project_id AND y.visitor_index = t.visitor_index AND t.received_at <= y.requested_at)
),
ins AS (
  INSERT INTO events (project_id, message_id, "timestamp", received_at, type, name, category, visitor_index, visitor_id,
                      user_id, anonymous_id, session_id, properties, context, page_path, referrer_domain, source, medium,
                      campaign, country, browser, os, device_type, is_bot)
  SELECT project_id, message_id, ts, received_at, type, name, category, visitor_index, visitor_id, user_id, anonymous_id,
         session_id, properties, context, page_path, referrer_domain, source, medium, campaign, country, browser, os,
         device_type, is_bot
  FROM input
  ON CONFLICT DO NOTHING
  RETURNING project_id, message_id, "timestamp"
),
fresh AS (
  SELECT i.project_id, i.message_id, i.ts, i.name, i.visitor_index, i.visitor_id, i.user_id, i.anonymous_id, i.session_id,
         i.page_path, i.entry_page, i.referrer_domain, i.source, i.medium, i.campaign, i.country, i.browser, i.os,
         i.device_type, i.traits
  FROM input i JOIN ins ON ins.project_id = i.project_id AND ins.message_id = i.message_id AND ins."timestamp" = i.ts
),
sess AS (
  INSERT INTO sessions AS s (project_id, session_id, visitor_index, visitor_id, started_at, ended_at, first_message_id,
                             entry_page, entry_at, entry_message_id, exit_page, exit_at, exit_message_id, page_count,
                             event_count, referrer_domain, source, medium, campaign, device_type, browser, os, country)
  SELECT project_id, session_id, visitor_index, visitor_id, started_at, ended_at, message_id,
         entry, CASE WHEN entry IS NOT NULL THEN entry_at END, CASE WHEN entry IS NOT NULL THEN entry_mid END,
         exit, CASE WHEN exit IS NOT NULL THEN exit_at END, CASE WHEN exit IS NOT NULL THEN exit_mid END,
         page_count, event_count, referrer_domain, source, medium, campaign, device_type, browser, os, country
  FROM (
    SELECT f.*,
           row_number() OVER w AS nth,
           min(ts) OVER s AS started_at, max(ts) OVER s AS ended_at,
           count(*) FILTER (WHERE name = '$pageview') OVER s AS page_count, count(*) OVER s AS event_count,
           first_value(coalesce(page_path, entry_page)) OVER en AS entry, first_value(ts) OVER en AS entry_at,
           first_value(message_id) OVER en AS entry_mid,
           first_value(page_path) OVER ex AS exit, first_value(ts) OVER ex AS exit_at, first_value(message_id) OVER ex AS exit_mid
    FROM fresh f
    WINDOW s AS (PARTITION BY project_id, session_id), w AS (PARTITION BY project_id, session_id ORDER BY ts, message_id),
           en AS (PARTITION BY project_id, session_id ORDER BY coalesce(page_path, entry_page) IS NULL, ts, message_id
                  ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING),
           ex AS (PARTITION BY project_id, session_id ORDER BY page_path IS NULL, ts DESC, message_id DESC
                  ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
  ) firsts
  WHERE nth = 1
  -- Each value is kept from the event it came from that is first (or, for the exit, last) by
  -- (time, messageId), whichever batch stored it: out-of-order batches merge exactly.
  ON CONFLICT (project_id, session_id) DO UPDATE SET
    ${takeIf(FIRST_EVENT_EARLIER, 's', ['visitor_index', 'visitor_id', 'referrer_domain', 'source', 'medium', 'campaign', 'device_type', 'browser', 'os', 'country', 'first_message_id'])},
    ${takeIf(ENTRY_EARLIER, 's', ['entry_page', 'entry_at', 'entry_message_id'])},
    ${takeIf(EXIT_LATER, 's', ['exit_page', 'exit_at', 'exit_message_id'])},
    started_at = least(s.started_at, excluded.started_at),
    ended_at = greatest(s.ended_at, excluded.ended_at),
    page_count = s.page_count + excluded.page_count,
    event_count = s.event_count + excluded.event_count
  RETURNING 1
),
vis AS (
  INSERT INTO visitors AS v (project_id, visitor_index, visitor_id, traits, traits_at, traits_message_id, user_id, user_id_at,
                             user_id_message_id, anonymous_id, anonymous_id_at, anonymous_id_message_id, first_seen, last_seen, event_count)
  SELECT project_id, visitor_index, visitor_id, traits::jsonb, ts, message_id,
         last_user_id, CASE WHEN last_user_id IS NOT NULL THEN user_at END, CASE WHEN last_user_id IS NOT NULL THEN user_mid END,
         last_anonymous_id, CASE WHEN last_anonymous_id IS NOT NULL THEN anon_at END, CASE WHEN last_anonymous_id IS NOT NULL THEN anon_mid END,
         first_seen, ts, event_count
  FROM (
    SELECT f.project_id, f.visitor_index, f.visitor_id, f.traits, f.ts, f.message_id,
           row_number() OVER w AS nth,
           min(ts) OVER v AS first_seen, count(*) OVER v AS event_count,
           first_value(user_id) OVER u AS last_user_id, first_value(ts) OVER u AS user_at, first_value(message_id) OVER u AS user_mid,
           first_value(anonymous_id) OVER a AS last_anonymous_id, first_value(ts) OVER a AS anon_at, first_value(message_id) OVER a AS anon_mid
    FROM fresh f
    WINDOW v AS (PARTITION BY project_id, visitor_index), w AS (PARTITION BY project_id, visitor_index ORDER BY ts DESC, message_id DESC),
           u AS (PARTITION BY project_id, visitor_index ORDER BY user_id IS NULL, ts DESC, message_id DESC
                 ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING),
           a AS (PARTITION BY project_id, visitor_index ORDER BY anonymous_id IS NULL, ts DESC, message_id DESC
                 ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
  ) lasts
  WHERE nth = 1
  ON CONFLICT (project_id, visitor_index) DO UPDATE SET
    ${takeIf(LAST_EVENT_LATER, 'v', ['visitor_id', 'traits', 'traits_at', 'traits_message_id'])},
    ${takeIf(USER_ID_LATER, 'v', ['user_id', 'user_id_at', 'user_id_message_id'])},
    ${takeIf(ANONYMOUS_ID_LATER, 'v', ['anonymous_id', 'anonymous_id_at', 'anonymous_id_message_id'])},
    first_seen = least(v.first_seen, excluded.first_seen),
    last_seen = greatest(v.last_seen, excluded.last_seen),
    event_count = v.event_count + excluded.event_count
  RETURNING 1
)
SELECT (SELECT count(*) FROM ins)::int AS inserted, (SELECT count(*) FROM sess)::int AS sessions, (SELECT count(*) FROM vis)::int AS visitors`;

const ERASURE_LOCK_SHARED = `SELECT pg_advisory_xact_lock_shared(hashtext('erasure:' || p)) FROM unnest($1::text[]) AS p ORDER BY p`;
export const ERASURE_LOCK = `SELECT pg_advisory_xact_lock(hashtext('erasure:' || $1))`;

export interface InsertResult {
  inserted: number;
}

export interface EventStore {
  /** Inserts a consumer batch in one transaction; resolves when it is committed. */
  insertBatch(events: EnrichedEventParsed[]): Promise<InsertResult>;
}

function mergesOf(events: EnrichedEventParsed[]): Merge[] {
  return events
    .filter((e) => e.mergedVisitorIndexes.length > 0)
    .sort((a, b) => a.timestamp.localeCompare(b.timestamp) || a.messageId.localeCompare(b.messageId))
    .flatMap((e) => e.mergedVisitorIndexes.map((merged) => ({ projectId: e.projectId, into: e.visitorIndex, merged, at: e.timestamp })));
}

/** `erasureIdSecret`: ERASURE_ID_SECRET (the development one when left out, as in tests). */
export function createEventStore(pool: Pool, partitions: PartitionStore, options: { erasureIdSecret?: string } = {}): EventStore {
  const hash = createErasedIdHasher(options.erasureIdSecret);
  return {
    async insertBatch(events) {
      if (events.length === 0) return { inserted: 0 };
      await partitions.ensureFor(events.map((e) => Date.parse(e.timestamp)));
      const client: PoolClient = await pool.connect();
      try {
        await client.query('BEGIN');
        // Shared per-project locks against a concurrent erasure (which takes them exclusively):
        // otherwise an event checked against erased_ids just before the erasure commits would
        // be inserted just after its DELETE ran, and the erased visitor would be back.
        await client.query(ERASURE_LOCK_SHARED, [[...new Set(events.map((e) => e.projectId))].sort()]);
        // Chunks in order, one transaction: each statement folds only its own new rows into
        // sessions and visitors (least/greatest/sums), so the split changes no result.
        let inserted = 0;
        let payload = toInputJson(events.slice(0, INSERT_CHUNK), hash);
        for (let from = 0; from < events.length; from += INSERT_CHUNK) {
          const running = client.query<{ inserted: number }>(INSERT_BATCH, [payload]);
          const next = from + INSERT_CHUNK;
          if (next < events.length) payload = toInputJson(events.slice(next, next + INSERT_CHUNK), hash);
          inserted += (await running).rows[0]!.inserted;
        }
        await applyMerges(client, mergesOf(events));
        // Events of a closed day (late, or replayed) delete that day's funnel blocks before commit.
        await invalidateBlocks(client, events, Date.now());
        await client.query('COMMIT');
        return { inserted };
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      } finally {
        client.release();
      }
    },
  };
}
