// The event log's own filters as they live in the URL (`name`, `category`, `session`, `visitor`,
// `props` = [[key, value], …]) and the query they become. Pure, for the unit tests.

export interface LogFilters {
  name: string;
  category: string;
  session: string;
  visitor: string;
  props: [string, string][];
}

export const MAX_PROPS = 10;
const ok = (v: unknown, max: number): v is string => typeof v === 'string' && v.length > 0 && v.length <= max;

export function parseLogFilters(params: URLSearchParams): LogFilters {
  let props: [string, string][] = [];
  try {
    const raw = JSON.parse(params.get('props') ?? '[]') as unknown;
    if (Array.isArray(raw)) props = raw.filter((p): p is [string, string] => Array.isArray(p) && ok(p[0], 200) && ok(p[1], 500)).slice(0, MAX_PROPS);
  } catch {
    props = [];
  }
  const text = (k: string) => (params.get(k) ?? '').slice(0, 200);
  return { name: text('name'), category: text('category'), session: text('session'), visitor: text('visitor'), props };
}

export function logFilterParams(f: LogFilters): Record<string, string | null> {
  return { name: f.name || null, category: f.category || null, session: f.session || null, visitor: f.visitor || null, props: f.props.length ? JSON.stringify(f.props) : null };
}

/** The `GET …/events` query (besides from/to/cursor/limit): empty filters left out, properties as `prop.<key>`. */
export function logQuery(f: LogFilters): Record<string, string> {
  const q: Record<string, string> = {};
  if (f.name) q.name = f.name;
  if (f.category) q.category = f.category;
  if (f.session) q.sessionId = f.session;
  if (f.visitor) q.visitorId = f.visitor;
  for (const [k, v] of f.props) q[`prop.${k}`] = v;
  return q;
}

/** An instant to the second in the project's time zone. */
export const formatTime = (iso: string, tz: string) =>
  new Intl.DateTimeFormat('en-GB', { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23', timeZone: tz }).format(new Date(iso));
