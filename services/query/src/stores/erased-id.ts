import { DEVELOPMENT_ERASURE_ID_SECRET } from '@sightline/config';
import { erasureIdHash } from '@sightline/contracts';

/** Ids hashed per process before the memo starts over: a visitor sends many events, each needs its ids hashed. */
const MEMO_SIZE = 100_000;

export type ErasedIdHasher = (projectId: string, id: string | null | undefined) => string | null;

/**
 * What the event store keeps of an erased id: erasureIdHash(ERASURE_ID_SECRET, projectId, id),
 * the form erasures.v1 names it by (issue #16 finding 7c). Enough to refuse a replayed event of
 * the erased person (its ids hash the same) without keeping the ids, and a dictionary of ids does
 * not reverse it without the secret (docs/identity.md). Memoised: the insert check hashes the
 * ids of every event, and one visitor's events share them.
 */
export function createErasedIdHasher(secret: string = DEVELOPMENT_ERASURE_ID_SECRET): ErasedIdHasher {
  const memo = new Map<string, string>();
  return (projectId, id) => {
    if (id === null || id === undefined) return null;
    const key = `${projectId}\n${id}`;
    let hash = memo.get(key);
    if (hash === undefined) {
      if (memo.size >= MEMO_SIZE) memo.clear();
      hash = erasureIdHash(secret, projectId, id);
      memo.set(key, hash);
    }
    return hash;
  };
}
