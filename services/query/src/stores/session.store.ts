import type { Pool } from 'pg';
import type { EventCursor } from '../domain/cursor.handler';
import { EVENT_COLUMNS, type EventRow } from './event-log.store';

export interface SessionRow {
  session_id: string;
  visitor_index: number;
  visitor_id: string;
  started_at: Date;
  ended_at: Date;
  entry_page: string | null;
  exit_page: string | null;
  page_count: number;
  event_count: number;
  referrer_domain: string | null;
  source: string | null;
  medium: string | null;
  campaign: string | null;
  device_type: string | null;
  browser: string | null;
  os: string | null;
  country: string | null;
  start_us: string;
}

const SESSION_COLUMNS = `s.session_id, s.visitor_index, s.visitor_id, s.started_at, s.ended_at, s.entry_page, s.exit_page, s.page_count,
  s.event_count, s.referrer_domain, s.source, s.medium, s.campaign, s.device_type, s.browser, s.os, s.country,
  ((extract(epoch FROM s.started_at) * 1000000)::bigint)::text AS start_us`;

export interface VisitorRow {
  visitor_index: number;
  visitor_id: string;
  user_id: string | null;
  traits: Record<string, unknown>;
  traits_at: Date;
  first_seen: Date;
  last_seen: Date;
  event_count: number;
}

export function createSessionStore(pool: Pool) {
  return {
    /** Newest first, keyset on (started_at, session_id). */
    async page(projectId: string, from: string, to: string, visitorIndexes: number[] | undefined, limit: number, after: EventCursor | null): Promise<SessionRow[]> {
      const values: unknown[] = [projectId, from, to, limit + 1];
      let where = 's.project_id = $1 AND s.started_at >= $2::timestamptz AND s.started_at < $3::timestamptz';
      if (visitorIndexes) {
        values.push(visitorIndexes);
        where += ` AND s.visitor_index = ANY($${values.length}::int[])`;
      }
      if (after) {
        values.push(after.us, after.id);
        where += ` AND (s.started_at, s.session_id) < (timestamptz 'epoch' + $${values.length - 1}::bigint * interval '1 microsecond', $${values.length})`;
      }
      const sql = `SELECT ${SESSION_COLUMNS} FROM sessions s WHERE ${where} ORDER BY s.started_at DESC, s.session_id DESC LIMIT $4`;
      return (await pool.query<SessionRow>(sql, values)).rows;
    },

    async visitorRows(projectId: string, indexes: number[]): Promise<VisitorRow[]> {
      const { rows } = await pool.query<VisitorRow>(
        `SELECT visitor_index, visitor_id, user_id, traits, traits_at, first_seen, last_seen, event_count
         FROM visitors WHERE project_id = $1 AND visitor_index = ANY($2::int[])`,
        [projectId, indexes],
      );
      return rows;
    },

    async lastSessions(projectId: string, indexes: number[], limit: number): Promise<{ rows: SessionRow[]; total: number }> {
      const [page, count] = await Promise.all([
        pool.query<SessionRow>(
          `SELECT ${SESSION_COLUMNS} FROM sessions s WHERE s.project_id = $1 AND s.visitor_index = ANY($2::int[])
           ORDER BY s.started_at DESC, s.session_id DESC LIMIT $3`,
          [projectId, indexes, limit],
        ),
        pool.query<{ n: string }>('SELECT count(*) AS n FROM sessions WHERE project_id = $1 AND visitor_index = ANY($2::int[])', [projectId, indexes]),
      ]);
      return { rows: page.rows, total: Number(count.rows[0]!.n) };
    },

    async lastEvents(projectId: string, indexes: number[], limit: number): Promise<EventRow[]> {
      const { rows } = await pool.query<EventRow>(
        `SELECT ${EVENT_COLUMNS} FROM events e WHERE e.project_id = $1 AND e.visitor_index = ANY($2::int[])
         ORDER BY e."timestamp" DESC, e.message_id DESC LIMIT $3`,
        [projectId, indexes, limit],
      );
      return rows;
    },
  };
}
export type SessionStore = ReturnType<typeof createSessionStore>;
