// CSV export of any table or chart. A cell a spreadsheet would run as a formula (it starts with
// = + - @, or a tab or carriage return that some strip first) gets a leading apostrophe, so a page
// path or a referrer an attacker controls cannot become `=HYPERLINK(…)` in a colleague's Excel.

const FORMULA_START = /^[=+\-@\t\r]/;

export function escapeCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  let text = String(value);
  // Numbers are data, not formulas: -3 stays a number a spreadsheet can sum.
  if (typeof value !== 'number' && FORMULA_START.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function toCsv(header: string[], rows: unknown[][]): string {
  return [header, ...rows].map((row) => row.map(escapeCell).join(',')).join('\r\n') + '\r\n';
}

/** A file name safe on every OS: `sightline-pages-2026-11-01_2026-11-30.csv`. */
export function csvFileName(...parts: string[]): string {
  return `sightline-${parts.map((p) => p.replace(/[^A-Za-z0-9_.-]+/g, '-').replace(/^-+|-+$/g, '')).filter(Boolean).join('-')}.csv`;
}
