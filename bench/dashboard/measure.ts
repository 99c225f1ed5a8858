// The browser half of bench/dashboard: overview loads and filter changes in Chromium, build by
// build, interleaved (a run of each build in turn) so that a noisy machine weighs on all alike;
// and where a filtered overview's time goes on the server, request by request.
import type { Browser, Page } from 'playwright-core';
import { apiClient } from '../../services/gateway/src/test-support/gateway-harness';
import { serveBuild, type Build } from './builds';

/** A project the benchmark measures: the one it filled, or one a held run filled (--against). */
export interface Target {
  gateway: string;
  admin: { email: string; password: string };
  projectId: string;
  readKey: string;
  /** The internal services, for the per-request probe (absent: no probe). */
  aggregator?: string;
  query?: string;
  /** The range of the data, UTC ms. */
  start: number;
  end: number;
}

const DAY = 86_400_000;
export const median = (xs: number[]) => (xs.length ? [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]! : NaN);

/**
 * Waits until every overview panel has rendered with its data (none loading or failed) and returns
 * the page's clock at that frame; a panel that never gets there is named with what it shows.
 */
async function rendered(page: Page): Promise<number> {
  try {
    const at = await page.waitForFunction(
      () => {
        const panels = Array.from(document.querySelectorAll('[data-panel]'));
        const done = panels.length >= 7 && panels.every((p) => p.getAttribute('data-state') === 'ok') && !document.querySelector('.state-loading, .state-error');
        return done ? Date.now() : 0;
      },
      undefined,
      { polling: 'raf', timeout: 120_000 },
    );
    return (await at.jsonValue()) as number;
  } catch (err) {
    const states = await page.$$eval('[data-panel]', (ps) => ps.filter((p) => p.getAttribute('data-state') !== 'ok').map((p) => `${p.getAttribute('data-panel')}: ${p.getAttribute('data-state')} ${(p.querySelector('.state-error')?.textContent ?? '').slice(0, 200)}`));
    throw new Error(`not every panel rendered within 120 s: ${states.join('; ')}`, { cause: err });
  }
}

interface Reply {
  name: string;
  start: number;
  queued: number;
  end: number;
}

/** One build's page, signed in, with the API requests it makes and their timings. */
class Probe {
  requests: string[] = [];
  replies: Reply[] = [];
  loads: number[] = [];
  filters: number[] = [];
  firstSent: number[] = [];
  lastReply: number[] = [];
  byEndpoint: Record<string, { queued: number[]; total: number[] }> = {};
  perLoad: string[] = [];
  constructor(
    readonly build: Build,
    readonly page: Page,
  ) {
    page.on('request', (r) => {
      if (new URL(r.url()).pathname.startsWith('/v1/')) this.requests.push(new URL(r.url()).pathname);
    });
    page.on('requestfinished', (r) => {
      const u = new URL(r.url());
      if (!u.pathname.startsWith('/v1/projects/')) return;
      const by = u.searchParams.get('by');
      const timing = r.timing();
      const name = u.pathname.replace(/\/v1\/projects\/[^/]+/, '…') + (by ? `?by=${by}` : '') + (u.searchParams.has('filter') ? ' (filtered)' : '');
      this.replies.push({ name, start: timing.startTime, queued: Math.max(0, timing.requestStart), end: timing.startTime + timing.responseEnd });
    });
  }

  /** From navigation start to the frame where every panel has rendered, on the page's clock. */
  async load(url: string): Promise<number> {
    this.requests.length = 0;
    await this.page.goto(url);
    const at = await rendered(this.page);
    this.perLoad = [...this.requests];
    return Math.round(at - (await this.page.evaluate(() => performance.timeOrigin)));
  }

  /**
   * A click on the nth page row, until every panel has rendered again, on the page's clock from
   * the click event itself (what Playwright spends reaching the row is not the dashboard's time);
   * then when each request left and came back.
   */
  async filter(nth: number): Promise<void> {
    const row = this.page.locator('[data-panel="panel-pages"] tbody tr button').nth(nth);
    this.replies = [];
    await row.click();
    await this.page.waitForURL(/filters=/);
    const at = await rendered(this.page);
    const t0 = (await this.page.evaluate(() => (window as unknown as { clickAt: number }).clickAt)) as number;
    this.filters.push(at - t0);
    await this.page.waitForTimeout(50); // the last requestfinished events
    if (this.replies.length) {
      this.firstSent.push(Math.min(...this.replies.map((c) => c.start)) - t0);
      this.lastReply.push(Math.max(...this.replies.map((c) => c.end)) - t0);
    }
    for (const c of this.replies) {
      const e = (this.byEndpoint[c.name] ??= { queued: [], total: [] });
      e.queued.push(c.queued);
      e.total.push(c.end - c.start);
    }
  }

