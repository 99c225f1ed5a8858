// What the dashboard's browser tests send through ingest, and the figures they expect, computed
// from what was sent by brute force (an oracle independent of the services).

export const DAY = 86_400_000;
export const MINUTE = 60_000;
export const iso = (ms: number) => new Date(ms).toISOString();
export const dateOf = (ms: number) => iso(ms).slice(0, 10);
export const desktopUserAgent = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';

export interface Sent {
  visitor: string;
  at: number;
  /** A page path for a pageview; null for a track event (`event`). */
  path: string | null;
  event?: string;
  referrer?: string;
}

export interface Period {
  from: number;
  to: number;
}

/** Two UTC days four days ago (the range the tests open), the two days before (the comparison). */
export function periods(now = Date.now()) {
  const day1 = Math.floor(now / DAY) * DAY - 4 * DAY;
  return { current: { from: day1, to: day1 + 2 * DAY }, previous: { from: day1 - 2 * DAY, to: day1 } };
}

const PAGES = ['/', '/pricing', '/docs', '/blog/a', '/blog/b'];

/** Twelve visitors with 1–2 visits each in the current period, four in the previous one. */
export function history(p: ReturnType<typeof periods>): Sent[] {
  const out: Sent[] = [];
  for (let i = 0; i < 12; i++) {
    const visitor = `v${i}`;
    const start = p.current.from + 2 * 3_600_000 + i * 37 * MINUTE;
    out.push({ visitor, at: start, path: PAGES[i % 3], ...(i % 2 ? { referrer: 'https://news.example/story' } : i % 5 === 0 ? { referrer: 'https://search.example/?q=x' } : {}) });
    if (i % 3 !== 0) out.push({ visitor, at: start + 2 * MINUTE, path: PAGES[3 + (i % 2)] });
    if (i % 4 === 0) out.push({ visitor, at: start + 3 * MINUTE, path: null, event: 'click' });
    if (i % 3 === 1) out.push({ visitor, at: start + 4 * MINUTE, path: null, event: 'signup' });
    // An event name a spreadsheet would run as a formula: the CSV export must escape it.
    if (i === 11) out.push({ visitor, at: start + 5 * MINUTE, path: null, event: '=HYPERLINK("http://x")' });
    if (i % 2 === 0) out.push({ visitor, at: start + DAY, path: '/pricing' }, { visitor, at: start + DAY + 5 * MINUTE, path: '/docs' });
  }
  for (let i = 0; i < 4; i++) out.push({ visitor: i < 2 ? `v${i}` : `old${i}`, at: p.previous.from + 5 * 3_600_000 + i * 45 * MINUTE, path: PAGES[i % 2] });
  out.push({ visitor: 'old3', at: p.previous.from + 5 * 3_600_000 + 3 * 45 * MINUTE + 2 * MINUTE, path: '/docs' });
  return out.sort((a, b) => a.at - b.at);
}

interface Visit {
  visitor: string;
  events: Sent[];
}

/** Sessions as the identity service cuts them: 30 minutes of inactivity. */
export function visitsOf(sent: Sent[]): Visit[] {
  const visits: Visit[] = [];
  const open = new Map<string, Visit>();
  for (const e of sent) {
    const last = open.get(e.visitor);
    if (last && e.at - last.events[last.events.length - 1]!.at <= 30 * MINUTE) last.events.push(e);
    else {
      const visit = { visitor: e.visitor, events: [e] };
      visits.push(visit);
      open.set(e.visitor, visit);
    }
  }
  return visits;
}

const within = (at: number, r: Period) => at >= r.from && at < r.to;

export function summaryOf(sent: Sent[], r: Period, people?: Set<string>) {
  const visits = visitsOf(sent).filter((v) => within(v.events[0]!.at, r) && (!people || people.has(v.visitor)));
  const pageviews = visits.reduce((n, v) => n + v.events.filter((e) => e.path !== null).length, 0);
  const duration = visits.reduce((n, v) => n + (v.events[v.events.length - 1]!.at - v.events[0]!.at) / 1000, 0);
  return {
    visitors: new Set(sent.filter((e) => within(e.at, r) && (!people || people.has(e.visitor))).map((e) => e.visitor)).size,
    visits: visits.length,
    pageviews,
    viewsPerVisit: visits.length ? pageviews / visits.length : 0,
    bounceRate: visits.length ? visits.filter((v) => v.events.length === 1).length / visits.length : 0,
    visitDurationSeconds: visits.length ? duration / visits.length : 0,
  };
}

export type Kind = 'page' | 'entryPage' | 'exitPage' | 'referrer' | 'event';

/** Unique visitors per value of a kind in the range (of `people` only, when given). */
export function breakdownOf(sent: Sent[], r: Period, by: Kind, people?: Set<string>): Record<string, number> {
  const per = new Map<string, Set<string>>();
  const add = (value: string, visitor: string) => (per.get(value) ?? per.set(value, new Set()).get(value)!).add(visitor);
  const mine = sent.filter((e) => !people || people.has(e.visitor));
  if (by === 'entryPage' || by === 'exitPage') {
    for (const v of visitsOf(sent)) {
      if (!within(v.events[0]!.at, r) || (people && !people.has(v.visitor))) continue;
      const pages = v.events.filter((e) => e.path !== null);
      if (pages.length) add((by === 'entryPage' ? pages[0] : pages[pages.length - 1])!.path!, v.visitor);
    }
  } else {
    for (const e of mine) {
      if (!within(e.at, r)) continue;
      if (by === 'page' && e.path) add(e.path, e.visitor);
      if (by === 'referrer' && e.referrer) add(new URL(e.referrer).hostname, e.visitor);
      // A page call is the event $pageview.
      if (by === 'event') add(e.event ?? '$pageview', e.visitor);
    }
  }
  return Object.fromEntries([...per].map(([value, set]) => [value, set.size]));
}

/** Visitors who viewed `path` in the range: whom a "page is path" filter selects. */
export const viewersOf = (sent: Sent[], r: Period, path: string) => new Set(sent.filter((e) => within(e.at, r) && e.path === path).map((e) => e.visitor));

/** The Segment batch that sends `sent` (page calls and track calls, with a desktop browser's user agent). */
export function segmentBatch(sent: Sent[]) {
  return sent.map((e, i) => {
    const context = { userAgent: desktopUserAgent, ...(e.path ? { page: { path: e.path, url: `https://shop.example${e.path}`, ...(e.referrer ? { referrer: e.referrer } : {}) } } : {}) };
    const common = { userId: e.visitor, messageId: `${e.visitor}-${e.at}-${i}`, context, timestamp: iso(e.at) };
    return e.path ? { type: 'page', name: e.path, ...common } : { type: 'track', event: e.event, ...common };
  });
}
