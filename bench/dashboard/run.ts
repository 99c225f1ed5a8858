/**
 * The dashboard's cost as a person feels it, in real Chromium against the five real services:
 *   - first-load JS + CSS, gzipped (what index.html pulls before the first render; lazy chunks apart),
 *   - on a project of N events / V visitors / D days sent through ingest: the time until every
 *     overview panel has rendered (p50 over runs, warm cache) and after a filter change (a row click),
 *     with where a filter change's time goes (requests, replies, rendering; the server alone),
 *   - API requests per overview load.
 * --before=<git rev> measures the dashboard at that revision too, runs interleaved with the current
 * one's, against the same services and data: a before/after ratio from one run of a noisy machine.
 * --hold keeps the stack up afterwards and writes bench/dashboard/.run-target/target.json, which
 * --against=<that file> measures again (say after a change to the dashboard) without sending
 * the events anew. Figures only; nothing here passes or fails.
 *
 *   node scripts/run-ts.mjs bench/dashboard/run.ts [--events=1000000] [--visitors=100000] [--days=90] [--runs=7] [--before=HEAD] [--hold | --against=FILE]
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { repoRoot, waitFor } from '@sightline/testing';
import { launchChromium } from '../../libs/tracker/test/browser';
import { startStack, type Stack } from '../../test/e2e/stack';
import { createTenant } from '../../services/gateway/src/test-support/fixtures';
import { apiClient } from '../../services/gateway/src/test-support/gateway-harness';
import { buildDashboard, printBundleSize, type Build } from './builds';
import { measure, type Target } from './measure';

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
const userAgent = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';


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

/** The current dashboard, and the one at --before when asked. */
function builds(): Build[] {
  const now = buildDashboard();
  printBundleSize(now);
  return args.before ? [buildDashboard(args.before), now] : [now];
}

const targetFile = join(repoRoot, 'bench', 'dashboard', '.run-target', 'target.json');

/** --hold: keeps the stack up (Ctrl-C ends) for --against runs and profiling by hand. */
async function hold(target: Target): Promise<void> {
  mkdirSync(join(targetFile, '..'), { recursive: true });
  writeFileSync(targetFile, JSON.stringify(target, null, 2));
  console.log(`holding: ${target.gateway} (${target.admin.email} / ${target.admin.password}, project ${target.projectId}); measure it again with --against=${targetFile}`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
}

/** On a loaded machine a service may miss its 60 s to get ready (joining its consumer group): try again. */
async function startStackRetrying(attempts = 3): Promise<Stack> {
  for (let i = 1; ; i++) {
    try {
      return await startStack('benchdash');
    } catch (err) {
      if (i >= attempts) throw err;
      console.log(`the stack did not start (${String(err).split('\n')[0]}); again`);
    }
  }
}

async function main(): Promise<void> {
  console.log(`machine: ${cpus().length} cores (${cpus()[0]?.model.trim()}), load ${loadavg().map((l) => l.toFixed(2)).join(' ')}, shared with other work`);
  const toMeasure = builds();
  const browser = await launchChromium();
  if (args.against) {
    try {
      const target = JSON.parse(readFileSync(args.against, 'utf8')) as Target;
      console.log(`against the project of a held run: ${target.gateway}, ${Math.round((target.end - target.start) / DAY)} days`);
      await measure(browser, target, toMeasure, RUNS);
    } finally {
      await browser.close();
    }
    return;
  }
  const stack = await startStackRetrying();
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
    // Until both projections have every event; or, if one stops short (events lost: see its DLQ),
    // until neither has moved for two minutes, saying so: the figures are then of what it holds.
    let seen = { visitors: 0, pageviews: 0 };
    let moved = performance.now();
    await waitFor(
      async () => {
        const r = await api('GET', `/v1/projects/${t.projectId}/overview?${range}`, { bearer: t.readKey });
        if (r.status !== 200) return false;
        const now = { visitors: r.body.current.visitors as number, pageviews: r.body.current.pageviews as number };
        if (now.visitors !== seen.visitors || now.pageviews !== seen.pageviews) moved = performance.now();
        seen = now;
        return (seen.visitors >= want && seen.pageviews >= EVENTS) || performance.now() - moved > 120_000;
      },
      { timeoutMs: 1_800_000, intervalMs: 5000 },
    );
    const complete = seen.visitors >= want && seen.pageviews >= EVENTS;
    console.log(
      complete
        ? `every event counted by both projections ${((performance.now() - waitStart) / 1000).toFixed(1)} s after the last was sent (${seen.visitors.toLocaleString('en')} visitors)`
        : `NOT every event counted: the overview stopped at ${seen.visitors.toLocaleString('en')} of ${want.toLocaleString('en')} visitors and ${seen.pageviews.toLocaleString('en')} of ${EVENTS.toLocaleString('en')} pageviews (see the DLQ); measuring what is there`,
    );
    const target: Target = { gateway, admin: t.admin, projectId: t.projectId, readKey: t.readKey, aggregator: stack.services['bitmap-aggregator'].url, query: stack.services.query.url, start: START, end: END };
    if (args.hold) {
      await measure(browser, target, toMeasure, RUNS).catch((err) => console.error(err));
      await hold(target);
    } else await measure(browser, target, toMeasure, RUNS);
  } finally {
    await browser.close();
    await stack.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
