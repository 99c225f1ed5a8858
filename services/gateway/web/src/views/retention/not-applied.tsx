// Says plainly when the global filters cannot narrow a view (its API takes no filter), instead of
// showing unfiltered figures under a filter bar that suggests otherwise.
export function NotApplied({ active, what, detail }: { active: boolean; what: string; detail?: string }) {
  if (!active) return null;
  return (
    <p class="note note-warn" role="note" data-filters-not-applied>
      The filters above do not apply here: {what} {detail ?? 'are computed over every visitor of the range'}.
    </p>
  );
}
