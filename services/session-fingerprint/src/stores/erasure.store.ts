import type { PoolClient } from 'pg';
import { erasureIdHash, type Erasure } from '@sightline/contracts';
import { anonymousAlias, fingerprintAlias, userAlias } from '../domain/identity.handler';

/** The alias ids a legacy request's plain visitor ids may stand for (records before 2026-12-03). */
export function aliasCandidates(visitorIds: string[]): string[] {
  return visitorIds.flatMap((id) => (id.startsWith('fp_') ? [fingerprintAlias(id.slice(3)), userAlias(id), anonymousAlias(id)] : [userAlias(id), anonymousAlias(id)]));
}

/** The id an alias stands for, as the gateway hashes it: the userId, the anonymousId, or the `fp_` visitorId. */
export function plainIdOfAlias(aliasId: string): string {
  return aliasId.startsWith('f:') ? `fp_${aliasId.slice(2)}` : aliasId.slice(2);
}

const SCAN_PAGE = 10_000;

/**
 * The visitors a request names by keyed hash only (the event store did not know them when it was
 * made): every alias of the project is hashed and compared. A scan, paged by the primary key,
 * that only such an erasure pays (issue #16 finding 7c: the request carries no plain id).
 */
async function visitorsByHash(client: PoolClient, projectId: string, idHashes: string[], secret: string): Promise<number[]> {
  const wanted = new Set(idHashes);
  const found: number[] = [];
  let after = '';
  for (;;) {
    const page = await client.query<{ alias_id: string; visitor_index: number }>(
      'SELECT alias_id, visitor_index FROM visitor_aliases WHERE project_id = $1 AND alias_id > $2 ORDER BY alias_id LIMIT $3',
      [projectId, after, SCAN_PAGE],
    );
    for (const row of page.rows) if (wanted.has(erasureIdHash(secret, projectId, plainIdOfAlias(row.alias_id)))) found.push(row.visitor_index);
    if (page.rows.length < SCAN_PAGE) return found;
    after = page.rows[page.rows.length - 1]!.alias_id;
  }
}

/** The visitors an erasure request names: by index (following a merge the event store had not seen yet), by legacy plain id, else by keyed hash. */
async function namedVisitors(client: PoolClient, erasure: Erasure, secret: string): Promise<number[]> {
  const { projectId } = erasure;
  const direct = new Set<number>();
  if (erasure.visitorIndexes?.length) {
    // Merges re-point every absorbed visitor to the survivor (merged_into is one hop).
    const rows = await client.query<{ visitor_index: number; merged_into: number | null }>(
      'SELECT visitor_index, merged_into FROM visitors WHERE project_id = $1 AND visitor_index = ANY($2::int[])',
      [projectId, erasure.visitorIndexes],
    );
    for (const r of rows.rows) direct.add(r.merged_into ?? r.visitor_index);
  }
  if (erasure.visitorIds?.length) {
    const rows = await client.query<{ visitor_index: number }>('SELECT DISTINCT visitor_index FROM visitor_aliases WHERE project_id = $1 AND alias_id = ANY($2::text[])', [projectId, aliasCandidates(erasure.visitorIds)]);
    for (const r of rows.rows) direct.add(r.visitor_index);
  }
  if (direct.size === 0 && erasure.idHashes?.length) for (const index of await visitorsByHash(client, projectId, erasure.idHashes, secret)) direct.add(index);
  return [...direct];
}

/**
 * Erases visitors inside the caller's project-locked transaction: their aliases are replaced by
 * keyed hashes (erasureIdHash(ERASURE_ID_SECRET, project, alias id), so that the ids are
 * recognised, not known, and a dictionary of ids does not reverse them), traits and sessions are
 * wiped, and the ledger rows that name them go. The index itself stays allocated (bitmaps are
 * dense) and is marked erased. Returns the erased indexes, the merged-in ones included.
 */
export async function eraseVisitors(client: PoolClient, erasure: Erasure, secret: string): Promise<number[]> {
  const { projectId } = erasure;
  const direct = await namedVisitors(client, erasure, secret);
  if (direct.length === 0) return [];
  const merged = await client.query<{ visitor_index: number }>('SELECT visitor_index FROM visitors WHERE project_id = $1 AND merged_into = ANY($2::int[])', [projectId, direct]);
  const indexes = [...new Set([...direct, ...merged.rows.map((r) => r.visitor_index)])].sort((a, b) => a - b);
  const aliases = await client.query<{ alias_id: string }>('DELETE FROM visitor_aliases WHERE project_id = $1 AND visitor_index = ANY($2::int[]) RETURNING alias_id', [projectId, indexes]);
  await client.query('INSERT INTO erased_ids (project_id, id_hash) SELECT $1, h FROM unnest($2::text[]) AS h ON CONFLICT DO NOTHING', [
    projectId,
    aliases.rows.map((r) => erasureIdHash(secret, projectId, r.alias_id)),
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
