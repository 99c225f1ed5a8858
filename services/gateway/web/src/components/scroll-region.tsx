import type { ComponentChildren } from 'preact';

/** A table that may scroll: focusable and named, so a keyboard user can scroll it too. */
export function ScrollRegion({ label, children }: { label: string; children: ComponentChildren }) {
  return (
    <div class="table-scroll" tabIndex={0} role="region" aria-label={label}>
      {children}
    </div>
  );
}
