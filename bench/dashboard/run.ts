/**
 * The dashboard's cost as a person feels it, in real Chromium against the five real services:
 *   - first-load JS + CSS, gzipped (what index.html pulls before the first render; lazy chunks apart),
 *   - on a project of N events / V visitors / D days sent through ingest: the time until every
 *     overview panel has rendered (p50 over runs, warm cache) and after a filter change (a row click),
 *   - API requests per overview load.
 * Figures only; nothing here passes or fails.
 *
 *   node scripts/run-ts.mjs bench/dashboard/run.ts [--events=1000000] [--visitors=100000] [--days=90] [--runs=7]
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Page } from 'playwright-core';
import { repoRoot, waitFor } from '@sightline/testing';
import { launchChromium } from '../../libs/tracker/test/browser';
import { startStack } from '../../test/e2e/stack';
import { createTenant } from '../../services/gateway/src/test-support/fixtures';
import { apiClient } from '../../services/gateway/src/test-support/gateway-harness';

const args = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=')).map(([k, v]) => [k, v ?? 'true']));
const EVENTS = Number(args.events ?? 1_000_000);
const VISITORS = Number(args.visitors ?? 100_000);
const DAYS = Number(args.days ?? 90);
const RUNS = Number(args.runs ?? 7);
const BATCH = 500;
const CONCURRENCY = 6;
const DAY = 86_400_000;
const END = Math.floor(Date.now() / DAY) * DAY;
const START = END - DAYS * DAY;
const web = join(repoRoot, 'services', 'gateway', 'dist', 'web');
const userAgent = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;

/** Builds the dashboard and weighs what index.html loads before the first render, and the lazy chunks. */
function bundleSize(): void {
  execFileSync(join(repoRoot, 'node_modules', '.bin', 'vite'), ['build', '--config', join(repoRoot, 'services', 'gateway', 'web', 'vite.config.mts'), '--logLevel', 'error'], { stdio: 'inherit' });
  const html = readFileSync(join(web, 'index.html'), 'utf8');
  const first = [...html.matchAll(/(?:src|href)="\/(assets\/[^"]+\.(?:js|css))"/g)].map((m) => m[1]!);
  const gz = (file: string) => gzipSync(readFileSync(join(web, file)), { level: 9 }).length;
  const firstBytes = first.reduce((n, f) => n + gz(f), 0);
  const lazy = readdirSync(join(web, 'assets')).filter((f) => /\.(js|css)$/.test(f) && !first.includes(`assets/${f}`));
  console.log(`first-load JS + CSS gzipped: ${kb(firstBytes)} (${first.join(', ')}); target ≤ 60 KB`);
  console.log(`lazy chunks gzipped: ${lazy.map((f) => `${f} ${kb(gz(`assets/${f}`))}`).join(', ')}`);
}

/** A deterministic stream of sessions: a visitor, a start in the range, 1–5 pageviews a minute apart. */
function* sessions(): Generator<object[]> {
  let seed = 42;
  const rand = () => ((seed = (seed * 1_103_515_245 + 12_345) & 0x7fffffff) / 0x7fffffff);
  const pages = Array.from({ length: 40 }, (_, i) => `/page-${i}`);
  const referrers = Array.from({ length: 10 }, (_, i) => `https://ref${i}.example/`);
  let sent = 0;
  let n = 0;
  while (sent < EVENTS) {
    const visitor = n < VISITORS ? n : Math.floor(rand() * VISITORS);
    const start = START + Math.floor(rand() * (END - START - 3_600_000));
    const count = Math.min(EVENTS - sent, 1 + Math.floor(rand() * 5));
    const referrer = rand() < 0.5 ? referrers[Math.floor(rand() * referrers.length)] : undefined;
    const out: object[] = [];
    for (let i = 0; i < count; i++) {
      const path = pages[Math.floor(rand() * rand() * pages.length)]!;
      out.push({ type: 'page', name: path, userId: `b${visitor}`, messageId: `m${n}-${i}`, timestamp: new Date(start + i * 60_000).toISOString(), context: { userAgent, page: { path, url: `https://bench.example${path}`, ...(i === 0 && referrer ? { referrer } : {}) } } });
    }
    sent += count;
    n++;
    yield out;
  }
}

