import { randomUUID } from 'node:crypto';
import { waitFor } from '@sightline/testing';
import { startStack, type Stack } from '../../../test/e2e/stack';
import { createTenant, type Tenant } from './test-support/fixtures';
import { apiClient } from './test-support/gateway-harness';

/**
 * Issue #16 finding 3 through the gateway: a read over the aggregator's cost bound is the
 * caller's 400 naming the public parameter and the limit (never a 5xx), for the single reads
 * and the composite ones (overview, compare); The Eye's `offset` walk is bounded, and its
 * `next` links carry a cursor so that following them walks nothing. The aggregator runs with
 * the smallest READ_MAX_COST (1,000) and the gateway with EYE_MAX_OFFSET_WALK 2,000, so the
 * bounds are reached with a small project. A read's cost is known before any bitmap work, so
 * the refusals need no data; The Eye's pages are checked against the events this test sent.
 */
const READ_MAX_COST = 1000;
const EYE_MAX_OFFSET_WALK = 2000;
const EVENTS = 2500;
const DAY = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString();
const today = Math.floor(Date.now() / DAY) * DAY;
const yearByDay = `from=${iso(today - 365 * DAY)}&to=${iso(today)}&interval=day`;
const events4 = { or: [{ event: 'a' }, { event: 'b' }, { event: 'c' }, { event: 'd' }] };
/** 32 leaves (the most a filter may have) over a range that ends mid-day: many buckets per leaf. */
const wide = { or: Array.from({ length: 32 }, (_, i) => ({ event: `e${i}` })) };
const longRange = { from: iso(today - 700 * DAY + 7 * 3_600_000), to: iso(today - 3 * DAY - 5 * 3_600_000) };
const filterParam = (f: unknown) => encodeURIComponent(JSON.stringify(f));

interface ErrorReply {
  error: { code: string; message: string; fields?: Array<{ path: string; reason: string }> };
}

