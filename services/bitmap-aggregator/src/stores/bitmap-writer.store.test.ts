import fc from 'fast-check';
import { patchOf } from './bitmap-writer.store';

/** Redis's bit order: offset o is bit 7 - (o % 8) of byte o >> 3 (SETBIT, BITFIELD u1). */
const redisBit = (bitmap: Buffer, offset: number) => (bitmap[offset >> 3]! >> (7 - (offset & 7))) & 1;

describe('patchOf', () => {
  it('sets exactly the visitors’ bits (repeats allowed), in Redis bit order, up to the byte of the highest', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 5000 }), { minLength: 1, maxLength: 200 }), (visitors) => {
        const patch = patchOf(visitors, Infinity)!;
        expect(patch.length).toBe((Math.max(...visitors) >> 3) + 1);
        const set = new Set(visitors);
        for (let offset = 0; offset < patch.length * 8; offset++) expect(redisBit(patch, offset)).toBe(set.has(offset) ? 1 : 0);
      }),
    );
  });

  it('is null when the bitmap would be more bytes per visitor than allowed', () => {
    expect(patchOf([0, 9], 1)).toEqual(Buffer.from([0x80, 0x40]));
    expect(patchOf([800], 100)).toBeNull();
    expect(patchOf([799], 100)).not.toBeNull();
    expect(patchOf([], Infinity)).toBeNull();
    expect(patchOf([3], 0)).toBeNull();
  });
});
