import { waitFor } from '@sightline/testing';
import { startStack, type Stack } from '../../../../test/e2e/stack';
import { createTenant, type Tenant } from '../test-support/fixtures';
import { apiClient } from '../test-support/gateway-harness';
import { DAY_ROUNDED_NOTE, SESSION_FILTER_NOTE } from './overview.assembly';

/**
 * The dashboard's overview, breakdowns and realtime through the five real services, against the
 * figures the test computes from the events it sends through ingest (Segment batch API).
 */
const DAY = 86_400_000;
const MINUTE = 60_000;
const day1 = Math.floor(Date.now() / DAY) * DAY - 4 * DAY;
const current = { from: day1, to: day1 + 2 * DAY };
const previous = { from: day1 - 2 * DAY, to: day1 };
const iso = (ms: number) => new Date(ms).toISOString();
const userAgent = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';

interface Sent {
  visitor: string;
  at: number;
  /** A page path for a pageview, null for a track event. */
  path: string | null;
  referrer?: string;
  query?: string;
}

/** Ten visitors: a first visit (1-3 events), half of them a second one a day later; two visitors the period before. */
function history(): Sent[] {
  const out: Sent[] = [];
  for (let i = 0; i < 10; i++) {
    const visitor = `u${i}`;
    const start = day1 + 3 * 3_600_000 + i * 40 * MINUTE;
    out.push({ visitor, at: start, path: '/', ...(i % 2 ? { referrer: 'https://news.example/story' } : {}) });
    if (i % 3 !== 0) out.push({ visitor, at: start + 2 * MINUTE, path: '/pricing' });
    if (i % 4 === 0) out.push({ visitor, at: start + 3 * MINUTE, path: null });
    if (i % 2 === 0) out.push({ visitor, at: start + DAY, path: '/docs', query: '?utm_content=banner&utm_term=shoes' });
  }
  out.push({ visitor: 'u0', at: previous.from + 5 * 3_600_000, path: '/' }, { visitor: 'old', at: previous.from + 6 * 3_600_000, path: '/pricing' });
  out.push({ visitor: 'old', at: previous.from + 6 * 3_600_000 + 5 * MINUTE, path: '/' });
  return out.sort((a, b) => a.at - b.at);
}

interface Visit {
  visitor: string;
  events: Sent[];
}

