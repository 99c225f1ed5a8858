import { waitFor } from '@sightline/testing';
// The lead's five-process stack (test/e2e): one definition of how the services are wired.
import { startStack, type Stack } from '../../../test/e2e/stack';
import { funnelCounts, uniqueVisitors, type SentEvent } from './test-support/brute-force';
import { createTenant, type Tenant } from './test-support/fixtures';
import { apiClient } from './test-support/gateway-harness';

const DAY = 86_400_000;
const day1 = Math.floor(Date.now() / DAY) * DAY - 3 * DAY;
const range = { from: day1, to: day1 + 2 * DAY };
const iso = (ms: number) => new Date(ms).toISOString();
const STEPS = ['view', 'signup', 'purchase'];
const PLANS = ['free', 'pro', 'team'];
// A browser's user agent: without one the events are bots, which unique counts leave out.
const context = { userAgent: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36' };

/** Polls until `read` returns `want` (deep-equal); returns the last value either way, for a readable failure. */
async function eventually<T>(read: () => Promise<T>, want: T, timeoutMs = 90_000): Promise<T> {
  let last: T | undefined;
  await waitFor(async () => {
    last = await read();
    return JSON.stringify(last) === JSON.stringify(want);
  }, { timeoutMs }).catch(() => undefined);
  return last as T;
}

/** A small, deterministic history per project: some visitors skip steps, convert late or do steps out of order. */
function historyFor(project: number, visitors: number): SentEvent[] {
  const out: SentEvent[] = [];
  for (let i = 0; i < visitors; i++) {
    const visitor = `p${project}-u${i}`;
    const plan = PLANS[i % 3]!;
    const base = day1 + i * 37 * 60_000 + project * 1000;
    const add = (name: string, minutes: number) => out.push({ messageId: `${visitor}-${name}-${minutes}`, visitor, name, at: base + minutes * 60_000, plan });
    add('$identify', 0);
    if (i % 5 !== 4) add('view', 1);
    // Rare (under a quarter of the visitors): a funnel starting with it once took the aggregator's candidates; now the query service alone.
    if (i % 6 === 0) add('upgrade', 2);
    if (i % 2 === 0) add('signup', 5);
    if (i % 4 === 0) add('purchase', 10);
    if (i % 4 === 2) add('purchase', 180);
  }
  return out;
}

describe('gateway end to end: five services, three projects, answers equal brute force', () => {
  let stack: Stack;
  let api: ReturnType<typeof apiClient>;
  const tenants: Tenant[] = [];
  const sent: SentEvent[][] = [];

  beforeAll(async () => {
    stack = await startStack('gw');
    api = apiClient(stack.services.gateway.url);
    for (let p = 0; p < 3; p++) tenants.push(await createTenant(api, `Gateway E2E ${p}`));
    const ingest = apiClient(stack.services.ingest.url);
    for (const [p, tenant] of tenants.entries()) {
      const history = historyFor(p, 12 + p * 4);
      sent.push(history);
      const batch = history.map((e) =>
        e.name === '$identify'
          ? { type: 'identify', userId: e.visitor, traits: { plan: e.plan }, messageId: e.messageId, timestamp: iso(e.at), context }
          : { type: 'track', event: e.name, userId: e.visitor, properties: { step: e.name }, messageId: e.messageId, timestamp: iso(e.at), context },
      );
      await waitFor(async () => (await ingest('POST', '/v1/batch', { basic: { email: tenant.writeKey, password: '' }, body: { batch } })).status === 200, {
        timeoutMs: 15_000,
        description: 'write key known at ingest and batch accepted',
      });
    }
  }, 180_000);
  afterAll(() => stack?.stop(), 60_000);

  it('unique visitors (total, daily series, per event, per trait) equal the brute-force answer for each project', async () => {
    for (const [p, t] of tenants.entries()) {
      const events = sent[p]!;
      const want = {
        total: uniqueVisitors(events, range.from, range.to),
        series: [uniqueVisitors(events, range.from, range.from + DAY), uniqueVisitors(events, range.from + DAY, range.to)],
        purchase: uniqueVisitors(events, range.from, range.to, 'purchase'),
        pro: new Set(events.filter((e) => e.plan === 'pro').map((e) => e.visitor)).size,
      };
      const q = `from=${iso(range.from)}&to=${iso(range.to)}`;
      const got = await eventually(async () => {
        const [all, purchase, pro] = await Promise.all([
          api('GET', `/v1/projects/${t.projectId}/unique-visitors?${q}&interval=day`, { bearer: t.readKey }),
          api('GET', `/v1/projects/${t.projectId}/unique-visitors?${q}&event=purchase`, { bearer: t.readKey }),
          api('GET', `/v1/projects/${t.projectId}/unique-visitors?${q}&filter=${encodeURIComponent(JSON.stringify({ trait: { key: 'plan', value: 'pro' } }))}`, { bearer: t.readKey }),
        ]);
        return { total: all.body.total, series: all.body.series?.map((s: { count: number }) => s.count), purchase: purchase.body.total, pro: pro.body.total };
      }, want);
      expect(got).toEqual(want);
    }
  }, 120_000);

  it('a 3-step funnel with a breakdown by plan equals the brute-force answer for each project', async () => {
    for (const [p, t] of tenants.entries()) {
      const want = funnelCounts(sent[p]!, STEPS, range.from, range.to, 3600_000);
      const body = { from: iso(range.from), to: iso(range.to), steps: STEPS.map((event) => ({ event })), windowSeconds: 3600, order: 'sequential', breakdown: 'plan' };
      const got = await eventually(async () => {
        const res = await api('POST', `/v1/projects/${t.projectId}/funnels/query`, { bearer: t.readKey, body });
        if (res.status !== 200) return { status: res.status, body: res.body };
        const overall = res.body.steps.map((s: { count: number }) => s.count);
        const byPlan = Object.fromEntries(res.body.breakdown.map((b: { value: string; steps: Array<{ count: number }> }) => [b.value, b.steps.map((s) => s.count)]));
        return { overall, byPlan: Object.fromEntries(Object.keys(want.byPlan).map((k) => [k, byPlan[k]])), plans: Object.keys(byPlan).sort() };
      }, { ...want, plans: Object.keys(want.byPlan).sort() });
      expect(got).toEqual({ ...want, plans: Object.keys(want.byPlan).sort() });
      expect(want.overall[2]).toBeGreaterThan(0);
      expect(want.overall[2]).toBeLessThan(want.overall[0]!);
    }
  }, 120_000);

  it('a funnel from a rare first step equals brute force', async () => {
    for (const [p, t] of tenants.entries()) {
      const steps = ['upgrade', 'purchase'];
      const want = funnelCounts(sent[p]!, steps, range.from, range.to, 3600_000).overall;
      const body = { from: iso(range.from), to: iso(range.to), steps: steps.map((event) => ({ event })), windowSeconds: 3600 };
      const got = await eventually(async () => (await api('POST', `/v1/projects/${t.projectId}/funnels/query`, { bearer: t.readKey, body })).body.steps?.map((s: { count: number }) => s.count), want);
      expect(got).toEqual(want);
      expect(want[0]).toBeGreaterThan(0);
    }
  }, 120_000);

  it('event-log pages per project equal the brute-force order, and the saved funnel gives the same answer', async () => {
    for (const [p, t] of tenants.entries()) {
      const expected = [...sent[p]!].sort((a, b) => b.at - a.at).map((e) => e.messageId);
      const first = await api('GET', `/v1/projects/${t.projectId}/events?from=${iso(range.from)}&to=${iso(range.to)}&limit=10&withTotal=true`, { bearer: t.readKey });
      expect(first.status).toBe(200);
      expect(first.body.total).toBe(expected.length);
      expect(first.body.events.map((e: { messageId: string }) => e.messageId)).toEqual(expected.slice(0, 10));
      const second = await api('GET', `/v1/projects/${t.projectId}/events?from=${iso(range.from)}&to=${iso(range.to)}&limit=10&cursor=${encodeURIComponent(first.body.nextCursor)}`, { bearer: t.readKey });
      expect(second.body.events.map((e: { messageId: string }) => e.messageId)).toEqual(expected.slice(10, 20));
    }
    const t = tenants[0]!;
    const definition = { steps: STEPS.map((event) => ({ event })), windowSeconds: 3600, order: 'sequential' };
    expect((await api('PUT', `/v1/projects/${t.projectId}/funnels/checkout`, { basic: t.admin, body: definition })).status).toBe(200);
    const saved = await api('GET', `/v1/projects/${t.projectId}/funnels/checkout?from=${iso(range.from)}&to=${iso(range.to)}`, { bearer: t.readKey });
    expect(saved.body.result.steps.map((s: { count: number }) => s.count)).toEqual(funnelCounts(sent[0]!, STEPS, range.from, range.to, 3600_000).overall);
  }, 120_000);

  it('event counts (aggregator counters and event-store breakdown) and the unique-visitor breakdown by plan equal brute force', async () => {
    const t = tenants[2]!;
    const events = sent[2]!;
    const q = `from=${iso(range.from)}&to=${iso(range.to)}`;
    const purchases = events.filter((e) => e.name === 'purchase').length;
    const counts = await api('GET', `/v1/projects/${t.projectId}/events/counts?${q}&event=purchase&interval=day`, { bearer: t.readKey });
    expect(counts.body).toEqual({ total: purchases, series: [expect.objectContaining({ count: purchases }), expect.objectContaining({ count: 0 })] });
    const byName = await api('GET', `/v1/projects/${t.projectId}/events/counts?${q}&breakdown=name&limit=10`, { bearer: t.readKey });
    const wantByName = Object.fromEntries([...new Set(events.map((e) => e.name))].map((n) => [n, events.filter((e) => e.name === n).length]));
    expect(Object.fromEntries(byName.body.breakdown.map((b: { value: string; count: number }) => [b.value, b.count]))).toEqual(wantByName);
    const breakdown = await api('GET', `/v1/projects/${t.projectId}/breakdown?${q}&by=trait:plan`, { bearer: t.readKey });
    const wantPlans = Object.fromEntries(PLANS.map((p) => [p, new Set(events.filter((e) => e.plan === p).map((e) => e.visitor)).size]));
    expect(Object.fromEntries(breakdown.body.values.map((v: { value: string; uniques: number }) => [v.value, v.uniques]))).toEqual(wantPlans);
  }, 120_000);

  it("a read key of one project never reads another's data through the real services", async () => {
    const [a, b] = tenants as [Tenant, Tenant];
    const res = await api('GET', `/v1/projects/${b.projectId}/unique-visitors?from=${iso(range.from)}&to=${iso(range.to)}`, { bearer: a.readKey });
    expect(res.status).toBe(404);
    const own = await api('GET', `/api/event/?from=${iso(range.from)}&to=${iso(range.to)}&limit=100`, { bearer: a.readKey });
    expect(own.body.count).toBe(sent[0]!.length);
    const names = (list: string[]) => list.sort().join(',');
    expect(names(own.body.results.map((r: { name: string }) => r.name))).toBe(names(sent[0]!.map((e) => e.name)));
  }, 120_000);

  it('injection strings reach the real services as inert data: nothing matches, nothing fails', async () => {
    const t = tenants[0]!;
    const q = `from=${iso(range.from)}&to=${iso(range.to)}`;
    for (const nasty of ["' OR '1'='1", '*', `{p:${tenants[1]!.projectId}}*`, '\r\nFLUSHALL\r\n', '$active', 'event:view']) {
      const v = encodeURIComponent(nasty);
      const uv = await api('GET', `/v1/projects/${t.projectId}/unique-visitors?${q}&event=${v}`, { bearer: t.readKey });
      expect([uv.status, uv.body.total]).toEqual([200, 0]);
      const trait = await api('GET', `/v1/projects/${t.projectId}/unique-visitors?${q}&filter=${encodeURIComponent(JSON.stringify({ trait: { key: 'plan', value: nasty } }))}`, { bearer: t.readKey });
      expect([trait.status, trait.body.total]).toEqual([200, 0]);
      const log = await api('GET', `/v1/projects/${t.projectId}/events?${q}&name=${v}&prop.step=${v}`, { bearer: t.readKey });
      expect([log.status, log.body.events.length]).toEqual([200, 0]);
      const visitor = await api('GET', `/v1/projects/${t.projectId}/visitors/${v}`, { bearer: t.readKey });
      expect(visitor.status).toBe(404);
    }
  }, 120_000);

  it('a rotated write key works at ingest within 2 s and the old one stops; a deleted project stops too', async () => {
    const t = await createTenant(api, 'Rotation');
    const ingest = apiClient(stack.services.ingest.url);
    const track = (key: string) => ingest('POST', '/v1/track', { basic: { email: key, password: '' }, body: { event: 'ping', userId: 'u', context } });
    await waitFor(async () => (await track(t.writeKey)).status === 200, { timeoutMs: 15_000, description: 'first write key accepted' });
    const rotated = await api('POST', `/v1/projects/${t.projectId}/write-key/rotate`, { basic: t.admin, body: {} });
    const started = Date.now();
    await waitFor(async () => (await track(rotated.body.project.writeKey)).status === 200 && (await track(t.writeKey)).status === 401, { timeoutMs: 5_000, intervalMs: 50, description: 'rotation visible at ingest' });
    expect(Date.now() - started).toBeLessThan(2000);
    expect((await api('DELETE', `/v1/projects/${t.projectId}`, { basic: t.admin })).status).toBe(204);
    const deleted = Date.now();
    await waitFor(async () => (await track(rotated.body.project.writeKey)).status === 401, { timeoutMs: 5_000, intervalMs: 50, description: 'deleted project refused at ingest' });
    expect(Date.now() - deleted).toBeLessThan(2000);
  }, 120_000);

  it('erasure: 202 with a status URL that turns erased, and the visitor stops counting', async () => {
    const t = tenants[1]!;
    const visitor = sent[1]![0]!.visitor;
    const erased = await api('DELETE', `/v1/projects/${t.projectId}/visitors/${visitor}`, { basic: t.admin });
    expect(erased.status).toBe(202);
    expect(erased.headers.get('location')).toBe(erased.body.statusUrl);
    await waitFor(async () => (await api('GET', erased.body.statusUrl, { basic: t.admin })).body.status === 'erased', { timeoutMs: 60_000, description: 'erasure applied' });
    const want = uniqueVisitors(sent[1]!, range.from, range.to) - 1;
    await waitFor(async () => (await api('GET', `/v1/projects/${t.projectId}/unique-visitors?from=${iso(range.from)}&to=${iso(range.to)}`, { bearer: t.readKey })).body.total === want, {
      timeoutMs: 60_000,
      description: `uniques down to ${want}`,
    });
  }, 120_000);
});
