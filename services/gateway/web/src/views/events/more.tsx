// The foot of a paged list: loads the next page when it scrolls into view (infinite scroll) and
// is also a button, for keyboards and for when the observer is not available; says when it ended
// and when a page failed, with a retry that continues where it stopped.
import { useEffect, useRef } from 'preact/hooks';
import type { Paged } from './paged';

export function MoreRows({ list, noun, auto = true }: { list: Paged<unknown>; noun: string; auto?: boolean }) {
  const ref = useRef<HTMLDivElement>(null);
  const more = useRef(list.more);
  more.current = list.more;
  useEffect(() => {
    if (!auto || !ref.current || typeof IntersectionObserver === 'undefined') return;
    const io = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting)) more.current();
    }, { rootMargin: '200px' });
    io.observe(ref.current);
    return () => io.disconnect();
  }, [auto]);
  return (
    <div ref={ref} class="more-rows" data-more-state={list.error ? 'error' : list.busy ? 'loading' : list.cursor === null ? 'end' : 'more'}>
      {list.error ? (
        <p role="alert" class="state-error">
          More {noun} could not be loaded: {list.error.message}.{' '}
          <button type="button" class="btn btn-small" onClick={() => list.more()}>
            Retry
          </button>
        </p>
      ) : list.busy ? (
        <p role="status" class="hint">
          <span class="spinner" aria-hidden="true" />
          Loading {noun}…
        </p>
      ) : list.cursor === null ? (
        <p class="hint">{list.rows.length ? `All ${list.rows.length} ${noun} shown.` : `No ${noun}.`}</p>
      ) : (
        <button type="button" class="btn btn-small" onClick={() => list.more()}>
          Load more {noun}
        </button>
      )}
    </div>
  );
}
