import type { EnrichedEventParsed } from '@sightline/contracts';

/** Dimensions with fixed names; every other dimension is `<kind>:<value>`. */
export const ACTIVE = '$active';
export const NEW = '$new';
export const BOT = '$bot';

export const DIMENSION_KINDS = ['event', 'trait', 'source', 'medium', 'campaign', 'browser', 'os', 'device', 'page', 'entryPage', 'exitPage', 'referrer', 'country', 'utmContent', 'utmTerm'] as const;
/**
 * Bits of the exit page of each visitor's open session (docs/bitmaps.md, "Exit pages"): cleared
 * and set again as the session moves on, read together with `exitPage:` (ended sessions).
 * Internal: not a dimension a query names.
 */
export const EXIT_OPEN = 'exitOpen';
export const PAGEVIEW = '$pageview';
const MAX_TRAITS = 64;
const MAX_VALUE_LENGTH = 200;

export function isDimension(dim: string): boolean {
  if (dim === ACTIVE || dim === NEW || dim === BOT) return true;
  const colon = dim.indexOf(':');
  if (colon <= 0 || colon === dim.length - 1) return false;
  const kind = dim.slice(0, colon);
  if (kind === 'trait') return /^[^=]+=/.test(dim.slice(colon + 1));
  return (DIMENSION_KINDS as readonly string[]).includes(kind);
}

/**
 * The dimensions an event sets a bit in. A bot event of a project that filters bots only
 * lands in `$bot`, so that it never inflates uniques or totals.
 */
export function dimensionsOf(
  event: Pick<EnrichedEventParsed, 'name' | 'traits' | 'source' | 'medium' | 'campaign' | 'device' | 'isBot' | 'isNewVisitor'> & Partial<SessionFields>,
  botFiltering: boolean,
  /** Only these trait keys become dimensions; null = every trait (see BITMAP_TRAIT_KEYS). */
  traitKeys: ReadonlySet<string> | null = null,
): string[] {
  if (event.isBot && botFiltering) return [BOT];
  const dims = [ACTIVE, `event:${clip(event.name)}`];
  if (event.isNewVisitor) dims.push(NEW);
  if (event.source) dims.push(`source:${clip(event.source)}`);
  if (event.medium) dims.push(`medium:${clip(event.medium)}`);
  if (event.campaign) dims.push(`campaign:${clip(event.campaign)}`);
  if (event.device.browser) dims.push(`browser:${clip(event.device.browser)}`);
  if (event.device.os) dims.push(`os:${clip(event.device.os)}`);
  dims.push(`device:${event.device.deviceType}`);
  let traits = 0;
  for (const [key, value] of Object.entries(event.traits)) {
    if (traits >= MAX_TRAITS) break;
    if (key.includes('=') || key.length > MAX_VALUE_LENGTH || (traitKeys && !traitKeys.has(key))) continue;
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') continue;
    dims.push(`trait:${key}=${clip(String(value))}`);
    traits++;
  }
  // Day-only dimensions last (see `fineCountOf`).
  if (event.referrerDomain) dims.push(`referrer:${clip(event.referrerDomain)}`);
  if (event.country) dims.push(`country:${clip(event.country)}`);
  if (event.context) {
    const page = event.name === PAGEVIEW ? pageOf(event.context) : null;
    if (page) dims.push(`page:${page}`);
    const content = campaignTag(event.context, 'content');
    if (content) dims.push(`utmContent:${content}`);
    const term = campaignTag(event.context, 'term');
    if (term) dims.push(`utmTerm:${term}`);
  }
  if (event.isNewSession && event.entryPage) dims.push(`entryPage:${clip(event.entryPage)}`);
  return dims;
}

/**
 * Kinds with many sparse values (pages, referrers …) are kept in day and month buckets only
 * (a year is 12 month keys to read; every bucket kept is a key written per value and batch): hour and minute keys of every page would cost hundreds of MB a day on a busy site (a key
 * is as long as the highest visitor index, however few bits it has). A range read of them is
 * widened to whole local days (docs/bitmaps.md, "Day-only dimensions").
 */
const DAY_ONLY_KINDS = new Set(['page', 'entryPage', 'exitPage', EXIT_OPEN, 'referrer', 'country', 'utmContent', 'utmTerm']);

export function isDayOnly(dim: string): boolean {
  const colon = dim.indexOf(':');
  return colon > 0 && DAY_ONLY_KINDS.has(dim.slice(0, colon));
}

/** How many of `dimensionsOf`'s dimensions (day-only ones last) also go to hour and minute buckets. */
export function fineCountOf(dims: string[]): number {
  let n = dims.length;
  while (n > 0 && isDayOnly(dims[n - 1]!)) n--;
  return n;
}

type SessionFields = Pick<EnrichedEventParsed, 'referrerDomain' | 'country' | 'context' | 'isNewSession' | 'entryPage'>;

/** The page path of an event: `context.page.path`, else the path of `context.page.url` (as the identity service reads it). */
export function pageOf(context: EnrichedEventParsed['context']): string | null {
  const page = context.page;
  if (!page) return null;
  if (page.path) return clip(page.path);
  if (!page.url) return null;
  try {
    return clip(new URL(page.url).pathname);
  } catch {
    return null;
  }
}

/** utm_content / utm_term: Segment's `context.campaign`, else the page's query string (as the identity service reads utm_source). */
function campaignTag(context: EnrichedEventParsed['context'], tag: 'content' | 'term'): string | null {
  const value = context.campaign?.[tag];
  if (typeof value === 'string' && value) return clip(value);
  const page = context.page;
  const query = page?.search ?? page?.url;
  // Parsing a query string costs more than the rest of this function: only when the tag can be there.
  if (!query || !query.includes(`utm_${tag}=`)) return null;
  const search = page?.search ?? query.slice(query.indexOf('?') + 1).split('#')[0]!;
  return clip(new URLSearchParams(search.startsWith('?') ? search.slice(1) : search).get(`utm_${tag}`) || '') || null;
}

export function clip(value: string): string {
  return value.length > MAX_VALUE_LENGTH ? value.slice(0, MAX_VALUE_LENGTH) : value;
}