async function send(ingestUrl: string, writeKey: string): Promise<void> {
  const ingest = apiClient(ingestUrl);
  const started = performance.now();
  const it = sessions();
  let done = 0;
  let rejected = 0;
  const nextBatch = (): object[] | null => {
    const batch: object[] = [];
    while (batch.length < BATCH) {
      const s = it.next();
      if (s.done) break;
      batch.push(...s.value);
    }
    return batch.length ? batch : null;
  };
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      for (let batch = nextBatch(); batch; batch = nextBatch()) {
        for (;;) {
          const r = await ingest('POST', '/v1/batch', { basic: { email: writeKey, password: '' }, body: { batch } });
          if (r.status === 200) {
            rejected += r.body.rejected?.length ?? 0;
            break;
          }
          if (r.status !== 429 && r.status !== 503) throw new Error(`batch: ${r.status} ${JSON.stringify(r.body).slice(0, 300)}`);
          await new Promise((res) => setTimeout(res, 1000 * (Number(r.headers.get('retry-after')) || 1)));
        }
        done += batch.length;
        if (done % 100_000 < BATCH) process.stdout.write(`  sent ${done.toLocaleString('en')} events\n`);
      }
    }),
  );
  console.log(`sent ${done.toLocaleString('en')} events (${rejected} rejected) in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

/** Every overview panel element rendered with its data (no panel loading or failed). */
const allRendered = () => {
  const panels = Array.from(document.querySelectorAll('[data-panel]'));
  return panels.length >= 7 && panels.every((p) => p.getAttribute('data-state') === 'ok') && !document.querySelector('.state-loading, .state-error');
};

async function timeLoad(page: Page, url: string, requests: string[]): Promise<number> {
  requests.length = 0;
  const t = Date.now();
  await page.goto(url);
  await page.waitForFunction(allRendered, undefined, { polling: 'raf', timeout: 120_000 });
  return Date.now() - t;
}

async function main(): Promise<void> {
  console.log(`machine: ${cpus().length} cores (${cpus()[0]?.model.trim()}), load ${loadavg().map((l) => l.toFixed(2)).join(' ')}, shared with other work`);
  bundleSize();
  const stack = await startStack('benchdash');
  const browser = await launchChromium();
  try {
    const gateway = stack.services.gateway.url;
    const api = apiClient(gateway);
    const t = await createTenant(api, 'Bench dashboard');
    const patch = await api('PATCH', `/v1/projects/${t.projectId}`, { basic: t.admin, body: { retention: { maxEventAgeDays: DAYS + 10 }, rateLimit: { eventsPerSecond: 20_000, burst: 100_000 } } });
    if (patch.status !== 200) throw new Error(`settings: ${JSON.stringify(patch.body)}`);
    await new Promise((res) => setTimeout(res, 3000)); // ingest learns the settings from projects.v1
    await send(stack.services.ingest.url, t.writeKey);
    const want = Math.min(VISITORS, EVENTS);
    const range = `from=${new Date(START).toISOString()}&to=${new Date(END).toISOString()}`;
    const waitStart = performance.now();
    let seen = 0;
    await waitFor(
      async () => {
        const r = await api('GET', `/v1/projects/${t.projectId}/overview?${range}`, { bearer: t.readKey });
        seen = r.body?.current?.visitors ?? 0;
        return r.status === 200 && seen >= want && r.body.current.pageviews >= EVENTS;
      },
      { timeoutMs: 1_800_000, intervalMs: 5000 },
    );
    console.log(`every event counted by both projections ${((performance.now() - waitStart) / 1000).toFixed(1)} s after the last was sent (${seen.toLocaleString('en')} visitors)`);

    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const requests: string[] = [];
    page.on('request', (r) => {
      if (new URL(r.url()).pathname.startsWith('/v1/')) requests.push(new URL(r.url()).pathname);
    });
    await page.goto(`${gateway}/sign-in`);
    await page.fill('input[name=email]', t.admin.email);
    await page.fill('input[name=password]', t.admin.password);
    await page.click('button[type=submit]');
    await page.waitForURL(/\/overview/);
    const url = `${gateway}/p/${t.projectId}/overview?period=custom&from=${new Date(START).toISOString().slice(0, 10)}&to=${new Date(END - DAY).toISOString().slice(0, 10)}`;
    const loads: number[] = [];
    let perLoad: string[] = [];
    for (let i = 0; i < RUNS + 1; i++) {
      const ms = await timeLoad(page, url, requests);
      if (i === 0) console.log(`first load (cold cache): ${ms} ms`);
      else loads.push(ms);
      perLoad = [...requests];
    }
    console.log(`overview of ${DAYS} days, every panel rendered: p50 ${median(loads)} ms over ${RUNS} loads (min ${Math.min(...loads)}, max ${Math.max(...loads)}); target < 1000 ms`);
    const byPath = perLoad.reduce<Record<string, number>>((m, p) => ((m[p.replace(/\/v1\/projects\/[^/]+/, '…')] = (m[p.replace(/\/v1\/projects\/[^/]+/, '…')] ?? 0) + 1), m), {});
    console.log(`API requests per overview load: ${perLoad.length} (${Object.entries(byPath).map(([p, n]) => `${p} ×${n}`).join(', ')})`);

    const filters: number[] = [];
    // Which request a filter change waits for: each API reply's time, by endpoint.
    const replyMs: Record<string, number[]> = {};
    page.on('requestfinished', (r) => {
      const path = new URL(r.url()).pathname;
      if (!path.startsWith('/v1/projects/')) return;
      const by = new URL(r.url()).searchParams.get('by');
      const name = path.replace(/\/v1\/projects\/[^/]+/, '…') + (by ? `?by=${by}` : '');
      (replyMs[name] ??= []).push(r.timing().responseEnd);
    });
    for (let i = 0; i < RUNS; i++) {
      await timeLoad(page, url, requests);
      const row = page.locator('[data-panel="panel-pages"] tbody tr button').nth(i % 5);
      const t0 = Date.now();
      await row.click();
      await page.waitForURL(/filters=/);
      await page.waitForFunction(allRendered, undefined, { polling: 'raf', timeout: 60_000 });
      filters.push(Date.now() - t0);
    }
    console.log(`after a filter change (a click on a page row), every panel rendered again: p50 ${median(filters)} ms over ${RUNS} (min ${Math.min(...filters)}, max ${Math.max(...filters)}); target < 500 ms`);
    console.log(`API reply times during those runs (p50, loads and filter changes): ${Object.entries(replyMs).map(([n, xs]) => `${n} ${median(xs).toFixed(0)} ms`).join(', ')}`);
  } finally {
    await browser.close();
    await stack.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