  print(days: number): void {
    const { loads, filters } = this;
    console.log(`[${this.build.label}] overview of ${days} days, every panel rendered: p50 ${median(loads)} ms over ${loads.length} loads (min ${Math.min(...loads)}, max ${Math.max(...loads)}); target < 1000 ms`);
    const short = (p: string) => p.replace(/\/v1\/projects\/[^/]+/, '…');
    const byPath = this.perLoad.reduce<Record<string, number>>((m, p) => ((m[short(p)] = (m[short(p)] ?? 0) + 1), m), {});
    console.log(`[${this.build.label}] API requests per overview load: ${this.perLoad.length} (${Object.entries(byPath).map(([p, n]) => `${p} ×${n}`).join(', ')})`);
    console.log(`[${this.build.label}] after a filter change (a click on a page row), every panel rendered again: p50 ${median(filters)} ms over ${filters.length} (min ${Math.min(...filters)}, max ${Math.max(...filters)}); target < 500 ms`);
    console.log(`  click → first API request p50 ${median(this.firstSent).toFixed(0)} ms, → last API reply p50 ${median(this.lastReply).toFixed(0)} ms, → every panel rendered p50 ${median(filters)} ms`);
    for (const [name, e] of Object.entries(this.byEndpoint)) console.log(`  ${name}: ×${e.total.length}, p50 ${median(e.total).toFixed(0)} ms (of which waiting for a connection ${median(e.queued).toFixed(0)} ms)`);
  }
}

/** The browser figures of each build, runs interleaved: overview loads, requests per load, filter changes step by step. */
export async function measure(browser: Browser, target: Target, builds: Build[], runs: number): Promise<void> {
  const days = Math.round((target.end - target.start) / DAY);
  const url = `${target.gateway}/p/${target.projectId}/overview?period=custom&from=${new Date(target.start).toISOString().slice(0, 10)}&to=${new Date(target.end - DAY).toISOString().slice(0, 10)}`;
  const probes: Probe[] = [];
  for (const build of builds) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    await serveBuild(context, target.gateway, build);
    await context.addInitScript(() => document.addEventListener('click', () => ((window as unknown as { clickAt: number }).clickAt = Date.now()), true));
    const page = await context.newPage();
    const signIn = await page.request.post(`${target.gateway}/v1/session`, { data: target.admin });
    if (signIn.status() !== 200) throw new Error(`sign-in: ${signIn.status()}`);
    probes.push(new Probe(build, page));
  }
  for (const p of probes) console.log(`[${p.build.label}] first load (cold cache): ${await p.load(url)} ms`);
  for (let i = 0; i < runs; i++) {
    for (const p of probes) {
      p.loads.push(await p.load(url));
      await p.filter(i % 5);
    }
  }
  for (const p of probes) p.print(days);
  await probeServer(target);
  for (const p of probes) await p.page.context().close();
}

/**
 * Where a filtered overview's time goes on the server, each request alone (one at a time, so
 * they do not share the two cores): the gateway's replies, and the internal calls behind them.
 */
async function probeServer(target: Target): Promise<void> {
  const api = apiClient(target.gateway);
  const range = `from=${new Date(target.start).toISOString()}&to=${new Date(target.end).toISOString()}`;
  const time = async (label: string, call: () => Promise<{ status: number }>, times = 5): Promise<void> => {
    const ms: number[] = [];
    for (let i = 0; i < times; i++) {
      const t = performance.now();
      const r = await call();
      if (r.status !== 200) throw new Error(`${label}: ${r.status}`);
      ms.push(performance.now() - t);
    }
    console.log(`  ${label}: p50 ${median(ms).toFixed(0)} ms`);
  };
  const filter = encodeURIComponent(JSON.stringify({ page: '/page-1' }));
  const project = `/v1/projects/${target.projectId}`;
  console.log('each request alone (p50 of 5), unfiltered and filtered by one page:');
  await time('gateway overview', () => api('GET', `${project}/overview?${range}&interval=day`, { bearer: target.readKey }));
  await time('gateway overview, filtered', () => api('GET', `${project}/overview?${range}&interval=day&filter=${filter}`, { bearer: target.readKey }));
  for (const by of ['referrer', 'page', 'country', 'browser', 'event']) {
    await time(`gateway breakdown by ${by}`, () => api('GET', `${project}/breakdown?${range}&by=${by}&limit=10`, { bearer: target.readKey }));
    await time(`gateway breakdown by ${by}, filtered`, () => api('GET', `${project}/breakdown?${range}&by=${by}&limit=10&filter=${filter}`, { bearer: target.readKey }));
  }
  if (!target.aggregator || !target.query) return;
  const internal = `/internal/projects/${target.projectId}`;
  const expr = encodeURIComponent(JSON.stringify({ dim: 'page:/page-1' }));
  const get = (url: string) => fetch(url).then(async (r) => ({ status: r.status, body: (await r.json()) as { bitmap?: string } }));
  await time('aggregator uniques by day, filtered', () => get(`${target.aggregator}${internal}/uniques?${range}&interval=day&expr=${expr}`));
  let bitmap = '';
  await time('aggregator segment (the visitors of the filter as a bitmap)', async () => {
    const r = await get(`${target.aggregator}${internal}/segment?${range}&expr=${expr}`);
    bitmap = r.body.bitmap ?? '';
    return r;
  });
  const [from, to] = [new Date(target.start).toISOString(), new Date(target.end).toISOString()];
  const post = (body: object) => fetch(`${target.query}${internal}/session-metrics`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  await time('query session metrics by day', () => post({ from, to, interval: 'day' }));
  await time(`query session metrics by day, of the segment (${(bitmap.length / 1024).toFixed(0)} KB base64)`, () => post({ from, to, interval: 'day', visitors: bitmap }));
}
