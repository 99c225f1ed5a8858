// What a breakdown's figures leave out (read in part by the read cost bound, values over the
// daily cap), in the words its panel shows and its CSV ends with, so screen and file agree.
import { formatInt } from './format';

/** The values a breakdown read when its read cost bound cut it short (the values with the most events first). */
export interface Truncated {
  valuesRead: number;
  valuesInRange: number;
}

export interface BreakdownData {
  values: { value: string; uniques: number }[];
  total: number;
  capped?: { limit: number; days: number };
  truncated?: Truncated;
}

/** What a truncated breakdown left out and how to get it all, in one sentence. */
export const truncatedText = (t: Truncated) =>
  `Only the ${formatInt(t.valuesRead)} values with the most events, of the ${formatInt(t.valuesInRange)} in this range, were read (the server's read cost limit): any other has no row here, though its visitors are in the total. Narrow the range to read them all.`;

/** The warnings of a breakdown, shown under its table and written at the end of its CSV. */
export function breakdownWarnings(data: BreakdownData): { kind: 'capped' | 'truncated'; text: string }[] {
  const out: { kind: 'capped' | 'truncated'; text: string }[] = [];
  if (data.truncated) out.push({ kind: 'truncated', text: truncatedText(data.truncated) });
  if (data.capped) {
    const { days, limit } = data.capped;
    out.push({ kind: 'capped', text: `On ${days} day${days === 1 ? '' : 's'} of this range there were more than ${formatInt(limit)} distinct values: the rest are counted in the “(other)” row.` });
  }
  return out;
}

export const breakdownCsv = (label: string, data: BreakdownData) => ({
  header: [label, 'Unique visitors', 'Share of total'],
  rows: [
    ...data.values.map((v) => [v.value, v.uniques, data.total ? +(v.uniques / data.total).toFixed(4) : 0]),
    ['Total (unique visitors, not the sum of the rows)', data.total, 1],
    ...breakdownWarnings(data).map((w) => [`Note: ${w.text}`, '', '']),
  ],
});
