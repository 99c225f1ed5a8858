import type { Pool } from 'pg';
import { CONTEXT_FIELDS } from '../domain/request.schemas';
import type { EventCursor } from '../domain/cursor.handler';
import type { EventAttributeColumns } from './event-columns';
import { SqlParams, whereOf, type EventFilter } from './event-filter';

export const EVENT_COLUMNS = `e.project_id, e.message_id, e."timestamp", e.received_at, e.type, e.name, e.category, e.visitor_index,
  e.visitor_id, e.user_id, e.anonymous_id, e.session_id, e.properties, e.context, e.page_path, e.referrer_domain, e.source,
  e.medium, e.campaign, e.country, e.browser, e.os, e.device_type, e.is_bot,
  ((extract(epoch FROM e."timestamp") * 1000000)::bigint)::text AS ts_us`;

export interface EventRow extends EventAttributeColumns {
  message_id: string;
  timestamp: Date;
  received_at: Date;
  type: string;
  name: string;
  category: string | null;
  visitor_index: number;
  visitor_id: string;
  properties: Record<string, unknown>;
  context: Record<string, unknown>;
  ts_us: string;
}

export interface CountsRequest {
  filter: EventFilter;
  interval?: 'minute' | 'hour' | 'day' | 'week' | 'month';
  timeZone: string;
  breakdown?: string;
  limit: number;
}

export function breakdownExpression(field: string, params: SqlParams): string {
  if (field.startsWith('properties.')) return `e.properties ->> ${params.add(field.slice('properties.'.length))}`;
  return `e.${CONTEXT_FIELDS[field as keyof typeof CONTEXT_FIELDS]}`;
}

export function createEventLogStore(pool: Pool) {
  return {
    /** One page, keyset on (timestamp, messageId); fetches one extra row to know if more exist. */
    async page(filter: EventFilter, order: 'asc' | 'desc', limit: number, after: EventCursor | null): Promise<EventRow[]> {
      const params = new SqlParams();
      let where = whereOf(filter, params);
      if (after) {
        const op = order === 'desc' ? '<' : '>';
        where += ` AND (e."timestamp", e.message_id) ${op} (timestamptz 'epoch' + ${params.add(after.us)}::bigint * interval '1 microsecond', ${params.add(after.id)})`;
      }
      const dir = order === 'desc' ? 'DESC' : 'ASC';
      const sql = `SELECT ${EVENT_COLUMNS} FROM events e WHERE ${where} ORDER BY e."timestamp" ${dir}, e.message_id ${dir} LIMIT ${params.add(limit + 1)}`;
      return (await pool.query<EventRow>(sql, params.values)).rows;
    },

    async count(filter: EventFilter): Promise<number> {
      const params = new SqlParams();
      const { rows } = await pool.query<{ n: string }>(`SELECT count(*) AS n FROM events e WHERE ${whereOf(filter, params)}`, params.values);
      return Number(rows[0]!.n);
    },

    async series(req: CountsRequest): Promise<Array<{ start: string; count: number }>> {
      if (!req.interval) return [];
      const params = new SqlParams();
      const where = whereOf(req.filter, params);
      const iv = params.add(req.interval);
      const tz = params.add(req.timeZone);
      const sql = `
        WITH buckets AS (
          SELECT g AT TIME ZONE ${tz} AS start
          FROM generate_series(date_trunc(${iv}, ${params.add(req.filter.from)}::timestamptz, ${tz}) AT TIME ZONE ${tz},
                               (${params.add(req.filter.to)}::timestamptz - interval '1 microsecond') AT TIME ZONE ${tz},
                               ('1 ' || ${iv})::interval) AS g
        ),
        counted AS (
          SELECT date_trunc(${iv}, e."timestamp", ${tz}) AS start, count(*) AS n FROM events e WHERE ${where} GROUP BY 1
        )
        SELECT b.start, coalesce(c.n, 0)::bigint::text AS n FROM buckets b LEFT JOIN counted c ON c.start = b.start ORDER BY b.start`;
      const { rows } = await pool.query<{ start: Date; n: string }>(sql, params.values);
      return rows.map((r) => ({ start: r.start.toISOString(), count: Number(r.n) }));
    },

    async breakdown(req: CountsRequest, total: number): Promise<Array<{ value: string | null; count: number }>> {
      const params = new SqlParams();
      const where = whereOf(req.filter, params);
      const expr = breakdownExpression(req.breakdown!, params);
      const sql = `SELECT ${expr} AS value, count(*)::bigint::text AS n FROM events e WHERE ${where}
                   GROUP BY 1 ORDER BY count(*) DESC, 1 ASC NULLS LAST LIMIT ${params.add(req.limit)}`;
      const { rows } = await pool.query<{ value: string | null; n: string }>(sql, params.values);
      const top = rows.map((r) => ({ value: r.value, count: Number(r.n) }));
      const rest = total - top.reduce((s, r) => s + r.count, 0);
      if (rest > 0) top.push({ value: '$other', count: rest });
      return top;
    },
  };
}
export type EventLogStore = ReturnType<typeof createEventLogStore>;
