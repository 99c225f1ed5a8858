import fc from 'fast-check';
import { overlap, partIndexes, PARTS, type Part } from './views.routes';

/** A Redis-style bitmap of a set of visitor indexes (MSB of byte 0 = index 0). */
function bitmap(set: Set<number>): Uint8Array {
  const out = new Uint8Array(set.size ? Math.floor(Math.max(...set) / 8) + 1 : 0);
  for (const i of set) out[i >> 3] |= 0x80 >> (i & 7);
  return out;
}

function members(a: Set<number>, b: Set<number>, part: Part): number[] {
  const all = [...new Set([...a, ...b])].sort((x, y) => x - y);
  const keep = { both: (i: number) => a.has(i) && b.has(i), onlyA: (i: number) => a.has(i) && !b.has(i), onlyB: (i: number) => !a.has(i) && b.has(i), a: (i: number) => a.has(i), b: (i: number) => b.has(i) }[part];
  return all.filter(keep);
}

const sets = fc.tuple(fc.uniqueArray(fc.integer({ min: 0, max: 300 }), { maxLength: 80 }), fc.uniqueArray(fc.integer({ min: 0, max: 300 }), { maxLength: 80 }));

describe('compare populations on visitor bitmaps', () => {
  it('counts both, only A, only B and either as set arithmetic does (bitmaps of different lengths too)', () => {
    fc.assert(
      fc.property(sets, ([xs, ys]) => {
        const a = new Set(xs);
        const b = new Set(ys);
        expect(overlap(bitmap(a), bitmap(b))).toEqual({
          a: a.size,
          b: b.size,
          both: members(a, b, 'both').length,
          onlyA: members(a, b, 'onlyA').length,
          onlyB: members(a, b, 'onlyB').length,
          either: new Set([...a, ...b]).size,
        });
      }),
    );
  });

  it('pages every part in index order: no one lost or repeated across pages, `more` only when someone follows', () => {
    fc.assert(
      fc.property(sets, fc.constantFrom(...PARTS), fc.integer({ min: 1, max: 7 }), ([xs, ys], part, limit) => {
        const a = new Set(xs);
        const b = new Set(ys);
        const want = members(a, b, part);
        const got: number[] = [];
        let after = -1;
        for (let guard = 0; guard < 1000; guard++) {
          const page = partIndexes(bitmap(a), bitmap(b), part, after, limit);
          expect(page.indexes.length).toBeLessThanOrEqual(limit);
          got.push(...page.indexes);
          if (!page.more) break;
          expect(page.indexes.length).toBe(limit);
          after = page.indexes[page.indexes.length - 1]!;
        }
        expect(got).toEqual(want);
      }),
    );
  });
});
