import { bitmapIndexes, entryCandidates, funnelQuery, queryFunnelBody } from './funnel-request';

describe('funnel request assembly', () => {
  it('reads a trait name as a trait breakdown', () => {
    const q = funnelQuery.parse({ from: '2026-11-01', to: '2026-11-08T00:00:00Z', steps: [{ event: 'a' }, { event: 'b' }], windowSeconds: 3600, breakdown: 'plan' });
    expect(q.breakdown).toEqual({ type: 'trait', key: 'plan' });
    expect(q.order).toBe('sequential');
    expect(q.from).toBe('2026-11-01T00:00:00.000Z');
  });

  it('bounds candidates by the entry step inside the range, except for any-order funnels', () => {
    const q = funnelQuery.parse({ from: '2026-11-01', to: '2026-11-02', steps: [{ event: 'a', where: { x: 1 } }, { event: 'b' }], windowSeconds: 60 });
    expect(entryCandidates(q)).toEqual({ from: q.from, to: q.to, dims: ['event:a'] });
    expect(entryCandidates({ ...q, order: 'any' })).toBeNull();
  });

  it('reads a visitor bitmap most significant bit first, and never sends the filter to the query service', () => {
    const set = [0, 7, 8, 13, 31];
    const bitmap = Buffer.alloc(4);
    for (const i of set) bitmap[i >> 3]! |= 0x80 >> (i & 7);
    expect(bitmapIndexes(bitmap)).toEqual(set);
    expect(bitmapIndexes(Buffer.alloc(0))).toEqual([]);
    const q = funnelQuery.parse({ from: '2026-11-01', to: '2026-11-02', steps: [{ event: 'a' }, { event: 'b' }], windowSeconds: 60, filter: { page: '/x' } });
    expect(q.filter).toEqual({ page: '/x' });
    expect(queryFunnelBody(q, [1])).not.toHaveProperty('filter');
    expect(funnelQuery.safeParse({ ...q, filter: { plan: 'pro' } }).success).toBe(false);
  });

  it('passes candidates only when given', () => {
    const q = funnelQuery.parse({ from: '2026-11-01', to: '2026-11-02', steps: [{ event: 'a' }, { event: 'b' }], windowSeconds: 60 });
    expect(queryFunnelBody(q, undefined)).not.toHaveProperty('candidateVisitorIndexes');
    expect(queryFunnelBody(q, [1, 2]).candidateVisitorIndexes).toEqual([1, 2]);
  });
});
