// What the global filters do to a view, said on the view itself: which visitors its figures are
// of (retention, funnels), or plainly that they do not apply (the event log), never silently.
import { dimensionLabel, OP_LABELS, type Filter } from '../../state/filter-expr';
import { filters } from '../../state/filters';

export const describeFilters = (list: Filter[]) => list.map((f) => `${dimensionLabel(f.dim)} ${OP_LABELS[f.op]} ${f.values.join(' or ')}`).join(' and ');

/** Under active filters: whose figures these are (`who` completes "Filtered to visitors where … :"). */
export function FiltersApplied({ who }: { who: string }) {
  const list = filters.value;
  if (!list.length) return null;
  return (
    <p class="note" role="note" data-filters-applied>
      <strong>Filtered</strong> to visitors where {describeFilters(list)}: {who}.
    </p>
  );
}

/** Says plainly when the global filters cannot narrow a view, instead of showing unfiltered figures under a filter bar that suggests otherwise. */
export function NotApplied({ what, detail }: { what: string; detail?: string }) {
  const list = filters.value;
  if (!list.length) return null;
  return (
    <p class="note note-warn" role="note" data-filters-not-applied>
      The filters above ({describeFilters(list)}) do not apply here: {what} {detail ?? 'are computed over every visitor of the range'}.
    </p>
  );
}
