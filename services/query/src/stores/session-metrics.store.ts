import type { Pool } from 'pg';
import { SqlParams } from './event-filter';

export interface SessionMetricsRequest {
  projectId: string;
  from: string;
  to: string;
  interval?: 'minute' | 'hour' | 'day' | 'week' | 'month' | 'year';
  timeZone: string;
  /**
   * The visitors to keep, as the aggregator's bitmap (bit i = visitor index i, most significant
   * bit of byte 0 first). A session counts when its person's current index is set. Undefined = all.
   */
  visitors?: Buffer;
}

export interface SessionMetricsBucket {
  /** Bucket start (UTC ISO), or null when no interval was asked. */
  start: string | null;
  visits: number;
  pageviews: number;
  bounces: number;
  durationSeconds: number;
}

/**
 * Sums over the sessions that started in [from, to) (the sessions table is kept exact, in any
 * event order, by the event store's fold): visits, their pageviews, bounces (a visit of exactly
 * one event) and total duration (last event − first event), per interval bucket in the zone.
 * One range scan of the (project, started_at) index, bounded by the 400-day range limit.
 */
export function createSessionMetricsStore(pool: Pool) {
  return {
    async buckets(req: SessionMetricsRequest): Promise<SessionMetricsBucket[]> {
      const params = new SqlParams();
      const where = [`s.project_id = ${params.add(req.projectId)}`, `s.started_at >= ${params.add(req.from)}::timestamptz`, `s.started_at < ${params.add(req.to)}::timestamptz`];
      // A merged visitor's sessions carry its old index; the aggregator's bitmaps name the person's root.
      const person = 'coalesce(a.canonical_index, s.visitor_index)';
      let join = '';
      if (req.visitors) {
        join = 'LEFT JOIN visitor_aliases a ON a.project_id = s.project_id AND a.visitor_index = s.visitor_index';
        const bits = params.add(req.visitors);
        where.push(`CASE WHEN (${person} >> 3) < length(${bits}::bytea) THEN (get_byte(${bits}::bytea, ${person} >> 3) & (128 >> (${person} & 7))) <> 0 ELSE false END`);
      }
      const bucket = req.interval ? `date_trunc(${params.add(req.interval)}, s.started_at, ${params.add(req.timeZone)})` : 'NULL::timestamptz';
      const sql = `
        SELECT ${bucket} AS start, count(*)::bigint::text AS visits, coalesce(sum(s.page_count), 0)::bigint::text AS pageviews,
               count(*) FILTER (WHERE s.event_count = 1)::bigint::text AS bounces,
               coalesce(sum(extract(epoch FROM s.ended_at - s.started_at)), 0)::float8 AS duration
        FROM sessions s ${join}
        WHERE ${where.join(' AND ')}
        GROUP BY 1 ORDER BY 1`;
      const { rows } = await pool.query<{ start: Date | null; visits: string; pageviews: string; bounces: string; duration: number }>(sql, params.values);
      return rows.map((r) => ({ start: r.start ? r.start.toISOString() : null, visits: Number(r.visits), pageviews: Number(r.pageviews), bounces: Number(r.bounces), durationSeconds: r.duration }));
    },
  };
}
export type SessionMetricsStore = ReturnType<typeof createSessionMetricsStore>;
