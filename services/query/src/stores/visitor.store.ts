import type { Pool } from 'pg';

export interface VisitorGroup {
  root: number;
  /** The root and every index merged into it. */
  indexes: number[];
}

export interface VisitorStore {
  /** The person a visitor id belongs to now (after merges), or null when unknown. */
  resolveGroup(projectId: string, visitorId: string): Promise<VisitorGroup | null>;
  /** For each index: its person's root index and the root's visitor id. */
  people(projectId: string, indexes: number[]): Promise<Map<number, { root: number; visitorId: string }>>;
  /** Indexes of every visitor merged into one of `roots`, and the roots. */
  expand(projectId: string, roots: number[]): Promise<number[]>;
  /** The persons (roots) any of `indexes` belongs to, and every index of those persons. */
  groupsOf(projectId: string, indexes: number[]): Promise<{ roots: number[]; indexes: number[] }>;
}

export function createVisitorStore(pool: Pool): VisitorStore {
  return {
    async resolveGroup(projectId, visitorId) {
      const { rows } = await pool.query<{ root: number }>(
        `SELECT coalesce(a.canonical_index, v.visitor_index) AS root FROM visitors v
         LEFT JOIN visitor_aliases a ON a.project_id = v.project_id AND a.visitor_index = v.visitor_index
         WHERE v.project_id = $1 AND v.visitor_id = $2 LIMIT 1`,
        [projectId, visitorId],
      );
      if (!rows[0]) return null;
      const root = rows[0].root;
      return { root, indexes: await this.expand(projectId, [root]) };
    },
    async people(projectId, indexes) {
      const { rows } = await pool.query<{ visitor_index: number; root: number; visitor_id: string }>(
        `SELECT i AS visitor_index, coalesce(a.canonical_index, i) AS root, v.visitor_id
         FROM unnest($2::int[]) AS i
         LEFT JOIN visitor_aliases a ON a.project_id = $1 AND a.visitor_index = i
         JOIN visitors v ON v.project_id = $1 AND v.visitor_index = coalesce(a.canonical_index, i)`,
        [projectId, [...new Set(indexes)]],
      );
      return new Map(rows.map((r) => [r.visitor_index, { root: r.root, visitorId: r.visitor_id }]));
    },
    async expand(projectId, roots) {
      if (roots.length === 0) return [];
      const { rows } = await pool.query<{ visitor_index: number }>(
        'SELECT visitor_index FROM visitor_aliases WHERE project_id = $1 AND canonical_index = ANY($2::int[])',
        [projectId, roots],
      );
      return [...new Set([...roots, ...rows.map((r) => r.visitor_index)])];
    },
    async groupsOf(projectId, indexes) {
      const { rows } = await pool.query<{ visitor_index: number; canonical_index: number }>(
        'SELECT visitor_index, canonical_index FROM visitor_aliases WHERE project_id = $1 AND visitor_index = ANY($2::int[])',
        [projectId, indexes],
      );
      if (rows.length === 0) return { roots: indexes, indexes };
      const rootOf = new Map(rows.map((r) => [r.visitor_index, r.canonical_index]));
      const roots = [...new Set(indexes.map((i) => rootOf.get(i) ?? i))];
      return { roots, indexes: await this.expand(projectId, roots) };
    },
  };
}