describe('read cost bounds through the gateway (issue #16 finding 3)', () => {
  let stack: Stack;
  let api: ReturnType<typeof apiClient>;
  let tenant: Tenant;
  const get = (path: string) => api('GET', `/v1/projects/${tenant.projectId}${path}`, { bearer: tenant.readKey });

  beforeAll(async () => {
    stack = await startStack('gwbounds', { 'bitmap-aggregator': { READ_MAX_COST: String(READ_MAX_COST) }, gateway: { EYE_MAX_OFFSET_WALK: String(EYE_MAX_OFFSET_WALK) } });
    api = apiClient(stack.services.gateway.url);
    tenant = await createTenant(api, 'Read bounds', { botFiltering: false, rateLimit: { eventsPerSecond: 20_000, burst: 100_000 } });
  }, 180_000);
  afterAll(() => stack?.stop(), 60_000);

  /** The read's cost from a refusal, after checking it is the caller's 400 naming `field` and the limit. */
  function refused(res: { status: number; body: ErrorReply }, field: string): number {
    expect({ status: res.status, code: res.body.error?.code, fields: res.body.error?.fields?.map((f) => f.path) }).toEqual({ status: 400, code: 'read_too_costly', fields: [field] });
    expect(res.body.error.message).toContain(`over the limit of ${READ_MAX_COST}`);
    const cost = Number(/read cost (\d+)/.exec(res.body.error.message)?.[1]);
    expect(cost).toBeGreaterThan(READ_MAX_COST);
    return cost;
  }

  it('a daily retention of 400 periods is a 400 on periods, refused as soon as its build passes the bound', async () => {
    const res = await get(`/retention?cohortInterval=day&periods=400&from=${iso(today - 400 * DAY)}`);
    refused(res, 'periods');
    // The whole read would cost 80,200 cells (≥ 560,600 operands); the aggregator stopped building a few rows in.
    expect(res.body.error.message).toMatch(/read cost \d+\+ is over/);
    // A week of days is well inside the bound.
    expect((await get(`/retention?cohortInterval=day&periods=7&from=${iso(today - 7 * DAY)}`)).status).toBe(200);
  });

  it('a year by day with four filter leaves: a 400 on interval for unique-visitors and for the overview (both ranges), 200 for a week', async () => {
    // Per day at least the four leaves' OR (4), the AND-NOT of merged visitors (4) and a BITCOUNT (1).
    const least = 365 * 9;
    expect(refused(await get(`/unique-visitors?${yearByDay}&filter=${filterParam(events4)}`), 'interval')).toBeGreaterThanOrEqual(least);
    expect(refused(await get(`/overview?${yearByDay}&filter=${filterParam(events4)}`), 'interval')).toBeGreaterThanOrEqual(least);
    const week = `from=${iso(today - 7 * DAY)}&to=${iso(today)}&interval=day&filter=${filterParam(events4)}`;
    const compared = await get(`/overview?${week}&compareFrom=${iso(today - 372 * DAY)}&compareTo=${iso(today - 7 * DAY)}`);
    expect(refused(compared, 'interval')).toBeGreaterThanOrEqual(least);
    const ok = await get(`/overview?${week}&compareFrom=${iso(today - 14 * DAY)}&compareTo=${iso(today - 7 * DAY)}`);
    expect(ok.status).toBe(200);
    expect(ok.body.current.series).toHaveLength(7);
  });

  it('a 32-leaf filter over two years is a 400 on the public filter parameter: filter for breakdown and unique-visitors, the side for compare', async () => {
    const range = `from=${longRange.from}&to=${longRange.to}`;
    refused(await get(`/unique-visitors?${range}&filter=${filterParam(wide)}`), 'filter');
    refused(await get(`/breakdown?${range}&by=browser&filter=${filterParam(wide)}`), 'filter');
    const sides = (aFilter: unknown, bFilter: unknown) =>
      get(`/compare?aFrom=${longRange.from}&aTo=${longRange.to}&bFrom=${longRange.from}&bTo=${longRange.to}&aFilter=${filterParam(aFilter)}&bFilter=${filterParam(bFilter)}`);
    refused(await sides(wide, events4), 'aFilter');
    refused(await sides(events4, wide), 'bFilter');
    const both = await sides(events4, { event: 'a' });
    expect(both.status).toBe(200);
    expect(both.body).toMatchObject({ a: 0, b: 0, both: 0 });
  });

  it("The Eye: an offset walk over EYE_MAX_OFFSET_WALK is a 400 on offset; one within it, and the pages after it by the reply's links, are the right rows", async () => {
    const name = `walk-${randomUUID()}`;
    const first = Date.now() - 3_600_000;
    // Event i at first + i seconds: newest first, row r of the log is event EVENTS - 1 - r.
    const sent = Array.from({ length: EVENTS }, (_, i) => ({ type: 'track', event: name, userId: 'walker', properties: { i }, messageId: `${name}-${i}`, timestamp: iso(first + i * 1000) }));
    const ingest = apiClient(stack.services.ingest.url);
    for (let i = 0; i < EVENTS; i += 500) {
      const batch = sent.slice(i, i + 500);
      await waitFor(async () => (await ingest('POST', '/v1/batch', { basic: { email: tenant.writeKey, password: '' }, body: { batch } })).status === 200, { timeoutMs: 15_000, description: 'batch accepted' });
    }
    const query = `name=${name}&from=${iso(first - 1000)}&to=${iso(first + EVENTS * 1000)}&limit=10`;
    const eye = async (url: string) => {
      const res = await fetch(url.startsWith('http') ? url : `${stack.services.gateway.url}${url}`, { headers: { authorization: `Bearer ${tenant.readKey}` } });
      return { status: res.status, body: await res.json() };
    };
    await waitFor(async () => (await eye(`/api/event/?${query}`)).body.count === EVENTS, { timeoutMs: 90_000, description: `${EVENTS} events in the log` });
    const rows = (from: number) => Array.from({ length: 10 }, (_, r) => EVENTS - 1 - (from + r));
    const indexes = (body: { results: Array<{ data: { i: number } }> }) => body.results.map((e) => e.data.i);

    const over = await eye(`/api/event/?${query}&offset=${EYE_MAX_OFFSET_WALK + 345}`);
    expect(over.status).toBe(400);
    expect(over.body.error.fields.map((f: { path: string }) => f.path)).toEqual(['offset']);
    expect(over.body.error.message).toContain(`over the limit of ${EYE_MAX_OFFSET_WALK}`);

    const walked = await eye(`/api/event/?${query}&offset=1995`);
    expect(walked.status).toBe(200);
    expect({ count: walked.body.count, rows: indexes(walked.body) }).toEqual({ count: EVENTS, rows: rows(1995) });
    // Offset 2,005 is past the walk bound: its `next` link carries a cursor, so nothing is walked.
    expect(walked.body.next).toContain('offset=2005');
    expect(walked.body.next).toContain('cursor=');
    const after = await eye(walked.body.next);
    expect({ status: after.status, rows: indexes(after.body) }).toEqual({ status: 200, rows: rows(2005) });
    const back = await eye(after.body.previous);
    expect({ status: back.status, rows: indexes(back.body) }).toEqual({ status: 200, rows: rows(1995) });
  }, 180_000);
});
