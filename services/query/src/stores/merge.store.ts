import type { PoolClient } from 'pg';

export interface Merge {
  projectId: string;
  /** The visitor index the merged one became. */
  into: number;
  merged: number;
  at: string;
}

/**
 * Union of two people: every index of the merged person's group is re-pointed at the root of
 * the surviving person's group, so each alias row names its group's root directly (one join at
 * query time, no recursion). Re-applying a merge is a no-op.
 */
export async function applyMerges(client: PoolClient, merges: Merge[]): Promise<void> {
  for (const m of merges) {
    const roots = await client.query<{ visitor_index: number; canonical_index: number }>(
      'SELECT visitor_index, canonical_index FROM visitor_aliases WHERE project_id = $1 AND visitor_index = ANY($2::int[])',
      [m.projectId, [m.into, m.merged]],
    );
    const rootOf = (i: number) => roots.rows.find((r) => r.visitor_index === i)?.canonical_index ?? i;
    const newRoot = rootOf(m.into);
    const oldRoot = rootOf(m.merged);
    if (newRoot === oldRoot) continue;
    await client.query(
      'UPDATE visitor_aliases SET canonical_index = $3, merged_at = $4 WHERE project_id = $1 AND canonical_index = $2',
      [m.projectId, oldRoot, newRoot, m.at],
    );
    await client.query(
      `INSERT INTO visitor_aliases (project_id, visitor_index, canonical_index, merged_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (project_id, visitor_index) DO UPDATE SET canonical_index = excluded.canonical_index, merged_at = excluded.merged_at`,
      [m.projectId, oldRoot, newRoot, m.at],
    );
    // The surviving root must not itself point elsewhere (a cycle would hide both).
    await client.query('DELETE FROM visitor_aliases WHERE project_id = $1 AND visitor_index = $2', [m.projectId, newRoot]);
  }
}