/** Sessions as the identity service cuts them: 30 minutes of inactivity (no campaign tags here). */
function visitsOf(sent: Sent[]): Visit[] {
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

function summaryOf(sent: Sent[], from: number, to: number, people?: Set<string>) {
  const visits = visitsOf(sent).filter((v) => v.events[0]!.at >= from && v.events[0]!.at < to && (!people || people.has(v.visitor)));
  const pageviews = visits.reduce((n, v) => n + v.events.filter((e) => e.path !== null).length, 0);
  const duration = visits.reduce((n, v) => n + (v.events[v.events.length - 1]!.at - v.events[0]!.at) / 1000, 0);
  const inRange = sent.filter((e) => e.at >= from && e.at < to && (!people || people.has(e.visitor)));
  return {
    visitors: new Set(inRange.map((e) => e.visitor)).size,
    visits: visits.length,
    pageviews,
    viewsPerVisit: visits.length ? pageviews / visits.length : 0,
    bounceRate: visits.length ? visits.filter((v) => v.events.length === 1).length / visits.length : 0,
    visitDurationSeconds: visits.length ? duration / visits.length : 0,
  };
}

/** Unique visitors per value of the dashboard's page kinds in the range. */
function breakdownOf(sent: Sent[], from: number, to: number, by: 'page' | 'entryPage' | 'exitPage' | 'referrer' | 'utmContent') {
  const per = new Map<string, Set<string>>();
  const add = (value: string, visitor: string) => (per.get(value) ?? per.set(value, new Set()).get(value)!).add(visitor);
  if (by === 'entryPage' || by === 'exitPage') {
    for (const v of visitsOf(sent)) {
      if (v.events[0]!.at < from || v.events[0]!.at >= to) continue;
      const pages = v.events.filter((e) => e.path !== null);
      add((by === 'entryPage' ? pages[0] : pages[pages.length - 1])!.path!, v.visitor);
    }
  } else {
    for (const e of sent) {
      if (e.at < from || e.at >= to) continue;
      if (by === 'page' && e.path) add(e.path, e.visitor);
      if (by === 'referrer' && e.referrer) add(new URL(e.referrer).hostname, e.visitor);
      if (by === 'utmContent' && e.query) add(new URLSearchParams(e.query).get('utm_content')!, e.visitor);
    }
  }
  return Object.fromEntries([...per].map(([value, set]) => [value, set.size]));
}

function segmentBatch(sent: Sent[], timestamped = true) {
  return sent.map((e, i) => {
    const url = e.path ? `https://shop.example${e.path}${e.query ?? ''}` : undefined;
    const context = { userAgent, ...(e.path ? { page: { path: e.path, url, ...(e.referrer ? { referrer: e.referrer } : {}) } } : {}) };
    const common = { userId: e.visitor, messageId: `${e.visitor}-${e.at}-${i}`, context, ...(timestamped ? { timestamp: iso(e.at) } : {}) };
    return e.path ? { type: 'page', name: e.path, ...common } : { type: 'track', event: 'click', ...common };
  });
}

describe('dashboard overview, breakdowns and realtime through the real services', () => {
  let stack: Stack;
  let api: ReturnType<typeof apiClient>;
  let t: Tenant;
  const sent = history();

  beforeAll(async () => {
    stack = await startStack('dash');
    api = apiClient(stack.services.gateway.url);
    t = await createTenant(api, 'Dashboard E2E');
    const ingest = apiClient(stack.services.ingest.url);
    await waitFor(async () => (await ingest('POST', '/v1/batch', { basic: { email: t.writeKey, password: '' }, body: { batch: segmentBatch(sent) } })).status === 200, {
      timeoutMs: 15_000,
      description: 'write key known at ingest and batch accepted',
    });
  }, 180_000);
  afterAll(() => stack?.stop(), 60_000);

  const get = (path: string) => api('GET', `/v1/projects/${t.projectId}${path}`, { bearer: t.readKey });
  const round = (s: Record<string, number>) => Object.fromEntries(Object.entries(s).map(([k, v]) => [k, Math.round(v * 1e6) / 1e6]));
  const cards = (s: Record<string, unknown>) =>
    round({ visitors: s.visitors as number, visits: s.visits as number, pageviews: s.pageviews as number, viewsPerVisit: s.viewsPerVisit as number, bounceRate: s.bounceRate as number, visitDurationSeconds: s.visitDurationSeconds as number });

  it('every overview card and the comparison equal the figures computed from what was sent, in one request', async () => {
    const want = { current: round(summaryOf(sent, current.from, current.to)), comparison: round(summaryOf(sent, previous.from, previous.to)) };
    const path = `/overview?from=${iso(current.from)}&to=${iso(current.to)}&interval=day&compareFrom=${iso(previous.from)}&compareTo=${iso(previous.to)}`;
    let last: { status: number; body: any } | undefined;
    await waitFor(async () => {
      last = await get(path);
      return last.status === 200 && JSON.stringify({ current: cards(last.body.current), comparison: cards(last.body.comparison) }) === JSON.stringify(want);
    }, { timeoutMs: 90_000 }).catch(() => undefined);
    expect({ status: last?.status, current: cards(last?.body.current ?? {}), comparison: cards(last?.body.comparison ?? {}) }).toEqual({ status: 200, ...want });
    const series = last!.body.current.series as Array<{ start: string; visitors: number; visits: number; pageviews: number }>;
    expect(series.map((p) => p.start)).toEqual([iso(current.from), iso(current.from + DAY)]);
    expect(series.map((p) => ({ visitors: p.visitors, visits: p.visits, pageviews: p.pageviews }))).toEqual(
      [current.from, current.from + DAY].map((from) => {
        const s = summaryOf(sent, from, from + DAY);
        return { visitors: s.visitors, visits: s.visits, pageviews: s.pageviews };
      }),
    );
    expect(want.current.bounceRate).toBeGreaterThan(0);
    expect(want.current.visitDurationSeconds).toBeGreaterThan(0);
  }, 120_000);

  it('a filter applies to every figure: visitors who viewed /pricing, and their visits', async () => {
    const people = new Set(sent.filter((e) => e.path === '/pricing' && e.at >= current.from && e.at < current.to).map((e) => e.visitor));
    const want = round(summaryOf(sent, current.from, current.to, people));
    const filter = encodeURIComponent(JSON.stringify({ page: '/pricing' }));
    const res = await get(`/overview?from=${iso(current.from)}&to=${iso(current.to)}&interval=day&filter=${filter}`);
    expect(res.status).toBe(200);
    expect(cards(res.body.current)).toEqual(want);
    expect(res.body.current.notes).toEqual([SESSION_FILTER_NOTE]);
    // Hourly points read the page leaf over each point's whole day, among the visitors active in the hour: the reply says so.
    const hourly = await get(`/overview?from=${iso(current.from)}&to=${iso(current.to)}&interval=hour&filter=${filter}`);
    expect(cards(hourly.body.current)).toEqual(want);
    expect(hourly.body.current.notes).toEqual([SESSION_FILTER_NOTE, DAY_ROUNDED_NOTE]);
    expect(want.visits).toBeLessThan(summaryOf(sent, current.from, current.to).visits);
  }, 60_000);

  it.each(['page', 'entryPage', 'exitPage', 'referrer', 'utmContent'] as const)('breakdown by %s is exact uniques with the range total', async (by) => {
    const res = await get(`/breakdown?from=${iso(current.from)}&to=${iso(current.to)}&by=${by}&limit=50`);
    expect(res.status).toBe(200);
    expect(Object.fromEntries(res.body.values.map((v: { value: string; uniques: number }) => [v.value, v.uniques]))).toEqual(breakdownOf(sent, current.from, current.to, by));
    expect(res.body.total).toBe(summaryOf(sent, current.from, current.to).visitors);
    expect(res.body.capped).toBeUndefined();
  }, 60_000);

  it('realtime counts the visitors of the last minutes from minute buckets, and only them', async () => {
    const now = [0, 1, 2].map((i) => ({ visitor: `live${i}`, at: Date.now(), path: '/live' }));
    const ingest = apiClient(stack.services.ingest.url);
    expect((await ingest('POST', '/v1/batch', { basic: { email: t.writeKey, password: '' }, body: { batch: segmentBatch(now, false) } })).status).toBe(200);
    let last: { status: number; body: any } | undefined;
    await waitFor(async () => {
      last = await get('/realtime?minutes=5');
      return last.body.visitors === 3;
    }, { timeoutMs: 60_000 }).catch(() => undefined);
    expect(last?.body).toMatchObject({ minutes: 5, visitors: 3 });
    expect(Date.parse(last!.body.since)).toBeLessThanOrEqual(Date.now() - 4 * MINUTE);
    expect((await get('/realtime')).body.minutes).toBe(5);
    for (const minutes of ['0', '61', 'x']) expect((await get(`/realtime?minutes=${minutes}`)).status).toBe(400);
  }, 90_000);

  it('refuses what would cost too much or mean nothing, with the field to fix', async () => {
    const base = `from=${iso(current.from)}&to=${iso(current.to)}`;
    expect((await get(`/overview?${base}&compareFrom=${iso(previous.from)}`)).body.error.field).toBe('compareTo');
    expect((await get(`/overview?${base}&interval=minute`)).status).toBe(400);
    for (const by of ['constructor', '__proto__', 'toString']) expect((await get(`/breakdown?${base}&by=${by}`)).status).toBe(400);
    expect((await get(`/events/counts?${base}&breakdown=constructor`)).status).toBe(400);
    for (const name of ['__proto__', 'constructor']) {
      expect((await get(`/overview?${base}&filter=${encodeURIComponent(`{"${name}":{"page":"/"}}`)}`)).status).toBe(400);
      const trait = await get(`/breakdown?${base}&by=trait:${name}`);
      expect([trait.status, trait.body.values]).toEqual([200, []]);
    }
  }, 60_000);
});
