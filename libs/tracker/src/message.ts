/**
 * The Segment-shaped message the tracker sends, and the pure helpers that fill it in. Nothing
 * here reads the DOM, so the unit tests can run it in node.
 */
export type Properties = Record<string, unknown>;

export interface PageContext {
  url: string;
  path: string;
  referrer: string;
  title: string;
  search: string;
}

export interface Campaign {
  source?: string;
  medium?: string;
  name?: string;
  term?: string;
  content?: string;
}

export interface TrackerMessage {
  type: 'track' | 'page' | 'identify';
  event?: string;
  name?: string;
  properties?: Properties;
  traits?: Properties;
  userId?: string;
  anonymousId?: string;
  messageId: string;
  timestamp: string;
  context: {
    page: PageContext;
    campaign?: Campaign;
    library: { name: string; version: string };
    screen: { width: number; height: number };
    locale: string;
  };
}

/** utm_* parameters of a query string, as Segment's context.campaign; undefined if none. */
export function campaignOf(search: string): Campaign | undefined {
  const params = new URLSearchParams(search);
  let campaign: Campaign | undefined;
  for (const param of ['source', 'medium', 'campaign', 'term', 'content']) {
    const value = params.get('utm_' + param);
    if (value) (campaign ||= {})[(param === 'campaign' ? 'name' : param) as keyof Campaign] = value.slice(0, 256);
  }
  return campaign;
}

/** A URL without its fragment: fragments often carry tokens (OAuth implicit flow). */
export function withoutHash(url: string): string {
  const at = url.indexOf('#');
  return at < 0 ? url : url.slice(0, at);
}

const downloadExtensions = /\.(pdf|zip|t?gz|rar|7z|dmg|exe|msi|pkg|deb|rpm|apk|iso|csv|xlsx?|docx?|pptx?|od[ts]|txt|mp[34]|mov|avi|wav)$/i;

/**
 * What a click on a link means: `$download` for a file (FizzStat's downloads), `$outbound`
 * for another host (FizzStat's exits), nothing for a link within the site.
 */
export function linkEvent(href: string, here: string, hasDownloadAttribute = false): '$download' | '$outbound' | undefined {
  let url: URL;
  try {
    url = new URL(href, here);
  } catch {
    return undefined;
  }
  if (!/^https?:$/.test(url.protocol)) return undefined;
  if (hasDownloadAttribute || downloadExtensions.test(url.pathname)) return '$download';
  return url.host !== new URL(here).host ? '$outbound' : undefined;
}

/** RFC 4122 version 4 id; getRandomValues also works on pages that are not secure contexts. */
export function uuid(random: (bytes: Uint8Array) => Uint8Array = (b) => crypto.getRandomValues(b)): string {
  const b = random(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  return Array.from(b, (x) => (x + 256).toString(16).slice(1))
    .join('')
    .replace(/(.{8})(.{4})(.{4})(.{4})/, '$1-$2-$3-$4-');
}

/**
 * Retry-After in milliseconds; undefined when absent or not delta-seconds (ingest sends
 * seconds; an HTTP date falls back to the tracker's own backoff).
 */
export function retryAfterMs(header: string | null): number | undefined {
  const seconds = header ? +header : NaN;
  return seconds >= 0 ? seconds * 1000 : undefined;
}

/** Whether the collector's status means "try again later" rather than "delivered" or "never". */
export function isRetriable(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}
