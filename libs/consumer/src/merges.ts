/**
 * Merges (docs/identity.md): an event with `mergedVisitorIndexes: [a, b]` says that visitors a
 * and b are, from then on, the event's `visitorIndex`. An absorbed index is never reused, so
 * the relation is a forest: following "merged into" ends at the canonical visitor.
 * Events of an absorbed index can still arrive after the merge (they are keyed, hence
 * partitioned, by their own index, and a replay keeps pre-merge indexes), so a consumer asks
 * for the canonical index of every event instead of trusting `visitorIndex` alone.
 */
export interface MergeStore {
  /** The index `index` was merged into (one hop), if any. */
  mergedInto(projectId: string, index: number): Promise<number | undefined> | number | undefined;
  /** Records that `absorbed` were merged into `into`. Called again with the same facts on a redelivery: must be idempotent. */
  recordMerge(projectId: string, absorbed: readonly number[], into: number): Promise<void> | void;
}

/**
 * The merges in process memory. It starts empty, so after a restart it knows only the merges
 * read since: a consumer whose own state outlives the process keeps the merges with that
 * state (a MergeStore over its database) or folds absorbed visitors when it sees the merge.
 */
export function memoryMergeStore(): MergeStore {
  const into = new Map<string, number>();
  return {
    mergedInto: (projectId, index) => into.get(`${projectId}:${index}`),
    recordMerge(projectId, absorbed, target) {
      for (const index of absorbed) if (index !== target) into.set(`${projectId}:${index}`, target);
    },
  };
}

/** Hops followed at most; more means a store that does not hold a forest. */
const MAX_HOPS = 1000;

/** The visitor `index` is today: itself, or the end of its chain of merges. */
export async function canonicalVisitorIndex(store: MergeStore, projectId: string, index: number): Promise<number> {
  let current = index;
  for (let hops = 0; hops < MAX_HOPS; hops++) {
    const next = await store.mergedInto(projectId, current);
    if (next === undefined || next === current) return current;
    current = next;
  }
  throw new Error(`merge chain of ${projectId}:${index} is longer than ${MAX_HOPS} hops (a cycle in the merge store?)`);
}
