import { canonicalVisitorIndex, memoryMergeStore, type MergeStore } from './merges';

describe('merges', () => {
  it('follows chains of merges to the canonical visitor, per project, and is idempotent', async () => {
    const store = memoryMergeStore();
    // Visitor 3 merged into 2, later 2 (with 3) into 0; a redelivery records the same facts again.
    await store.recordMerge('p', [3], 2);
    await store.recordMerge('p', [2, 5], 0);
    await store.recordMerge('p', [2, 5], 0);
    expect(await Promise.all([0, 2, 3, 5, 7].map((i) => canonicalVisitorIndex(store, 'p', i)))).toEqual([0, 0, 0, 0, 7]);
    expect(await canonicalVisitorIndex(store, 'other', 3)).toBe(3);
  });

  it('names a store that holds a cycle instead of looping', async () => {
    const cyclic: MergeStore = { mergedInto: (_p, i) => (i === 1 ? 2 : 1), recordMerge: () => {} };
    await expect(canonicalVisitorIndex(cyclic, 'p', 1)).rejects.toThrow('longer than 1000 hops');
  });
});
