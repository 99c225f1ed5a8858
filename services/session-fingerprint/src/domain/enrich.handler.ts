import { isbot } from 'isbot';
import { UAParser } from 'ua-parser-js';
import type { DeviceInfo, EventContext } from '@sightline/contracts';

export interface Attribution {
  referrerDomain: string | null;
  source: string | null;
  medium: string | null;
  campaign: string | null;
}

interface UaFacts {
  device: DeviceInfo;
  isBot: boolean;
}

// Parsing a User-Agent costs ~50 µs; real traffic repeats a few thousand strings, so a bounded
// cache turns the parse into a map lookup without letting odd traffic grow memory.
const UA_CACHE_SIZE = 10_000;
const uaCache = new Map<string, UaFacts>();

export function userAgentFacts(userAgent: string | null | undefined): UaFacts {
  const ua = userAgent ?? '';
  const cached = uaCache.get(ua);
  if (cached) return cached;
  const facts = parseUserAgent(ua);
  if (uaCache.size >= UA_CACHE_SIZE) uaCache.delete(uaCache.keys().next().value as string);
  uaCache.set(ua, facts);
  return facts;
}

function parseUserAgent(ua: string): UaFacts {
  const bot = ua.length > 0 && isbot(ua);
  const result = UAParser(ua);
  const type = result.device.type;
  const deviceType: DeviceInfo['deviceType'] = bot
    ? 'bot'
    : type === 'mobile' || type === 'tablet'
      ? type
      : type === undefined && (result.os.name || result.browser.name)
        ? 'desktop'
        : 'other';
  return {
    isBot: bot,
    device: { browser: result.browser.name ?? null, browserVersion: result.browser.major ?? null, os: result.os.name ?? null, deviceType },
  };
}

// Well-known referrers (Aktivat's and FizzStat's lists, trimmed): domain suffix → source, medium.
const KNOWN_REFERRERS: Array<[RegExp, string, string]> = [
  [/(^|\.)google\.[a-z.]+$/, 'google', 'organic'],
  [/(^|\.)bing\.com$/, 'bing', 'organic'],
  [/(^|\.)duckduckgo\.com$/, 'duckduckgo', 'organic'],
  [/(^|\.)search\.yahoo\.com$|(^|\.)yahoo\.[a-z.]+$/, 'yahoo', 'organic'],
  [/(^|\.)yandex\.[a-z.]+$/, 'yandex', 'organic'],
  [/(^|\.)baidu\.com$/, 'baidu', 'organic'],
  [/(^|\.)ecosia\.org$/, 'ecosia', 'organic'],
  [/(^|\.)facebook\.com$|^fb\.me$|^l\.facebook\.com$/, 'facebook', 'social'],
  [/(^|\.)instagram\.com$/, 'instagram', 'social'],
  [/^t\.co$|(^|\.)twitter\.com$|(^|\.)x\.com$/, 'twitter', 'social'],
  [/(^|\.)linkedin\.com$|^lnkd\.in$/, 'linkedin', 'social'],
  [/(^|\.)reddit\.com$/, 'reddit', 'social'],
  [/(^|\.)youtube\.com$|^youtu\.be$/, 'youtube', 'social'],
  [/(^|\.)news\.ycombinator\.com$/, 'hackernews', 'social'],
  [/(^|\.)mail\.google\.com$|(^|\.)outlook\.live\.com$|(^|\.)mail\.yahoo\.com$/, 'email', 'email'],
];

export function hostOf(url: string | null | undefined): string | null {
  if (!url) return null;
  try {
    const host = new URL(url).hostname.toLowerCase();
    return host.startsWith('www.') ? host.slice(4) : host || null;
  } catch {
    return null;
  }
}

function parseUrl(url: string | undefined): URL | null {
  if (!url) return null;
  try {
    return new URL(url);
  } catch {
    return null;
  }
}

/** Where the event came from, its campaign identity (splits sessions) and its page path. */
export interface SourceFacts {
  attribution: Attribution;
  /** Only explicit campaign tags count; null when the event has none. */
  campaignKey: string | null;
  page: string | null;
}

/**
 * Explicit campaign tags win (context.campaign, then utm_* in the page URL); else a well-known
 * referrer names the source and medium; else any other external referrer is `referral`; no
 * referrer is `direct`. A referrer on the page's own host is internal navigation and says
 * nothing about the source. The page URL is parsed once: this runs for every event.
 */
export function sourceOf(context: EventContext): SourceFacts {
  const page = context.page ?? {};
  const url = parseUrl(page.url);
  const params = page.search ? new URLSearchParams(page.search.startsWith('?') ? page.search.slice(1) : page.search) : url?.searchParams;
  const utmSource = context.campaign?.source ?? params?.get('utm_source') ?? null;
  const utmMedium = context.campaign?.medium ?? params?.get('utm_medium') ?? null;
  const utmCampaign = context.campaign?.name ?? params?.get('utm_campaign') ?? null;
  const path = page.path ?? url?.pathname ?? null;
  const referrerDomain = hostOf(page.referrer);
  const ownHost = url ? url.hostname.toLowerCase().replace(/^www\./, '') : null;
  const internal = referrerDomain !== null && referrerDomain === ownHost;
  const external = internal ? null : referrerDomain;
  if (utmSource || utmMedium || utmCampaign) {
    const attribution = { referrerDomain: external, source: utmSource ?? external, medium: utmMedium, campaign: utmCampaign };
    const campaignKey = utmSource || utmCampaign ? `${attribution.source ?? ''}|${attribution.medium ?? ''}|${attribution.campaign ?? ''}` : null;
    return { attribution, campaignKey, page: path };
  }
  if (!external) return { attribution: { referrerDomain: null, source: internal ? null : 'direct', medium: internal ? null : 'none', campaign: null }, campaignKey: null, page: path };
  const known = KNOWN_REFERRERS.find(([pattern]) => pattern.test(external));
  const attribution = known
    ? { referrerDomain: external, source: known[1], medium: known[2], campaign: null }
    : { referrerDomain: external, source: external, medium: 'referral', campaign: null };
  return { attribution, campaignKey: null, page: path };
}
