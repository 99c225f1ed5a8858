import { breakdownCsv } from '../src/components/breakdown-notes';
import { buildCurl, shellQuote } from '../src/components/curl';
import { csvFileName, escapeCell, toCsv } from '../src/components/csv';

describe('CSV export', () => {
  it('escapes cells a spreadsheet would run as formulas', () => {
    for (const evil of ['=HYPERLINK("http://x")', '+1+2', '-2+3', '@SUM(A1)', '\t=1', '\r=1']) expect(escapeCell(evil).replace(/^"/, '').startsWith("'")).toBe(true);
    expect(escapeCell('/pricing')).toBe('/pricing');
    expect(escapeCell(-3)).toBe('-3');
    expect(escapeCell(null)).toBe('');
  });

  it('quotes commas, quotes and new lines (RFC 4180)', () => {
    expect(toCsv(['Page', 'Visitors'], [['/a,b', 3], ['say "hi"', 1], ['line\nbreak', 2], ['=1+1', 4]])).toBe('Page,Visitors\r\n"/a,b",3\r\n"say ""hi""",1\r\n"line\nbreak",2\r\n\'=1+1,4\r\n');
  });

  it("a breakdown's CSV ends with the notes its panel shows: read in part, values over the daily cap", () => {
    const csv = breakdownCsv('Page', { values: [{ value: '/a', uniques: 3 }], total: 4, truncated: { valuesRead: 140, valuesInRange: 1303 }, capped: { limit: 100, days: 2 } });
    expect(csv.rows.slice(-2)).toEqual([
      ['Note: Only the 140 values with the most events, of the 1,303 in this range, were read (the server\'s read cost limit): any other has no row here, though its visitors are in the total. Narrow the range to read them all.', '', ''],
      ['Note: On 2 days of this range there were more than 100 distinct values: the rest are counted in the “(other)” row.', '', ''],
    ]);
    expect(breakdownCsv('Page', { values: [], total: 0 }).rows).toEqual([['Total (unique visitors, not the sum of the rows)', 0, 1]]);
  });

  it('names files safely', () => {
    expect(csvFileName('pages', '2026-11-01', '2026-11-30')).toBe('sightline-pages-2026-11-01-2026-11-30.csv');
    expect(csvFileName('trait-../../x y')).toBe('sightline-trait-..-..-x-y.csv');
  });
});

describe('copy as API request', () => {
  it('builds the curl line for the same query, safe to paste in a shell', () => {
    const line = buildCurl('http://127.0.0.1:8080', { path: '/v1/projects/p1/breakdown', query: { from: '2026-11-01T00:00:00.000Z', to: '2026-12-01T00:00:00.000Z', by: 'page', limit: 10, filter: JSON.stringify({ page: "/it's" }), event: undefined } });
    expect(line).toBe(
      `curl -sS -H "Authorization: Bearer $SIGHTLINE_READ_KEY" 'http://127.0.0.1:8080/v1/projects/p1/breakdown?from=2026-11-01T00%3A00%3A00.000Z&to=2026-12-01T00%3A00%3A00.000Z&by=page&limit=10&filter=%7B%22page%22%3A%22%2Fit%27s%22%7D'`,
    );
    const url = new URL(line.split(' ').pop()!.slice(1, -1));
    expect(JSON.parse(url.searchParams.get('filter')!)).toEqual({ page: "/it's" });
    expect(shellQuote("a'b")).toBe(`'a'\\''b'`);
    expect(buildCurl('http://h', { method: 'POST', path: '/v1/x', body: { a: "'" } })).toBe(`curl -sS -X POST -H 'content-type: application/json' --data '{"a":"'\\''"}' -H "Authorization: Bearer $SIGHTLINE_READ_KEY" 'http://h/v1/x'`);
  });
});
