// What the analysis views' browser tests send through ingest, and the figures they expect,
// computed by brute force from what was sent (an oracle independent of the services): funnels
// (docs/funnels.md's best attempt), retention cohorts, the event log's order, compare overlaps.

export const DAY = 86_400_000;
export const MINUTE = 60_000;
export const iso = (ms: number) => new Date(ms).toISOString();
export const dateOf = (ms: number) => iso(ms).slice(0, 10);
const userAgent = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';

export interface Sent {
  visitor: string;
  at: number;
  type: 'page' | 'track' | 'identify';
  /** `$pageview`, `$identify` or the track name. */
  name: string;
  path?: string;
  properties?: Record<string, string>;
  traits?: Record<string, string>;
}

export const VISITORS = 30;
export const DAYS = 8;
export const planOf = (i: number) => (i % 2 ? 'pro' : 'free');

/**
 * Thirty visitors over eight UTC days ending two days ago: each first comes on day i % 7 (an
 * identify with a plan trait, a pageview), two in three sign up (plan property), some of those
 * purchase; half come back the next day, a quarter two days later. Every timestamp is distinct.
 */
export function history(now = Date.now()): { sent: Sent[]; from: number; to: number } {
  const from = Math.floor(now / DAY) * DAY - DAYS * DAY - 2 * DAY;
  const out: Sent[] = [];
  for (let i = 0; i < VISITORS; i++) {
    const visitor = `u${i}`;
    const t0 = from + (i % 7) * DAY + 60 * MINUTE + i * 17 * 1000 + i * 3 * MINUTE;
    out.push({ visitor, at: t0 - 1000, type: 'identify', name: '$identify', traits: { plan: planOf(i) } });
    out.push({ visitor, at: t0, type: 'page', name: '$pageview', path: '/' });
    if (i % 3 !== 0) {
      const signup = t0 + (2 + i) * MINUTE;
      out.push({ visitor, at: signup, type: 'track', name: 'signup', properties: { plan: planOf(i) } });
      if (i % 4 !== 0) out.push({ visitor, at: signup + (3 + 2 * i) * MINUTE, type: 'track', name: 'purchase', properties: { amount: String(10 + i) } });
    }
    if (i % 2 === 0) out.push({ visitor, at: t0 + DAY + 7 * MINUTE, type: 'page', name: '$pageview', path: '/docs' });
    if (i % 4 === 0) out.push({ visitor, at: t0 + 2 * DAY + 11 * MINUTE, type: 'page', name: '$pageview', path: '/pricing' });
  }
  return { sent: out.sort((a, b) => a.at - b.at), from, to: from + DAYS * DAY };
}

/** The Segment batch that sends `sent`. */
export function segmentBatch(sent: Sent[]) {
  return sent.map((e, i) => {
    const common = { userId: e.visitor, messageId: `${e.visitor}-${e.at}-${i}`, timestamp: iso(e.at), context: { userAgent, ...(e.path ? { page: { path: e.path, url: `https://shop.example${e.path}` } } : {}) } };
    if (e.type === 'identify') return { type: 'identify', traits: e.traits, ...common };
    if (e.type === 'page') return { type: 'page', name: e.path, ...common };
    return { type: 'track', event: e.name, properties: e.properties, ...common };
  });
}

export interface FunnelStep {
  event: string;
  where?: Record<string, string>;
}

const matches = (e: Sent, s: FunnelStep) => e.name === s.event && Object.entries(s.where ?? {}).every(([k, v]) => e.properties?.[k] === v);
const nearestRank = (sorted: number[], p: number) => (sorted.length ? sorted[Math.ceil(p * sorted.length) - 1]! : null);

