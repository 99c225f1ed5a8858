import type { ComponentChildren } from 'preact';

/** A titled block of a view; `state` (loading|ok|error) is on the element for tests and the benchmark. */
export function Panel({ id, title, actions, state, children, class: cls }: { id: string; title: string; actions?: ComponentChildren; state?: string; children: ComponentChildren; class?: string }) {
  return (
    <section class={`panel ${cls ?? ''}`} aria-labelledby={`${id}-title`} data-panel={id} data-state={state}>
      <header class="panel-head">
        <h2 id={`${id}-title`}>{title}</h2>
        {actions}
      </header>
      {children}
    </section>
  );
}
