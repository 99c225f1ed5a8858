// A table's header row: the first column (row labels) then right-aligned number columns.
import type { ComponentChildren } from 'preact';

export function TableHead({ first, nums, after }: { first: ComponentChildren; nums: ComponentChildren[]; after?: ComponentChildren }) {
  return (
    <thead>
      <tr>
        <th scope="col">{first}</th>
        {nums.map((h, i) => (
          <th scope="col" class="num" key={i}>
            {h}
          </th>
        ))}
        {after}
      </tr>
    </thead>
  );
}

/** A table that scrolls sideways on a narrow screen: a labelled region keyboard users can focus and scroll. */
export function ScrollTable({ label, class: cls, children }: { label: string; class?: string; children: ComponentChildren }) {
  return (
    <div class={`table-scroll ${cls ?? ''}`} tabIndex={0} role="region" aria-label={label}>
      {children}
    </div>
  );
}
