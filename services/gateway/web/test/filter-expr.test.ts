import { addFilterValue, containsMatches, MATCHES_NOTHING, parseFilters, serializeFilters, toFilterExpression, type Filter } from '../src/state/filter-expr';

describe('global filters', () => {
  it('round-trips through the URL and drops what is malformed', () => {
    const list: Filter[] = [
      { dim: 'page', op: 'is', values: ['/a', '/b,c'] },
      { dim: 'trait:plan', op: 'isNot', values: ['free'] },
    ];
    expect(parseFilters(serializeFilters(list))).toEqual(list);
    expect(parseFilters('[["nope","is","x"],["page","like","x"],["page","is"],"x",["country","is","FR","FR",""]]')).toEqual([{ dim: 'country', op: 'is', values: ['FR'] }]);
    expect(parseFilters('{not json')).toEqual([]);
    expect(serializeFilters([])).toBeNull();
  });

  it('is: OR of the values; is not: NOT of that; several filters: AND', () => {
    expect(toFilterExpression([{ dim: 'page', op: 'is', values: ['/a'] }])).toEqual({ page: '/a' });
    expect(
      toFilterExpression([
        { dim: 'page', op: 'is', values: ['/a', '/b'] },
        { dim: 'country', op: 'isNot', values: ['FR'] },
        { dim: 'trait:plan', op: 'is', values: ['pro'] },
      ]),
    ).toEqual({ and: [{ or: [{ page: '/a' }, { page: '/b' }] }, { not: { country: 'FR' } }, { trait: { key: 'plan', value: 'pro' } }] });
    expect(toFilterExpression([])).toBeUndefined();
  });

  it('contains: the OR of the listed values that match, or nothing when none does', () => {
    const values = ['/blog/a', '/Blog/b', '/pricing', '(other)'];
    expect(containsMatches(values, ['blog'])).toEqual(['/blog/a', '/Blog/b']);
    const filters: Filter[] = [{ dim: 'page', op: 'contains', values: ['blog'] }];
    expect(toFilterExpression(filters, { 0: containsMatches(values, ['blog']) })).toEqual({ or: [{ page: '/blog/a' }, { page: '/Blog/b' }] });
    expect(toFilterExpression(filters, { 0: [] })).toEqual(MATCHES_NOTHING);
  });

  it('a row click adds a value to the filter on that dimension', () => {
    let list = addFilterValue([], 'page', '/a');
    list = addFilterValue(list, 'page', '/b');
    list = addFilterValue(list, 'page', '/b');
    list = addFilterValue(list, 'country', 'FR');
    expect(list).toEqual([
      { dim: 'page', op: 'is', values: ['/a', '/b'] },
      { dim: 'country', op: 'is', values: ['FR'] },
    ]);
  });
});
