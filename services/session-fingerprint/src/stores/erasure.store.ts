import type { PoolClient } from 'pg';
import { erasedIdHash } from '../handlers/fingerprint.handler';
import { anonymousAlias, fingerprintAlias, userAlias } from '../handlers/identity.handler';

/** The alias ids an erasure request's visitor ids may stand for. */
export function aliasCandidates(visitorIds: string[]): string[] {
  return visitorIds.flatMap((id) => (id.startsWith('fp_') ? [fingerprintAlias(id.slice(3)), userAlias(id), anonymousAlias(id)] : [userAlias(id), anonymousAlias(id)]));
}

/**
 * Erases visitors inside the caller's project-locked transaction: their aliases are replaced by
 * one-way hashes (so that the ids are recognised, not known), traits and sessions are wiped,
 * and the ledger rows that name them go. The index itself stays allocated (bitmaps are dense)
 * and is marked erased. Returns the erased indexes, the merged-in ones included.
 */
export async function eraseVisitors(client: PoolClient, projectId: string, visitorIds: string[]): Promise<number[]> {
  const found = await client.query<{ visitor_index: number }>(
    'SELECT DISTINCT visitor_index FROM visitor_aliases WHERE project_id = $1 AND alias_id = ANY($2::text[])',
    [projectId, aliasCandidates(visitorIds)],
  );
  if (found.rows.length === 0) return [];
  const direct = found.rows.map((r) => r.visitor_index);
  const merged = await client.query<{ visitor_index: number }>('SELECT visitor_index FROM visitors WHERE project_id = $1 AND merged_into = ANY($2::int[])', [projectId, direct]);
  const indexes = [...new Set([...direct, ...merged.rows.map((r) => r.visitor_index)])].sort((a, b) => a - b);
  const aliases = await client.query<{ alias_id: string }>('DELETE FROM visitor_aliases WHERE project_id = $1 AND visitor_index = ANY($2::int[]) RETURNING alias_id', [projectId, indexes]);
  await client.query('INSERT INTO erased_ids (project_id, id_hash) SELECT $1, h FROM unnest($2::text[]) AS h ON CONFLICT DO NOTHING', [
    projectId,
    aliases.rows.map((r) => erasedIdHash(projectId, r.alias_id)),
  ]);
  await client.query(
    `UPDATE visitors SET erased = true, visitor_id = NULL, user_id = NULL, traits = '{}', session_id = NULL, session_started_at = NULL,
       session_last_at = NULL, session_campaign = NULL, session_entry_page = NULL, session_last_page = NULL
     WHERE project_id = $1 AND visitor_index = ANY($2::int[])`,
    [projectId, indexes],
  );
  await client.query('DELETE FROM event_ledger WHERE project_id = $1 AND visitor_index = ANY($2::int[])', [projectId, indexes]);
  return indexes;
}
