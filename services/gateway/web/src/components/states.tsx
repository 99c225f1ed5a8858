// What a panel shows while it waits and when it failed: never a blank panel or a wrong zero.
import { useEffect, useState } from 'preact/hooks';
import type { ApiError } from '../api/client';
import type { Resource } from './resource';

export function Loading({ label = 'Loading' }: { label?: string }) {
  return (
    <div class="state state-loading" role="status">
      <span class="spinner" aria-hidden="true" />
      {label}…
    </div>
  );
}

function describe(part: string, error: ApiError): string {
  if (error.status === 503) return `${part}: unavailable right now (${error.message}).`;
  if (error.status === 504) return `${part}: took too long (${error.message}).`;
  if (error.status === 0) return `${part}: the server could not be reached.`;
  if (error.status === 401) return `${part}: your session has ended; sign in again.`;
  if (error.status === 403) return `${part}: your role does not allow this.`;
  return `${part}: ${error.message}${error.field ? ` (${error.field})` : ''}.`;
}

export function ErrorState({ part, resource }: { part: string; resource: Pick<Resource<unknown>, 'error' | 'retryAt' | 'retry'> }) {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    if (!resource.retryAt) return;
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, [resource.retryAt]);
  const seconds = resource.retryAt ? Math.max(0, Math.ceil((resource.retryAt - now) / 1000)) : null;
  return (
    <div class="state state-error" role="alert">
      <p>{describe(part, resource.error!)}</p>
      {/* A 4xx is the request's own fault (a range too costly, a bad filter): asking again changes nothing. */}
      {!(resource.error!.status >= 400 && resource.error!.status < 500) && (
        <p>
          {seconds !== null && <span>Retrying in {seconds} s. </span>}
          <button type="button" class="btn btn-small" onClick={() => resource.retry()}>
            Retry now
          </button>
        </p>
      )}
    </div>
  );
}

/** Renders `children(data)` once there is data; the loading and error states otherwise. */
export function Async<T>({ part, resource, children }: { part: string; resource: Resource<T>; children: (data: T) => preact.ComponentChildren }) {
  if (resource.status === 'error') return <ErrorState part={part} resource={resource} />;
  if (resource.data === undefined) return <Loading label={`Loading ${part.toLowerCase()}`} />;
  return <div aria-busy={resource.status === 'loading'} class={resource.status === 'loading' ? 'stale' : undefined}>{children(resource.data)}</div>;
}
