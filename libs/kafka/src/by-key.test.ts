import { groupByKey, runByKey } from './by-key';

describe('runByKey', () => {
  it('keeps order within a key and never exceeds the concurrency', async () => {
    const items = Array.from({ length: 60 }, (_, i) => ({ key: `k${i % 7}`, seq: i }));
    const seen = new Map<string, number[]>();
    let inFlight = 0;
    let maxInFlight = 0;
    let beats = 0;
    await runByKey(
      items,
      (i) => i.key,
      3,
      async (key, group) => {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await new Promise((r) => setTimeout(r, 2));
        seen.set(key, group.map((g) => g.seq));
        inFlight--;
      },
      async () => {
        beats++;
      },
    );
    expect(maxInFlight).toBe(3);
    expect(beats).toBe(7);
    for (const [key, seqs] of seen) {
      expect(seqs).toEqual(items.filter((i) => i.key === key).map((i) => i.seq));
    }
  });

  it('groups preserving first-seen key order', () => {
    expect([...groupByKey(['b1', 'a1', 'b2'], (s) => s[0]!).keys()]).toEqual(['b', 'a']);
  });
});
