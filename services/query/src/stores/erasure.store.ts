import type { Pool } from 'pg';
import type { Erasure } from '@sightline/contracts';
import { ERASURE_LOCK } from './event.store';
import { erasedIdHash } from './erased-id';

export interface ErasureStore {
  /** Deletes the person (every merged index too) and remembers the ids' hashes; returns events deleted. */
  erase(erasure: Erasure): Promise<number>;
}

const GROUP = `
WITH hit AS (
  SELECT visitor_index FROM visitors
  WHERE project_id = $1 AND (visitor_id = ANY($2::text[]) OR user_id = ANY($2::text[]) OR anonymous_id = ANY($2::text[]))
),
roots AS (
  SELECT coalesce(a.canonical_index, h.visitor_index) AS root
  FROM hit h LEFT JOIN visitor_aliases a ON a.project_id = $1 AND a.visitor_index = h.visitor_index
)
SELECT root AS visitor_index FROM roots
UNION SELECT a.visitor_index FROM visitor_aliases a WHERE a.project_id = $1 AND a.canonical_index IN (SELECT root FROM roots)`;

export function createErasureStore(pool: Pool): ErasureStore {
  return {
    async erase(erasure) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        await client.query(ERASURE_LOCK, [erasure.projectId]);
        const group = (await client.query<{ visitor_index: number }>(GROUP, [erasure.projectId, erasure.visitorIds])).rows.map((r) => r.visitor_index);
        const known = await client.query<{ id: string }>(
          `SELECT DISTINCT id FROM visitors, LATERAL unnest(ARRAY[visitor_id, user_id, anonymous_id]) AS id
           WHERE project_id = $1 AND visitor_index = ANY($2::int[]) AND id IS NOT NULL`,
          [erasure.projectId, group],
        );
        // Kept as hashes: enough to refuse the person's replayed events, not to name them.
        const ids = [...new Set([...erasure.visitorIds, ...known.rows.map((r) => r.id)])].map((id) => erasedIdHash(erasure.projectId, id));
        await client.query(
          `INSERT INTO erased_ids (project_id, id, requested_at) SELECT $1, unnest($2::text[]), $3
           ON CONFLICT (project_id, id) DO UPDATE SET requested_at = greatest(erased_ids.requested_at, excluded.requested_at)`,
          [erasure.projectId, ids, erasure.requestedAt],
        );
        // Every event has a visitors row (written in the same transaction), so the group covers them all.
        const deleted = await client.query('DELETE FROM events WHERE project_id = $1 AND visitor_index = ANY($2::int[])', [erasure.projectId, group]);
        await client.query('DELETE FROM sessions WHERE project_id = $1 AND visitor_index = ANY($2::int[])', [erasure.projectId, group]);
        await client.query('DELETE FROM visitors WHERE project_id = $1 AND visitor_index = ANY($2::int[])', [erasure.projectId, group]);
        await client.query('DELETE FROM visitor_aliases WHERE project_id = $1 AND (visitor_index = ANY($2::int[]) OR canonical_index = ANY($2::int[]))', [erasure.projectId, group]);
        await client.query('COMMIT');
        return deleted.rowCount ?? 0;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      } finally {
        client.release();
      }
    },
  };
}
