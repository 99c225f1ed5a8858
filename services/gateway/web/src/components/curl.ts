// "Copy as API request": the curl line that returns the numbers on screen, with a read key the
// person supplies ($SIGHTLINE_READ_KEY), so screen, file and API always agree.

/** A shell word in single quotes ('it'\''s'). */
export function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

export interface ApiRequest {
  method?: 'GET' | 'POST';
  /** e.g. `/v1/projects/p1/breakdown` */
  path: string;
  query?: Record<string, string | number | undefined | null>;
  body?: unknown;
}

export function requestUrl(origin: string, req: ApiRequest): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(req.query ?? {})) if (v !== undefined && v !== null && v !== '') params.set(k, String(v));
  const search = params.toString();
  return `${origin}${req.path}${search ? `?${search}` : ''}`;
}

export function buildCurl(origin: string, req: ApiRequest): string {
  const parts = ['curl', '-sS'];
  if (req.method === 'POST') parts.push('-X', 'POST', '-H', shellQuote('content-type: application/json'), '--data', shellQuote(JSON.stringify(req.body ?? {})));
  parts.push('-H', '"Authorization: Bearer $SIGHTLINE_READ_KEY"', shellQuote(requestUrl(origin, req)));
  return parts.join(' ');
}
