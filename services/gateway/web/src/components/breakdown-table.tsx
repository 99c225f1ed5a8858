// A breakdown as a table of exact unique visitors with a share bar; a click (or Enter) on a row
// filters every panel by it. The total is the exact uniques of the whole range, which is less
// than the sum of the rows because a visitor who has several values counts once.
import { breakdownWarnings, type BreakdownData, type Truncated } from './breakdown-notes';
import { formatInt, formatPercent } from './format';

export type { BreakdownData };

/** Under a list of values taken from a breakdown (a select, suggestions): which ones it left out. */
export function ListedValuesNote({ truncated, what = 'values', canType = false }: { truncated?: Truncated; what?: string; canType?: boolean }) {
  if (!truncated) return null;
  return (
    <p class="note note-warn" data-warning="truncated">
      Listing only the {formatInt(truncated.valuesRead)} {what} with the most events, of the {formatInt(truncated.valuesInRange)} in this range (the server's read cost limit)
      {canType ? `: type any other ${what === 'values' ? 'value' : what.replace(/s$/, '')} by hand, or narrow the range to list them all.` : '. Narrow the range to list them all.'}
    </p>
  );
}

function Warnings({ id, data }: { id: string; data: BreakdownData }) {
  return (
    <>
      {breakdownWarnings(data).map((w) => (
        <p key={w.kind} class="note note-warn" id={`${id}-${w.kind}`} data-warning={w.kind}>
          {w.text}
        </p>
      ))}
    </>
  );
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
    return (
      <>
        <p class="empty">{data.total ? `None of the ${formatInt(data.total)} visitors of this range has a ${label.toLowerCase()} recorded.` : 'No visitors in this range and filter.'}</p>
        <Warnings id={id} data={data} />
      </>
    );
  }
  const sum = data.values.reduce((s, v) => s + v.uniques, 0);
  const described = [`${id}-note`, ...breakdownWarnings(data).map((w) => `${id}-${w.kind}`)].join(' ');
  return (
    <div class="breakdown">
      <table class="breakdown-table" aria-describedby={described}>
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
      <Warnings id={id} data={data} />
    </div>
  );
}
