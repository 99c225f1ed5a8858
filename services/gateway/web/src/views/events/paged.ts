// A list read a page at a time on a cursor API (event log, sessions, funnel visitor lists):
// restarts when `key` changes, ignores replies to an older key, and keeps what was loaded when a
// later page fails so "retry" continues where it stopped.
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from '../../api/client';

export interface Paged<T> {
  rows: T[];
  /** undefined before the first page; null at the end. */
  cursor: string | null | undefined;
  busy: boolean;
  error: ApiError | null;
  /** Total when the API gives one (first page). */
  total?: number;
  more(): void;
}

export function usePaged<T>(key: string | null, load: (cursor: string | null) => Promise<{ rows: T[]; nextCursor: string | null; total?: number }>): Paged<T> {
  const [state, setState] = useState<Omit<Paged<T>, 'more'>>({ rows: [], cursor: undefined, busy: false, error: null });
  const live = useRef(key);
  const loader = useRef(load);
  loader.current = load;
  const inFlight = useRef(false);
  function fetchPage(k: string, cursor: string | null, reset: boolean) {
    inFlight.current = true;
    setState((s) => ({ ...(reset ? { rows: [], cursor: undefined, total: undefined } : s), busy: true, error: null }) as Omit<Paged<T>, 'more'>);
    loader.current(cursor).then(
      (page) => {
        if (live.current !== k) return;
        inFlight.current = false;
        setState((s) => ({ rows: [...s.rows, ...page.rows], cursor: page.nextCursor, busy: false, error: null, total: page.total ?? s.total }));
      },
      (err: unknown) => {
        if (live.current !== k) return;
        inFlight.current = false;
        setState((s) => ({ ...s, busy: false, error: err instanceof ApiError ? err : new ApiError(0, 'network', 'the server could not be reached') }));
      },
    );
  }
  useEffect(() => {
    live.current = key;
    if (key !== null) fetchPage(key, null, true);
  }, [key]);
  return {
    ...state,
    more() {
      if (key === null || inFlight.current || state.cursor === null) return;
      fetchPage(key, state.cursor ?? null, state.cursor === undefined);
    },
  };
}
