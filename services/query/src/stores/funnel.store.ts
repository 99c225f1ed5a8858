import type { Pool } from 'pg';
import type { StepRow } from '../handlers/funnel.handler';
import { SqlParams } from './event-filter';

export interface FunnelFetch {
  projectId: string;
  steps: Array<{ event: string; where?: Record<string, unknown> }>;
  fromMs: number;
  /** Exclusive end of the events that can matter: `to` + window. */
  untilMs: number;
  /** Property whose value each row carries (breakdown by property). */
  propertyKey?: string;
  /** Raw visitor indexes (merged ones included) to restrict to. */
  visitorIndexes?: number[];
}

/**
 * Every stored event that matches some step, with its person (merges applied), time and step
 * bits; one index range scan per step name on (project, name, time).
 */
export async function fetchStepRows(pool: Pool, f: FunnelFetch): Promise<StepRow[]> {
  const params = new SqlParams();
  const project = params.add(f.projectId);
  const bits = f.steps
    .map((s, k) => {
      const where = s.where && Object.keys(s.where).length ? ` AND e.properties @> ${params.add(JSON.stringify(s.where))}::jsonb` : '';
      return `(CASE WHEN e.name = ${params.add(s.event)}${where} THEN ${1 << k} ELSE 0 END)`;
    })
    .join(' | ');
  const names = params.add([...new Set(f.steps.map((s) => s.event))]);
  const value = f.propertyKey ? `, e.properties ->> ${params.add(f.propertyKey)}` : '';
  const restrict = f.visitorIndexes ? ` AND e.visitor_index = ANY(${params.add(f.visitorIndexes)}::int[])` : '';
  const sql = `
    SELECT coalesce(a.canonical_index, e.visitor_index), extract(epoch FROM e."timestamp") * 1000, e.message_id, ${bits}${value}
    FROM events e LEFT JOIN visitor_aliases a ON a.project_id = e.project_id AND a.visitor_index = e.visitor_index
    WHERE e.project_id = ${project} AND e.name = ANY(${names}::text[])
      AND e."timestamp" >= to_timestamp(${params.add(f.fromMs / 1000)}::float8) AND e."timestamp" < to_timestamp(${params.add(f.untilMs / 1000)}::float8)${restrict}`;
  const { rows } = await pool.query<unknown[]>({ text: sql, values: params.values, rowMode: 'array' });
  return rows.flatMap((r) => {
    const bitsValue = r[3] as number;
    if (bitsValue === 0) return [];
    return [{ visitor: r[0] as number, time: Number(r[1]), id: r[2] as string, bits: bitsValue, value: f.propertyKey ? (r[4] as string | null) : undefined }];
  });
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
