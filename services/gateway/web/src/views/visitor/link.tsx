// A link to a visitor's profile from any list (funnel steps, event log, sessions, compare), keeping
// the range and filters as the views' nav does.
import { Link, viewHref } from '../../shell/layout';

export const visitorHref = (projectId: string, visitorId: string) => viewHref(projectId, `visitors/${encodeURIComponent(visitorId)}`);

export function VisitorLink({ projectId, visitorId }: { projectId: string; visitorId: string }) {
  return (
    <Link href={visitorHref(projectId, visitorId)} class="visitor-link">
      {visitorId}
    </Link>
  );
}

/** The event log narrowed by its own filters (e.g. `{visitor}` or `{session}`), keeping the range and filters. */
export function eventLogHref(projectId: string, extra: Record<string, string>): string {
  const href = viewHref(projectId, 'events');
  return `${href}${href.includes('?') ? '&' : '?'}${new URLSearchParams(extra)}`;
}
