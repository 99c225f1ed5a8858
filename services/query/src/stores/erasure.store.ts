import type { Pool, PoolClient } from 'pg';
import type { Erasure } from '@sightline/contracts';
import { ERASURE_LOCK } from './event.store';
import { createErasedIdHasher, type ErasedIdHasher } from './erased-id';
import { invalidateProjectBlocks } from './funnel-block.store';

export interface ErasureStore {
  /** Deletes the person (every merged index too) and remembers the ids' keyed hashes; returns events deleted. */
  erase(erasure: Erasure): Promise<number>;
}

/** The visitors named by index ($3) or, in records before 2026-12-03, by plain id ($2), with their merge group. */
const GROUP = `
WITH hit AS (
  SELECT visitor_index FROM visitors
  WHERE project_id = $1 AND (visitor_index = ANY($3::int[]) OR visitor_id = ANY($2::text[]) OR user_id = ANY($2::text[]) OR anonymous_id = ANY($2::text[]))
),
roots AS (
  SELECT coalesce(a.canonical_index, h.visitor_index) AS root
  FROM hit h LEFT JOIN visitor_aliases a ON a.project_id = $1 AND a.visitor_index = h.visitor_index
)
SELECT root AS visitor_index FROM roots
UNION SELECT a.visitor_index FROM visitor_aliases a WHERE a.project_id = $1 AND a.canonical_index IN (SELECT root FROM roots)`;

const SCAN_PAGE = 10_000;

/**
 * The visitors whose ids hash to one of `idHashes`: every visitor row of the project is hashed
 * and compared, paged by the primary key. Only a request made before this store knew the visitor
 * (it then carries no index) pays it.
 */
async function visitorsByHash(client: PoolClient, projectId: string, idHashes: string[], hash: ErasedIdHasher): Promise<number[]> {
  const wanted = new Set(idHashes);
  const found: number[] = [];
  for (let after = -1; ; ) {
    const page = await client.query<{ visitor_index: number; visitor_id: string; user_id: string | null; anonymous_id: string | null }>(
      'SELECT visitor_index, visitor_id, user_id, anonymous_id FROM visitors WHERE project_id = $1 AND visitor_index > $2 ORDER BY visitor_index LIMIT $3',
      [projectId, after, SCAN_PAGE],
    );
    for (const r of page.rows) if ([r.visitor_id, r.user_id, r.anonymous_id].some((id) => wanted.has(hash(projectId, id) ?? ''))) found.push(r.visitor_index);
    if (page.rows.length < SCAN_PAGE) return found;
    after = page.rows[page.rows.length - 1]!.visitor_index;
  }
}

/** `erasureIdSecret`: ERASURE_ID_SECRET (the development one when left out, as in tests). */
export function createErasureStore(pool: Pool, options: { erasureIdSecret?: string } = {}): ErasureStore {
  const hash = createErasedIdHasher(options.erasureIdSecret);
  return {
    async erase(erasure) {
      const { projectId } = erasure;
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        await client.query(ERASURE_LOCK, [projectId]);
        const indexes = [...(erasure.visitorIndexes ?? [])];
        // No index: the request was made before this store had seen the visitor (it lags, or is being rebuilt).
        if (indexes.length === 0 && erasure.idHashes) indexes.push(...(await visitorsByHash(client, projectId, erasure.idHashes, hash)));
        const group = (await client.query<{ visitor_index: number }>(GROUP, [projectId, erasure.visitorIds ?? [], indexes])).rows.map((r) => r.visitor_index);
        const known = await client.query<{ id: string }>(
          `SELECT DISTINCT id FROM visitors, LATERAL unnest(ARRAY[visitor_id, user_id, anonymous_id]) AS id
           WHERE project_id = $1 AND visitor_index = ANY($2::int[]) AND id IS NOT NULL`,
          [projectId, group],
        );
        // Kept as keyed hashes: enough to refuse the person's replayed events, not to name them.
        const ids = new Set([...(erasure.idHashes ?? []), ...[...(erasure.visitorIds ?? []), ...known.rows.map((r) => r.id)].map((id) => hash(projectId, id)!)]);
        await client.query(
          `INSERT INTO erased_ids (project_id, id, requested_at) SELECT $1, unnest($2::text[]), $3
           ON CONFLICT (project_id, id) DO UPDATE SET requested_at = greatest(erased_ids.requested_at, excluded.requested_at)`,
          [projectId, [...ids], erasure.requestedAt],
        );
        // And the indexes, which refuse the person's events also where the request named none of their ids.
        await client.query(
          `INSERT INTO erased_visitors (project_id, visitor_index, requested_at) SELECT $1, unnest($2::int[]), $3
           ON CONFLICT (project_id, visitor_index) DO UPDATE SET requested_at = greatest(erased_visitors.requested_at, excluded.requested_at)`,
          [projectId, [...new Set([...indexes, ...group])], erasure.requestedAt],
        );
        // Every event has a visitors row (written in the same transaction), so the group covers them all.
        const deleted = await client.query('DELETE FROM events WHERE project_id = $1 AND visitor_index = ANY($2::int[])', [projectId, group]);
        await client.query('DELETE FROM sessions WHERE project_id = $1 AND visitor_index = ANY($2::int[])', [projectId, group]);
        await client.query('DELETE FROM visitors WHERE project_id = $1 AND visitor_index = ANY($2::int[])', [projectId, group]);
        await client.query('DELETE FROM visitor_aliases WHERE project_id = $1 AND (visitor_index = ANY($2::int[]) OR canonical_index = ANY($2::int[]))', [projectId, group]);
        await invalidateProjectBlocks(client, projectId);
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
