import { createHash } from 'node:crypto';

/**
 * What the event store keeps of an erased id: SHA-256(projectId "\n" id), hex — the same form
 * as the identity store's erased_ids. Enough to refuse a replayed event of the erased person
 * (its ids hash the same) without keeping the ids themselves (docs/identity.md).
 */
export function erasedIdHash(projectId: string, id: string): string {
  return createHash('sha256').update(`${projectId}\n${id}`).digest('hex');
}

/** erasedIdHash in SQL, of `column` and the row's `t.project_id` (null when the column is). */
export function erasedIdHashSql(column: string): string {
  return `encode(sha256(convert_to(t.project_id || E'\\n' || ${column}, 'UTF8')), 'hex')`;
}
