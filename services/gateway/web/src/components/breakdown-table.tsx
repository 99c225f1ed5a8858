// A breakdown as a table of exact unique visitors with a share bar; a click (or Enter) on a row
// filters every panel by it. The total is the exact uniques of the whole range, which is less
// than the sum of the rows because a visitor who has several values counts once.
import { formatInt, formatPercent } from './format';

export interface BreakdownData {
  values: { value: string; uniques: number }[];
  total: number;
  capped?: { limit: number; days: number };
}

export interface BreakdownTableProps {
  id: string;
  /** The column header for the values, e.g. "Page". */
  label: string;
  data: BreakdownData;
  /** Why the total is not the sum of the rows, in this panel's words. */
  totalNote: string;
  onSelect?: (value: string) => void;
  /** Rows shown before "show all". */
  limit?: number;
}

export function BreakdownTable({ id, label, data, totalNote, onSelect }: BreakdownTableProps) {
  if (data.values.length === 0) {
    return <p class="empty">{data.total ? `None of the ${formatInt(data.total)} visitors of this range has a ${label.toLowerCase()} recorded.` : 'No visitors in this range and filter.'}</p>;
  }
  const sum = data.values.reduce((s, v) => s + v.uniques, 0);
  return (
    <div class="breakdown">
      <table class="breakdown-table" aria-describedby={`${id}-note`}>
        <thead>
          <tr>
            <th scope="col">{label}</th>
            <th scope="col" class="num">
              Visitors
            </th>
          </tr>
        </thead>
        <tbody>
          {data.values.map((row) => {
            const share = data.total ? row.uniques / data.total : 0;
            return (
              <tr key={row.value} data-value={row.value}>
                <th scope="row" class="bar-cell">
                  <span class="bar" style={{ width: `${Math.min(100, share * 100)}%` }} aria-hidden="true" />
                  {onSelect ? (
                    <button type="button" class="row-link" title={`Filter by ${label.toLowerCase()} ${row.value}`} onClick={() => onSelect(row.value)}>
                      {row.value || '(none)'}
                    </button>
                  ) : (
                    <span class="row-text">{row.value || '(none)'}</span>
                  )}
                </th>
                <td class="num" title={`${formatPercent(share)} of ${formatInt(data.total)} visitors`}>
                  {formatInt(row.uniques)}
                </td>
              </tr>
            );
          })}
        </tbody>
        <tfoot>
          <tr>
            <th scope="row">Total (unique)</th>
            <td class="num" data-total>
              {formatInt(data.total)}
            </td>
          </tr>
        </tfoot>
      </table>
      <p class="note" id={`${id}-note`}>
        {sum > data.total ? `The rows add up to ${formatInt(sum)}, more than the total ${formatInt(data.total)}: ${totalNote.charAt(0).toLowerCase()}${totalNote.slice(1)}` : totalNote}
      </p>
      {data.capped && (
        <p class="note note-warn">
          On {data.capped.days} day{data.capped.days === 1 ? '' : 's'} of this range there were more than {formatInt(data.capped.limit)} distinct values: the rest are counted in the “(other)” row.
        </p>
      )}
    </div>
  );
}

export const breakdownCsv = (label: string, data: BreakdownData) => ({
  header: [label, 'Unique visitors', 'Share of total'],
  rows: [...data.values.map((v) => [v.value, v.uniques, data.total ? +(v.uniques / data.total).toFixed(4) : 0]), ['Total (unique visitors, not the sum of the rows)', data.total, 1]],
});
