import { isStorableText, MAX_NESTING, truncateText, unstorableText } from './text';

describe('storable text', () => {
  it('tells NUL and unpaired surrogates from text, paired surrogates included', () => {
    expect(['', 'abc', 'é', '😀', '\ud83d\ude00x'].every(isStorableText)).toBe(true);
    expect(['a\u0000', '\ud800', 'x\udfff', '\ud83d', '\ude00\ud83d'].some(isStorableText)).toBe(false);
  });

  it('names every place of an event that holds unstorable text, keys and decoded utm parameters included', () => {
    const event = {
      event: 'ok',
      properties: { fine: ['a', 'b\u0000'], 'bad\ud800': 1 },
      context: { page: { url: 'https://example.com/?utm_source=%00', search: '?utm_medium=a%00' } },
    };
    expect(unstorableText(event).map((p) => p.path)).toEqual([
      'properties.fine[1]',
      'properties["bad\\ud800"]',
      'context.page.url',
      'context.page.search',
    ]);
    expect(unstorableText('\u0000', 'name')).toEqual([{ path: 'name', reason: expect.stringContaining('U+0000') }]);
    // Only utm_* parameters are ever decoded downstream.
    expect(unstorableText({ context: { page: { url: 'https://example.com/?q=%00&utm_term=ok', search: '?q=%00' } } })).toEqual([]);
  });

  it('refuses nesting deeper than Postgres can parse, without overflowing its own stack', () => {
    let deep: unknown = 'x';
    for (let i = 0; i < 16_000; i++) deep = [deep];
    expect(unstorableText({ properties: { deep } })).toEqual([{ path: `properties.deep${'[0]'.repeat(MAX_NESTING - 2)}`, reason: expect.stringContaining('nested deeper') }]);
    let fits: unknown = 'x';
    for (let i = 0; i < MAX_NESTING - 2; i++) fits = [fits];
    expect(unstorableText({ properties: { fits } })).toEqual([]);
  });

  it('truncates without cutting a surrogate pair in two', () => {
    expect(truncateText('ab😀', 3)).toBe('ab');
    expect(truncateText('ab😀', 4)).toBe('ab😀');
    expect(truncateText('abc', 2)).toBe('ab');
  });
});
