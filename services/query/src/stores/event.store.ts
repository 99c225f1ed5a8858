import type { Pool, PoolClient } from 'pg';
import type { EnrichedEventParsed } from '@sightline/contracts';
import type { EventAttributeColumns } from './event-columns';
import type { PartitionStore } from './partition.store';
import { applyMerges, type Merge } from './merge.store';

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
}

/**
 * A chunk of events as the one JSON parameter of INSERT_BATCH. One native JSON.stringify
 * instead of 26 arrays that pg escapes element by element in JavaScript (3 of them of
 * JSON strings): the serialising was as much CPU as Postgres's insert.
 */
function toInputJson(events: EnrichedEventParsed[]): string {
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
      }),
    ),
  );
}

/** Events per INSERT_BATCH statement: Node serialises the next chunk while Postgres runs this one. */
const INSERT_CHUNK = 5000;

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
         device_type text, is_bot bool, traits json, entry_page text)
  WHERE NOT EXISTS (
    SELECT 1 FROM erased_ids x
    WHERE x.project_id = t.project_id AND x.id IN (t.visitor_id, t.user_id, t.anonymous_id) AND t.received_at <= x.requested_at)
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
  INSERT INTO sessions AS s (project_id, session_id, visitor_index, visitor_id, started_at, ended_at, entry_page, exit_page,
                             page_count, event_count, referrer_domain, source, medium, campaign, device_type, browser, os, country)
  SELECT project_id, session_id, visitor_index, visitor_id, started_at, ended_at, first_entry, last_page, page_count, event_count,
         referrer_domain, source, medium, campaign, device_type, browser, os, country
  FROM (
    SELECT f.*,
           row_number() OVER w AS nth,
           min(ts) OVER s AS started_at, max(ts) OVER s AS ended_at,
           count(*) FILTER (WHERE name = '$pageview') OVER s AS page_count, count(*) OVER s AS event_count,
           first_value(coalesce(page_path, entry_page)) OVER (PARTITION BY project_id, session_id
             ORDER BY coalesce(page_path, entry_page) IS NULL, ts, message_id ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS first_entry,
           first_value(page_path) OVER (PARTITION BY project_id, session_id
             ORDER BY page_path IS NULL, ts DESC, message_id DESC ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS last_page
    FROM fresh f
    WINDOW s AS (PARTITION BY project_id, session_id), w AS (PARTITION BY project_id, session_id ORDER BY ts, message_id)
  ) firsts
  WHERE nth = 1
  ON CONFLICT (project_id, session_id) DO UPDATE SET
    entry_page = CASE WHEN excluded.started_at < s.started_at THEN coalesce(excluded.entry_page, s.entry_page) ELSE coalesce(s.entry_page, excluded.entry_page) END,
    exit_page = CASE WHEN excluded.ended_at >= s.ended_at THEN coalesce(excluded.exit_page, s.exit_page) ELSE coalesce(s.exit_page, excluded.exit_page) END,
    referrer_domain = CASE WHEN excluded.started_at < s.started_at THEN excluded.referrer_domain ELSE s.referrer_domain END,
    source = CASE WHEN excluded.started_at < s.started_at THEN excluded.source ELSE s.source END,
    medium = CASE WHEN excluded.started_at < s.started_at THEN excluded.medium ELSE s.medium END,
    campaign = CASE WHEN excluded.started_at < s.started_at THEN excluded.campaign ELSE s.campaign END,
    started_at = least(s.started_at, excluded.started_at),
    ended_at = greatest(s.ended_at, excluded.ended_at),
    page_count = s.page_count + excluded.page_count,
    event_count = s.event_count + excluded.event_count
  RETURNING 1
),
vis AS (
  INSERT INTO visitors AS v (project_id, visitor_index, visitor_id, user_id, anonymous_id, traits, traits_at, first_seen, last_seen, event_count)
  SELECT project_id, visitor_index, visitor_id, last_user_id, last_anonymous_id, traits::jsonb, ts, first_seen, ts, event_count
  FROM (
    SELECT f.project_id, f.visitor_index, f.visitor_id, f.traits, f.ts,
           row_number() OVER w AS nth,
           min(ts) OVER v AS first_seen, count(*) OVER v AS event_count,
           first_value(user_id) OVER (PARTITION BY project_id, visitor_index
             ORDER BY user_id IS NULL, ts DESC, message_id DESC ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS last_user_id,
           first_value(anonymous_id) OVER (PARTITION BY project_id, visitor_index
             ORDER BY anonymous_id IS NULL, ts DESC, message_id DESC ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS last_anonymous_id
    FROM fresh f
    WINDOW v AS (PARTITION BY project_id, visitor_index), w AS (PARTITION BY project_id, visitor_index ORDER BY ts DESC, message_id DESC)
  ) lasts
  WHERE nth = 1
  ON CONFLICT (project_id, visitor_index) DO UPDATE SET
    visitor_id = CASE WHEN excluded.traits_at >= v.traits_at THEN excluded.visitor_id ELSE v.visitor_id END,
    user_id = CASE WHEN excluded.traits_at >= v.traits_at THEN coalesce(excluded.user_id, v.user_id) ELSE coalesce(v.user_id, excluded.user_id) END,
    anonymous_id = CASE WHEN excluded.traits_at >= v.traits_at THEN coalesce(excluded.anonymous_id, v.anonymous_id) ELSE coalesce(v.anonymous_id, excluded.anonymous_id) END,
    traits = CASE WHEN excluded.traits_at >= v.traits_at THEN excluded.traits ELSE v.traits END,
    traits_at = greatest(v.traits_at, excluded.traits_at),
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

export function createEventStore(pool: Pool, partitions: PartitionStore): EventStore {
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
        let payload = toInputJson(events.slice(0, INSERT_CHUNK));
        for (let from = 0; from < events.length; from += INSERT_CHUNK) {
          const running = client.query<{ inserted: number }>(INSERT_BATCH, [payload]);
          const next = from + INSERT_CHUNK;
          if (next < events.length) payload = toInputJson(events.slice(next, next + INSERT_CHUNK));
          inserted += (await running).rows[0]!.inserted;
        }
        await applyMerges(client, mergesOf(events));
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
