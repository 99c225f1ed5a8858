// A table whose rows stack when it has under 560 px (a container query, so a side panel of a
// mid-size screen stacks too): the row name on its own line, then each figure under its
// column's name, so a seven-column table reads whole on a 360 px phone instead of being clipped in
// a sideways-scrolling box. The explicit roles keep the table's semantics for screen readers once
// CSS changes the rows' display (some browsers drop them otherwise); the per-cell label is hidden
// from them, since the column header already names the cell.
import type { ComponentChildren } from 'preact';

export function StackTable({ class: cls, children, ...rest }: { class?: string; children: ComponentChildren; [data: `data-${string}`]: unknown }) {
  return (
    <div class="stack-wrap">
      <table role="table" class={`data-table stack-table ${cls ?? ''}`} {...rest}>
        {children}
      </table>
    </div>
  );
}

/** The header row: the row names' column, then right-aligned figure columns. */
export function StackHead({ first, nums }: { first: ComponentChildren; nums: string[] }) {
  return (
    <thead role="rowgroup">
      <tr role="row">
        <th scope="col" role="columnheader">
          {first}
        </th>
        {nums.map((h) => (
          <th scope="col" role="columnheader" class="num" key={h}>
            {h}
          </th>
        ))}
      </tr>
    </thead>
  );
}

/** A figure cell, named by its column when the rows stack. */
export function StackCell({ label, children }: { label: string; children: ComponentChildren }) {
  return (
    <td role="cell" class="num">
      <span class="cell-label" aria-hidden="true">
        {label}
      </span>
      {children}
    </td>
  );
}
