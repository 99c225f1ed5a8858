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
