import type { Pool } from 'pg';
import { SqlParams } from './event-filter';

export interface FunnelFetch {
  projectId: string;
  steps: Array<{ event: string; where?: Record<string, unknown> }>;
  fromMs: number;
  /** Exclusive end of the events that can matter: `to` + window. */
  untilMs: number;
  /** Property whose value each record carries (breakdown by property). */
  propertyKey?: string;
  /** Raw visitor indexes (merged ones included) to restrict to. */
  visitorIndexes?: number[];
}

/**
 * Every stored event that matches some step, in the binary format of step-blob.handler.ts: its
 * person (merges applied), time, step bits and messageId. The time range is cut into `shards`
 * consecutive slices whose queries run on separate connections (and cores) at once; each reads
 * only its slice of the index. Without property filters that read is an index-only scan of
 * (project, name, time, messageId, visitor).
 */
export async function fetchStepBuffers(pool: Pool, f: FunnelFetch, shards: number): Promise<Buffer[]> {
  const params = new SqlParams();
  const project = params.add(f.projectId);
  const bits = f.steps
    .map((s, k) => {
      const where = s.where && Object.keys(s.where).length ? ` AND e.properties @> ${params.add(JSON.stringify(s.where))}::jsonb` : '';
      return `(CASE WHEN e.name = ${params.add(s.event)}${where} THEN ${1 << k} ELSE 0 END)`;
    })
    .join(' | ');
  const names = params.add([...new Set(f.steps.map((s) => s.event))]);
  // Without property filters every event with a step's name matches a step: no need to test.
  const filtered = f.steps.some((s) => s.where && Object.keys(s.where).length > 0);
  const value = f.propertyKey
    ? ` || coalesce(int4send(octet_length(e.properties ->> ${params.add(f.propertyKey)})) || convert_to(e.properties ->> ${params.add(f.propertyKey)}, 'UTF8'), int4send(-1))`
    : '';
  const restrict = f.visitorIndexes ? ` AND e.visitor_index = ANY(${params.add(f.visitorIndexes)}::int[])` : '';
  const from = params.add(0);
  const until = params.add(0);
  // Most projects have no merges in most ranges; then the alias join is pure cost.
  const merged = (await pool.query('SELECT 1 FROM visitor_aliases WHERE project_id = $1 LIMIT 1', [f.projectId])).rowCount! > 0;
  const person = merged ? 'coalesce(a.canonical_index, e.visitor_index)' : 'e.visitor_index';
  const join = merged ? 'LEFT JOIN visitor_aliases a ON a.project_id = e.project_id AND a.visitor_index = e.visitor_index' : '';
  // Time as integer microseconds from date_part (float8), which costs half of extract (numeric).
  const sql = `
    SELECT string_agg(int4send(${person}) || int8send((date_part('epoch', e."timestamp") * 1000000)::bigint) || int4send(${bits})
                      || int4send(octet_length(e.message_id)) || convert_to(e.message_id, 'UTF8')${value}, ''::bytea) AS blob
    FROM events e ${join}
    WHERE e.project_id = ${project} AND e.name = ANY(${names}::text[])
      AND e."timestamp" >= to_timestamp(${from}::float8) AND e."timestamp" < to_timestamp(${until}::float8)${restrict}
      ${filtered ? `AND (${bits}) <> 0` : ''}`;
  return Promise.all(
    Array.from({ length: shards }, async (_, k) => {
      const values = [...params.values];
      const span = f.untilMs - f.fromMs;
      // Slice bounds in whole milliseconds so that consecutive slices meet exactly.
      values[values.length - 2] = (f.fromMs + Math.floor((span * k) / shards)) / 1000;
      values[values.length - 1] = (k === shards - 1 ? f.untilMs : f.fromMs + Math.floor((span * (k + 1)) / shards)) / 1000;
      // Text format (hex, decoded natively by pg): node-pg's binary mode turns row data into a
      // UTF-8 string first, which mangles arbitrary bytes. A shard's hex must stay under V8's
      // string limit (~512 MB), about 8M step events; raise FUNNEL_SHARDS beyond that.
      const { rows } = await pool.query<{ blob: Buffer | null }>(sql, values);
      return rows[0]?.blob ?? Buffer.alloc(0);
    }),
  );
}

/** The latest-known trait of each person (any of its merged visitors, newest traits win). */
export async function traitsOf(pool: Pool, projectId: string, roots: number[], key: string): Promise<Map<number, string | null>> {
  if (roots.length === 0) return new Map();
  const { rows } = await pool.query<{ root: number; value: string | null }>(
    `SELECT coalesce(a.canonical_index, v.visitor_index) AS root, (array_agg(v.traits ->> $3 ORDER BY v.traits_at DESC))[1] AS value
     FROM visitors v LEFT JOIN visitor_aliases a ON a.project_id = v.project_id AND a.visitor_index = v.visitor_index
     WHERE v.project_id = $1 AND coalesce(a.canonical_index, v.visitor_index) = ANY($2::int[])
     GROUP BY 1`,
    [projectId, roots, key],
  );
  return new Map(rows.map((r) => [r.root, r.value]));
}