/** A sequential funnel by brute force: every entry's attempt, each person's best attempt, counts, drop-offs and time percentiles. */
export function sequentialFunnel(sent: Sent[], steps: FunnelStep[], windowMs: number, from: number, to: number) {
  const people = [...new Set(sent.map((e) => e.visitor))];
  const best = new Map<string, { depth: number; reach: number[] }>();
  for (const person of people) {
    const events = sent.filter((e) => e.visitor === person);
    let chosen: { depth: number; reach: number[] } | null = null;
    for (const entry of events) {
      if (!matches(entry, steps[0]!) || entry.at < from || entry.at >= to) continue;
      const reach = [entry.at];
      for (let k = 1; k < steps.length; k++) {
        const next = events.find((e) => e.at > reach[k - 1]! && e.at <= entry.at + windowMs && matches(e, steps[k]!));
        if (!next) break;
        reach.push(next.at);
      }
      const better =
        !chosen ||
        reach.length > chosen.depth ||
        (reach.length === chosen.depth && reach[reach.length - 1]! - reach[0]! < chosen.reach[chosen.reach.length - 1]! - chosen.reach[0]!);
      if (better) chosen = { depth: reach.length, reach };
    }
    if (chosen) best.set(person, chosen);
  }
  return steps.map((s, k) => {
    const reached = [...best].filter(([, b]) => b.depth > k).map(([p]) => p);
    const before = k === 0 ? [] : [...best].filter(([, b]) => b.depth === k).map(([p]) => p);
    const deltas = k === 0 ? [] : [...best].filter(([, b]) => b.depth > k).map(([, b]) => (b.reach[k]! - b.reach[k - 1]!) / 1000).sort((a, b) => a - b);
    return { event: s.event, count: reached.length, converted: reached.sort(), dropped: before.sort(), median: nearestRank(deltas, 0.5), p90: nearestRank(deltas, 0.9) };
  });
}

/** The API's filter grammar, as far as these tests use it. */
export type Filter = { event: string } | { page: string } | { trait: { key: string; value: string } } | { and: Filter[] } | { or: Filter[] } | { not: Filter };

/** Whether a visitor with these events (of one period) matches `filter`: a leaf by any event, `not` among the active. */
function matchesFilter(filter: Filter, events: Sent[]): boolean {
  if ('and' in filter) return filter.and.every((f) => matchesFilter(f, events));
  if ('or' in filter) return filter.or.some((f) => matchesFilter(f, events));
  if ('not' in filter) return events.length > 0 && !matchesFilter(filter.not, events);
  if ('event' in filter) return events.some((e) => e.name === filter.event);
  if ('page' in filter) return events.some((e) => e.type === 'page' && e.path === filter.page);
  return events.some((e) => e.traits?.[filter.trait.key] === filter.trait.value);
}

/** The visitors who match `filter` by their events in [from, to). */
export function filteredVisitors(sent: Sent[], filter: Filter, from: number, to: number): Set<string> {
  const inRange = sent.filter((e) => e.at >= from && e.at < to);
  return new Set([...new Set(inRange.map((e) => e.visitor))].filter((v) => matchesFilter(filter, inRange.filter((e) => e.visitor === v))));
}

/**
 * Day cohorts of visitors first seen on each day of [from, from + days), and how many were active
 * k days later. With `filter`, a cohort keeps only its visitors who matched it on their first day.
 */
export function dayRetention(sent: Sent[], from: number, days: number, filter?: Filter): Record<string, number[]> {
  const first = new Map<string, number>();
  const active = new Map<number, Set<string>>();
  for (const e of sent) {
    const day = Math.floor((e.at - from) / DAY);
    if (!first.has(e.visitor)) first.set(e.visitor, day);
    (active.get(day) ?? active.set(day, new Set()).get(day)!).add(e.visitor);
  }
  const out: Record<string, number[]> = {};
  for (let i = 0; i < days; i++) {
    const firstDay = from + i * DAY;
    const cohort = [...first].filter(([v, d]) => d === i && (!filter || filteredVisitors(sent, filter, firstDay, firstDay + DAY).has(v))).map(([v]) => v);
    if (!cohort.length) continue;
    out[iso(from + i * DAY)] = Array.from({ length: days - i }, (_, k) => cohort.filter((v) => active.get(i + k)?.has(v)).length);
  }
  return out;
}

/** People who sent event `name` in [from, to). */
export const didEvent = (sent: Sent[], name: string, from: number, to: number) => new Set(sent.filter((e) => e.name === name && e.at >= from && e.at < to).map((e) => e.visitor));

/** Sessions started in [from, to) as the identity service cuts them (30 minutes of inactivity): each one's visitor. */
export function sessionsOf(sent: Sent[], from: number, to: number): string[] {
  const last = new Map<string, number>();
  const out: string[] = [];
  for (const e of sent) {
    const prev = last.get(e.visitor);
    if ((prev === undefined || e.at - prev > 30 * MINUTE) && e.at >= from && e.at < to) out.push(e.visitor);
    last.set(e.visitor, e.at);
  }
  return out;
}
