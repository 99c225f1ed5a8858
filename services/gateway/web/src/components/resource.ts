// One request's life in a view: loading, data, or an error that says what failed. An upstream
// that is unavailable (503) or too slow (504) — or a dropped connection — is retried with backoff
// while the panel says so; nothing ever shows a blank panel or a zero it did not receive.
import { useLayoutEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from '../api/client';

export interface Resource<T> {
  status: 'loading' | 'ok' | 'error';
  data?: T;
  error?: ApiError;
  /** When the next automatic retry runs (ms epoch), for a transient error. */
  retryAt?: number;
  retry(): void;
}

export const isTransient = (err: ApiError) => err.status === 0 || err.status === 502 || err.status === 503 || err.status === 504;
const backoffMs = (attempt: number, hint?: number) => Math.min(30_000, Math.max((hint ?? 0) * 1000, 1000 * 2 ** attempt));

function asApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  return new ApiError(0, 'network', 'the server could not be reached');
}

/**
 * Loads `load()` whenever `key` changes (null: not yet, e.g. a filter still resolving). Earlier
 * replies that arrive late are ignored, so a quick filter change never shows the older answer;
 * and a new key reads as loading in the very render that brings it (the previous data kept, shown
 * as stale), not one effect later: no frame shows the old figures as the answer to the new key.
 */
export function useResource<T>(key: string | null, load: () => Promise<T>): Resource<T> {
  const [state, setState] = useState<Omit<Resource<T>, 'retry'> & { key: string | null }>({ key, status: 'loading' });
  const [nonce, setNonce] = useState(0);
  const attempt = useRef(0);
  const loader = useRef(load);
  loader.current = load;
  // Layout effects: the request leaves as the render that brought its key is committed, not after
  // the next frame is painted (where a plain effect runs), which a filter change would wait for.
  useLayoutEffect(() => {
    attempt.current = 0;
  }, [key]);
  useLayoutEffect(() => {
    if (key === null) {
      setState((s) => ({ key, status: 'loading', data: s.data }));
      return;
    }
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    setState((s) => ({ key, status: 'loading', data: s.data }));
    loader.current().then(
      (data) => {
        if (!live) return;
        attempt.current = 0;
        setState({ key, status: 'ok', data });
      },
      (err: unknown) => {
        if (!live) return;
        const error = asApiError(err);
        if (isTransient(error)) {
          const wait = backoffMs(attempt.current++, error.retryAfterSeconds);
          timer = setTimeout(() => setNonce((n) => n + 1), wait);
          setState({ key, status: 'error', error, retryAt: Date.now() + wait });
        } else setState({ key, status: 'error', error });
      },
    );
    return () => {
      live = false;
      if (timer) clearTimeout(timer);
    };
  }, [key, nonce]);
  const { key: shown, ...current } = state;
  return { ...(shown === key ? current : { status: 'loading' as const, data: current.data }), retry: () => setNonce((n) => n + 1) };
}
