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
