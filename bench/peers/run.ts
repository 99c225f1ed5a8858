// Sightline against ClickHouse on the same data, in one run (issue #20); printed figures, never asserted:
//   node scripts/run-ts.mjs bench/peers/run.ts [--events=1000000] [--runs=20] [--funnel-runs=10] [--only=funnel] [--hold]
// --only=<group>[,<group>…] runs only those groups' reads (uniques, breakdown, series, funnel, retention);
// --hold keeps the stack and its data after the reads, printing the query service's database
// for bench/peers/funnels.ts --db=… (where a funnel's time goes), until Ctrl-C.
// One event set (N events, N/10 visitors, 90 days ending yesterday) goes
//  - into Sightline through its real path: enriched events to a fresh namespace's
//    events.enriched.v1, consumed by the built bitmap-aggregator (into a private redis-server,
//    so its memory is this data's alone) and query service (a fresh database);
//  - into ClickHouse: PyPI's chdb (pinned below), installed by this bench into a virtualenv under
//    .sightline/bench-peers/, a MergeTree loaded from the same rows, in one long-lived Python
//    process that runs the queries sent on its stdin (bench/peers/chdb_server.py) and times
//    each one itself, so neither process start nor the pipe is in ClickHouse's figures.
// Every read is asked of both; the answers must be the same (the run fails, listing the
// differences, if not). Sightline is timed over HTTP against its services, the request
// round trip included; the two sides alternate run by run so they share the machine's noise.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, rmSync, writeSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import Redis from 'ioredis';
import { Client } from 'pg';
import { enrichedEventKeyOf, type EnrichedEvent } from '@sightline/contracts';
import { createProducer } from '@sightline/kafka';
import { benchArgs, freePort, prefill, repoRoot, testKafka, testNamespace, uniqueId, waitFor, type ServiceProcess } from '@sightline/testing';
import { json, startStack } from '../stack';

// `--events=N` and `--events N` both work.
const cli = benchArgs(process.argv.slice(2).flatMap((a) => (a.startsWith('--') && a.includes('=') ? a.split(/=(.*)/s, 2) : [a])));
const EVENTS = cli.number('events', 1_000_000);
const VISITORS = Math.max(10, Math.round(EVENTS / 10));
const RUNS = cli.number('runs', 20);
const FUNNEL_RUNS = cli.number('funnel-runs', 10);
const ONLY = cli.string('only');
const HOLD = cli.flag('hold');
const DAY = 86_400_000;
const DAYS = 90;
const END = Math.floor(Date.now() / DAY) * DAY - DAY; // yesterday's end, UTC midnight
const START = END - DAYS * DAY;
const CHDB = 'chdb==4.4.0'; // ClickHouse 26.9 (chdb-core 26.9.0), inside the wheel
const WORK = join(repoRoot, '.sightline', 'bench-peers');
const VENV = join(WORK, 'venv');
const WINDOW_S = 7 * 86_400;

// Event names and their weights; funnels: view_item → add_to_cart → purchase, and
// $pageview → view_item → add_to_cart → checkout → purchase.
const NAMES: Array<[string, number]> = [
  ['$pageview', 0.4], ['view_item', 0.15], ['search', 0.08], ['click', 0.08], ['add_to_cart', 0.07],
  ['login', 0.05], ['checkout', 0.05], ['signup', 0.04], ['purchase', 0.04], ['share', 0.04],
];
const SOURCES = ['', '', 'google', 'newsletter', 'twitter', 'bing'];
const PLANS = ['free', 'free', 'pro', 'team'];
const PAGES = Array.from({ length: 40 }, (_, i) => (i === 0 ? '/' : `/p/${i}`));
const UA = 'Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0';

interface Row { g: number; ts: number; visitor: number; name: string; path: string; source: string; plan: string; session: string; newVisitor: boolean; newSession: boolean; entry: string }

function mix(n: number): number {
  let h = Math.imul(n ^ 0x9e3779b9, 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * The workload, in time order: visits of 1–5 events by one visitor each, a new visitor whenever
 * fewer than g·V/N have been seen (indexes dense in first-seen order, as the identity service
 * assigns them), else a returning one. Event g is at START + g·90 days/N exactly: no two events
 * share a millisecond, so "after" means the same on both sides (Sightline breaks ties by message
 * id, ClickHouse's windowFunnel by nothing stable).
 */
function* rows(): Generator<Row> {
  let seed = 42;
  const rand = (n: number) => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return (seed >>> 8) % n;
  };
  let next = 0;
  for (let g = 0, visit = 0; g < EVENTS; visit++) {
    const isNew = next === 0 || next < Math.floor(((g + 1) * VISITORS) / EVENTS);
    const visitor = isNew ? next++ : rand(next);
    const source = SOURCES[rand(SOURCES.length)]!;
    const entry = PAGES[rand(PAGES.length)]!;
    const length = 1 + rand(5);
    for (let e = 0; e < length && g < EVENTS; e++, g++) {
      const r = rand(10_000) / 10_000;
      let acc = 0;
      const name = NAMES.find(([, w]) => r < (acc += w))?.[0] ?? 'share';
      yield {
        g, ts: START + Math.floor((g * DAYS * DAY) / EVENTS), visitor, name, source, entry,
        path: e === 0 ? entry : PAGES[rand(PAGES.length)]!, plan: PLANS[mix(visitor) % PLANS.length]!,
        session: `s-${visitor}-${visit}`, newVisitor: isNew && e === 0, newSession: e === 0,
      };
    }
  }
}

function enriched(projectId: string, r: Row): EnrichedEvent {
  const ts = new Date(r.ts).toISOString();
  return {
    messageId: `m${r.g}`, projectId, type: r.name === '$pageview' ? 'page' : 'track', name: r.name, category: null, properties: {},
    traits: { plan: r.plan }, anonymousId: `a-${r.visitor}`, userId: null, visitorId: `v-${r.visitor}`, visitorIndex: r.visitor,
    mergedVisitorIndexes: [], sessionId: r.session, isNewVisitor: r.newVisitor, isNewSession: r.newSession, timestamp: ts, receivedAt: ts,
    context: { userAgent: UA, page: { path: r.path } }, device: { browser: 'Firefox', browserVersion: '140', os: 'Linux', deviceType: 'desktop' }, country: 'FR',
    referrerDomain: null, source: r.source || null, medium: null, campaign: null, entryPage: r.newSession ? r.entry : null, previousExitPage: null, isBot: false,
  };
}

/** The bench's own Python with chdb, installed from PyPI the first time (pinned). */
function ensureChdb(): string {
  const python = join(VENV, 'bin', 'python');
  const installed = () => {
    try {
      return execFileSync(python, ['-c', 'import chdb, importlib.metadata as m; print(m.version("chdb"))']).toString().trim() === CHDB.split('==')[1];
    } catch {
      return false;
    }
  };
  if (installed()) return python;
  console.log(`installing ${CHDB} into ${VENV} (PyPI) …`);
  mkdirSync(WORK, { recursive: true });
  if (!existsSync(python)) execFileSync('python3', ['-m', 'venv', VENV], { stdio: 'inherit' });
  execFileSync(python, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', CHDB], { stdio: 'inherit' });
  if (!installed()) throw new Error(`${CHDB} did not install into ${VENV}`);
  return python;
}

/** The long-lived chdb process: one query at a time over its stdin. */
async function startClickHouse(python: string, dir: string) {
  const child: ChildProcess = spawn(python, [join(repoRoot, 'bench', 'peers', 'chdb_server.py'), dir], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const read = async () => {
    const { value, done } = await lines.next();
    if (done) throw new Error('the chdb process exited');
    return JSON.parse(value as string) as { ready?: boolean; version?: string; ms: number; data: unknown[][]; error?: string };
  };
  const hello = await read();
  return {
    version: hello.version!,
    async query(sql: string): Promise<{ ms: number; data: unknown[][] }> {
      child.stdin!.write(`${JSON.stringify({ sql })}\n`);
      const reply = await read();
      if (reply.error) throw new Error(`ClickHouse: ${reply.error}\n${sql}`);
      return reply;
    },
    stop: () => child.stdin!.end(),
  };
}

async function startRedis(): Promise<{ url: string; redis: Redis; stop(): void }> {
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  const redis = new Redis(port, '127.0.0.1', { retryStrategy: () => 50, lazyConnect: false });
  redis.on('error', () => undefined);
  await waitFor(async () => (await redis.ping().catch(() => '')) === 'PONG', { timeoutMs: 10_000, description: 'private redis-server' });
  return { url: `redis://127.0.0.1:${port}`, redis, stop: () => (redis.disconnect(), child.kill('SIGKILL')) };
}

const iso = (ms: number) => new Date(ms).toISOString();
/** A ClickHouse DateTime64 literal. */
const ch = (ms: number) => `toDateTime64('${iso(ms).replace('T', ' ').replace('Z', '')}', 3, 'UTC')`;
const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return { p50: s[Math.ceil(s.length / 2) - 1]!, p95: s[Math.min(s.length - 1, Math.ceil(s.length * 0.95) - 1)]! };
};
const ms = (x: number) => (x < 10 ? x.toFixed(2) : x < 100 ? x.toFixed(1) : x.toFixed(0));

/** One read asked of both sides: each answer normalised to JSON that must be equal. */
interface Read {
  name: string;
  group: 'uniques' | 'breakdown' | 'series' | 'funnel' | 'retention';
  sightline: () => Promise<unknown>;
  sql: string;
  fromClickHouse: (data: unknown[][]) => unknown;
  runs?: number;
}

async function main() {
  const cpu = cpus()[0]?.model ?? 'unknown';
  console.log(`machine: ${cpus().length} cores (${cpu}), ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, node ${process.version}; shared with other work, so only ratios of one run count`);
  const python = ensureChdb();
  const private_ = await startRedis();
  const kafka = testKafka('bench-peers');
  const stack = await startStack({ name: 'bench_peers', namespace: testNamespace('bench_peers'), redisUrl: private_.url, redisPrefix: 'peers:', project: { timeZone: 'UTC' } }).catch((err) => {
    private_.stop();
    throw err;
  });
  const { aggregator, query, gateway, topics, post } = stack;
  const chDir = join(WORK, uniqueId('ch'));
  const tsv = join(WORK, `${uniqueId('events')}.tsv`);
  let clickhouse: Awaited<ReturnType<typeof startClickHouse>> | undefined;
  try {
    const P = stack.projectId;
    await new Promise((r) => setTimeout(r, 2000)); // the project's config on projects.v1 reaches both projections first

    // One pass over the workload: to Kafka, and the same rows to a TSV file for ClickHouse.
    mkdirSync(WORK, { recursive: true });
    const fd = openSync(tsv, 'w');
    let visitors = 0;
    let lines: string[] = [];
    function* messages() {
      for (const r of rows()) {
        visitors = Math.max(visitors, r.visitor + 1);
        lines.push(`${P}\t${iso(r.ts).replace('T', ' ').replace('Z', '')}\t${r.visitor}\t${r.name}\t${r.path}\t${r.source}\t${r.plan}\t${r.session}\n`);
        if (lines.length === 10_000) (writeSync(fd, lines.join('')), (lines = []));
        const event = enriched(P, r);
        yield { key: enrichedEventKeyOf(event), value: event };
      }
    }
    const producer = createProducer(kafka);
    await producer.start();
    const loadStart = performance.now();
    const sent = await prefill(producer, topics.eventsEnriched, messages());
    writeSync(fd, lines.join(''));
    closeSync(fd);
    await producer.stop();
    console.log(`data: ${sent.toLocaleString('en')} events, ${visitors.toLocaleString('en')} visitors, ${DAYS} days (${iso(START).slice(0, 10)} – ${iso(END - DAY).slice(0, 10)}), produced in ${((performance.now() - loadStart) / 1000).toFixed(1)} s`);
    const range = (from: number, to: number) => `from=${iso(from)}&to=${iso(to)}`;
    const at = (svc: ServiceProcess, what: string) => `${svc.url}/internal/projects/${P}/${what}`;
    const all = range(START, END);
    await waitFor(async () => (await json<{ total: number }>(`${at(aggregator, 'totals')}?${all}`)).total === sent, { timeoutMs: 60 * 60_000, intervalMs: 1000, description: 'aggregator caught up' });
    console.log(`Sightline: bitmap-aggregator caught up ${((performance.now() - loadStart) / 1000).toFixed(1)} s after the first event was produced`);
    await waitFor(async () => (await json<{ total: number }>(`${at(query, 'counts')}?${all}`)).total === sent, { timeoutMs: 60 * 60_000, intervalMs: 1000, description: 'query caught up' });
    console.log(`Sightline: query service caught up ${((performance.now() - loadStart) / 1000).toFixed(1)} s after`);

    clickhouse = await startClickHouse(python, chDir);
    const chLoad = performance.now();
    // Plausible's layout (events_v2: ORDER BY site_id, toDate(timestamp), name, user_id, timestamp).
    await clickhouse.query(`CREATE TABLE events (project LowCardinality(String), ts DateTime64(3, 'UTC'), visitor UInt32, name LowCardinality(String),
      path LowCardinality(String), source LowCardinality(String), plan LowCardinality(String), session String)
      ENGINE = MergeTree ORDER BY (project, toDate(ts), name, visitor, ts)`);
    await clickhouse.query(`INSERT INTO events SELECT * FROM file('${tsv}', 'TabSeparated', 'project String, ts DateTime64(3, \\'UTC\\'), visitor UInt32, name String, path String, source String, plan String, session String')`);
    await clickhouse.query('OPTIMIZE TABLE events FINAL');
    const chCount = Number((await clickhouse.query('SELECT count() FROM events')).data[0]![0]);
    if (chCount !== sent) throw new Error(`ClickHouse holds ${chCount} events, ${sent} were sent`);
    console.log(`ClickHouse ${clickhouse.version} (${CHDB}): loaded ${chCount.toLocaleString('en')} events in ${((performance.now() - chLoad) / 1000).toFixed(1)} s (INSERT from the TSV file, OPTIMIZE FINAL)`);
    rmSync(tsv, { force: true });

    // Storage of the same data on each side.
    const mem = (await private_.redis.info('memory')).match(/used_memory:(\d+)/)![1]!;
    const pg = new Client({ connectionString: stack.eventsDbUrl });
    await pg.connect();
    const sizes = (await pg.query<{ events: string; everything: string }>(`SELECT
        sum(pg_total_relation_size(c.oid)) FILTER (WHERE c.relname LIKE 'events%') AS events, sum(pg_total_relation_size(c.oid)) AS everything
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind IN ('r', 'm')`)).rows[0]!;
    await pg.end();
    const parts = (await clickhouse.query("SELECT sum(bytes_on_disk), sum(data_uncompressed_bytes) FROM system.parts WHERE table = 'events' AND active")).data[0]!;
    const MB = (b: number | string) => `${(Number(b) / 2 ** 20).toFixed(1)} MiB`;
    const storage = {
      redis: Number(mem), pgEvents: Number(sizes.events), pgAll: Number(sizes.everything), ch: Number(parts[0]), chRaw: Number(parts[1]),
    };
    console.log(`storage: Redis (bitmaps, all dimensions and buckets, used_memory of its own redis-server) ${MB(storage.redis)}; Postgres events table + indexes ${MB(storage.pgEvents)} (all query-service tables ${MB(storage.pgAll)}); ClickHouse table on disk ${MB(storage.ch)} (${MB(storage.chRaw)} uncompressed)`);

    // ---- The reads ----
    const where = (from: number, to: number) => `project = '${P}' AND ts >= ${ch(from)} AND ts < ${ch(to)}`;
    const num = (v: unknown) => Number(v);
    const reads: Read[] = [];
    const filters: Array<[string, unknown, (from: number, to: number) => string]> = [
      ['', null, (f, t) => `SELECT uniqExact(visitor) FROM events WHERE ${where(f, t)}`],
      [' event=signup', { dim: 'event:signup' }, (f, t) => `SELECT uniqExact(visitor) FROM events WHERE ${where(f, t)} AND name = 'signup'`],
      [
        ' signup AND plan=pro AND source=newsletter',
        { and: [{ dim: 'event:signup' }, { dim: 'trait:plan=pro' }, { dim: 'source:newsletter' }] },
        (f, t) => `SELECT count() FROM (SELECT visitor FROM events WHERE ${where(f, t)} GROUP BY visitor
          HAVING countIf(name = 'signup') > 0 AND countIf(plan = 'pro') > 0 AND countIf(source = 'newsletter') > 0)`,
      ],
    ];
    for (const [label, expr, sql] of filters) {
      for (const days of [1, 7, 30, 90]) {
        const from = END - days * DAY;
        const q = `${range(from, END)}${expr ? `&expr=${encodeURIComponent(JSON.stringify(expr))}` : ''}`;
        reads.push({ name: `uniques ${days} d${label}`, group: 'uniques', sightline: async () => (await json<{ total: number }>(`${at(aggregator, 'uniques')}?${q}`)).total, sql: sql(from, END), fromClickHouse: (d) => num(d[0]![0]) });
      }
    }
    for (const [prefix, column, only] of [['page', 'path', "name = '$pageview'"], ['source', 'source', "source != ''"]] as const) {
      reads.push({
        name: `breakdown by ${prefix}, top 20, 90 d`, group: 'breakdown',
        sightline: async () => (await json<{ values: Array<{ value: string; uniques: number }> }>(`${at(aggregator, 'breakdown')}?${all}&prefix=${prefix}&limit=20`)).values.map((v) => [v.value, v.uniques]),
        sql: `SELECT ${column} AS value, uniqExact(visitor) AS u FROM events WHERE ${where(START, END)} AND ${only} GROUP BY value ORDER BY u DESC, value ASC LIMIT 20`,
        fromClickHouse: (d) => d.map(([v, u]) => [v, num(u)]),
      });
    }
    reads.push({
      name: 'daily series of uniques, 90 d', group: 'series',
      sightline: async () => (await json<{ series: Array<{ start: string; count: number }> }>(`${at(aggregator, 'uniques')}?${all}&interval=day`)).series.map((p) => [p.start.slice(0, 10), p.count]),
      sql: `SELECT toString(toDate(ts)) AS day, uniqExact(visitor) FROM events WHERE ${where(START, END)} GROUP BY day ORDER BY day`,
      fromClickHouse: (d) => d.map(([day, n]) => [day, num(n)]),
    });
    // Funnels. Sightline (docs/funnels.md): an entry is a step-1 event in [from, to); step k is the
    // first step-k event after step k−1 within entry + window (inclusive, may fall after `to`);
    // a person counts once, at the depth of the best attempt. windowFunnel (default mode) differs in
    // three ways, each made to match here: (1) it would start chains at step-1 events at or after
    // `to` — so condition 1 also requires ts < to; (2) it sees only the rows it is given — so the
    // rows run to to + window; (3) events at the same timestamp are in no defined order (Sightline:
    // by message id) — this data has no ties. Its window is inclusive like Sightline's, and its
    // default mode allows other events between steps (Sightline's `sequential`; 'strict_order'
    // would be Sightline's `strict` only without the "events matching no step are ignored" rule).
    const funnels: Array<[string, string[]]> = [
      ['3-step', ['view_item', 'add_to_cart', 'purchase']],
      ['5-step', ['$pageview', 'view_item', 'add_to_cart', 'checkout', 'purchase']],
    ];
    for (const [label, steps] of funnels) {
      for (const byPlan of [false, true]) {
        const body = { from: iso(START), to: iso(END), windowSeconds: WINDOW_S, order: 'sequential', steps: steps.map((event) => ({ event })), ...(byPlan ? { breakdown: { type: 'trait', key: 'plan' } } : {}) };
        const levels = steps.map((_, k) => `countIf(level >= ${k + 1})`).join(', ');
        const conditions = steps.map((s, k) => (k === 0 ? `name = '${s}' AND ts < ${ch(END)}` : `name = '${s}'`)).join(', ');
        // The trait breakdown: the person's current plan (Sightline: the latest event's traits). A
        // visitor's plan never changes in this data, so argMax over the funnel's rows is it.
        const inner = `SELECT visitor, windowFunnel(${WINDOW_S * 1000})(toUInt64(toUnixTimestamp64Milli(ts)), ${conditions}) AS level${byPlan ? ', argMax(plan, ts) AS plan' : ''}
          FROM events WHERE project = '${P}' AND ts >= ${ch(START)} AND ts < ${ch(END + WINDOW_S * 1000)} AND name IN (${steps.map((s) => `'${s}'`).join(', ')}) GROUP BY visitor`;
        reads.push({
          name: `funnel ${label}, 7-day window, 90 d${byPlan ? ', by trait plan' : ''}`, group: 'funnel', runs: FUNNEL_RUNS,
          sightline: async () => {
            const r = await post<{ steps: Array<{ count: number }>; breakdown?: Array<{ value: string | null; steps: Array<{ count: number }> }> }>(at(query, 'funnels'), body);
            return byPlan ? r.breakdown!.map((b) => [b.value, ...b.steps.map((s) => s.count)]).sort() : r.steps.map((s) => s.count);
          },
          sql: byPlan ? `SELECT plan, ${levels} FROM (${inner}) WHERE level >= 1 GROUP BY plan` : `SELECT ${levels} FROM (${inner})`,
          fromClickHouse: (d) => (byPlan ? d.map(([plan, ...c]) => [plan, ...c.map(num)]).sort() : d[0]!.map(num)),
        });
      }
    }
    // Retention: cohort i = visitors new in week i (Monday weeks, from START's week), retained[k]
    // = those active in week i + k, the triangle ending at the 8th week. New = the visitor's first
    // event ever (Sightline: the `$new` bit of isNewVisitor, set on exactly that event here).
    const PERIODS = 8;
    const week0 = START - ((new Date(START).getUTCDay() + 6) % 7) * DAY;
    const weekEnd = week0 + PERIODS * 7 * DAY;
    reads.push({
      name: 'retention, weekly cohorts, 8 periods', group: 'retention',
      sightline: async () =>
        (await post<{ cohorts: Array<{ start: string; size: number; retained: number[] }> }>(at(aggregator, 'retention'), { cohortInterval: 'week', from: iso(START), periods: PERIODS })).cohorts.map((c) => [c.start.slice(0, 10), c.size, ...c.retained]),
      sql: `WITH cohorts AS (SELECT visitor, toMonday(min(ts)) AS cohort FROM events WHERE project = '${P}' GROUP BY visitor HAVING cohort < toDate(${ch(weekEnd)}))
        SELECT toString(cohort), intDiv(dateDiff('day', cohort, toMonday(ts)), 7) AS k, uniqExact(visitor)
        FROM events INNER JOIN cohorts USING visitor WHERE project = '${P}' AND ts >= ${ch(week0)} AND ts < ${ch(weekEnd)} GROUP BY cohort, k ORDER BY cohort, k`,
      fromClickHouse: (d) =>
        Array.from({ length: PERIODS }, (_, i) => {
          const start = iso(week0 + i * 7 * DAY).slice(0, 10);
          const retained = Array.from({ length: PERIODS - i }, (_, k) => num(d.find(([c, kk]) => c === start && num(kk) === k)?.[2] ?? 0));
          return [start, retained[0], ...retained];
        }),
    });

    // ---- Run: answers first, then the two sides alternately ----
    const mismatches: string[] = [];
    if (ONLY) reads.splice(0, reads.length, ...reads.filter((r) => ONLY.split(',').includes(r.group)));
    const results: Array<{ read: Read; s: ReturnType<typeof stats>; c: ReturnType<typeof stats> }> = [];
    for (const read of reads) {
      const mine = JSON.stringify(await read.sightline());
      const theirs = JSON.stringify(read.fromClickHouse((await clickhouse.query(read.sql)).data));
      if (mine !== theirs) mismatches.push(`${read.name}:\n  Sightline  ${mine}\n  ClickHouse ${theirs}`);
      const s: number[] = [];
      const c: number[] = [];
      for (let i = 0; i < (read.runs ?? RUNS); i++) {
        const t = performance.now();
        await read.sightline();
        s.push(performance.now() - t);
        c.push((await clickhouse.query(read.sql)).ms);
      }
      results.push({ read, s: stats(s), c: stats(c) });
      console.log(`  ${read.name}: Sightline p50 ${ms(stats(s).p50)} ms, ClickHouse p50 ${ms(stats(c).p50)} ms ${mine === theirs ? '(same answer)' : '(DIFFERENT ANSWER)'}`);
    }

    // One read through the public API: what the gateway adds (key auth, proxying, JSON).
    const uvDirect: number[] = [];
    const uvGateway: number[] = [];
    const bearer = { authorization: `Bearer ${stack.readKey}` };
    for (let i = 0; i < 5; i++) await json(`${gateway.url}/v1/projects/${P}/unique-visitors?${all}`, { headers: bearer });
    for (let i = 0; i < 50; i++) {
      let t = performance.now();
      await json(`${at(aggregator, 'uniques')}?${all}`);
      uvDirect.push(performance.now() - t);
      t = performance.now();
      await json(`${gateway.url}/v1/projects/${P}/unique-visitors?${all}`, { headers: bearer });
      uvGateway.push(performance.now() - t);
    }

    console.log(`\n${sent.toLocaleString('en')} events / ${visitors.toLocaleString('en')} visitors / ${DAYS} days; ClickHouse ${clickhouse.version} (${CHDB}) in-process; Sightline over HTTP; p50 (p95) in ms of ${RUNS} runs (funnels ${FUNNEL_RUNS})\n`);
    console.log('| read | Sightline | ClickHouse | ClickHouse / Sightline |');
    console.log('|---|---|---|---|');
    for (const { read, s, c } of results) console.log(`| ${read.name} | ${ms(s.p50)} (${ms(s.p95)}) | ${ms(c.p50)} (${ms(c.p95)}) | **${(c.p50 / s.p50).toFixed(1)}×** |`);
    const g = stats(uvGateway);
    const d = stats(uvDirect);
    console.log(`| 90-day uniques through the gateway (read key) vs the aggregator directly | ${ms(g.p50)} (${ms(g.p95)}) | aggregator ${ms(d.p50)} (${ms(d.p95)}) | gateway overhead p50 ${ms(g.p50 - d.p50)} ms |`);
    console.log(`| storage | Redis ${MB(storage.redis)} + Postgres ${MB(storage.pgAll)} (events table ${MB(storage.pgEvents)}) | ${MB(storage.ch)} on disk | — |`);
    // The funnels' day blocks (docs/funnels.md) are filled by the first funnel read, after the sizes above.
    const blocksDb = new Client({ connectionString: stack.eventsDbUrl });
    await blocksDb.connect();
    const blocks = (await blocksDb.query<{ bytes: string; rows: string }>("SELECT pg_total_relation_size('funnel_day_blocks') AS bytes, (SELECT count(*) FROM funnel_day_blocks) AS rows")).rows[0]!;
    await blocksDb.end();
    console.log(`| funnel day blocks (Postgres, after the funnel reads) | ${MB(blocks.bytes)} in ${blocks.rows} rows | — | — |`);
    const worst = (group: Read['group'][]) => {
      const rs = results.filter((r) => group.includes(r.read.group));
      return rs.length ? Math.min(...rs.map((r) => r.c.p50 / r.s.p50)).toFixed(1) : '—';
    };
    console.log(`\nlowest ratio: uniques, breakdowns, series ${worst(['uniques', 'breakdown', 'series'])}× (target ≥ 10×); funnels, retention ${worst(['funnel', 'retention'])}× (target ≥ 2×)`);
    if (mismatches.length) throw new Error(`Sightline and ClickHouse gave different answers:\n${mismatches.join('\n')}`);
    console.log('every answer: the same on both sides');
    if (HOLD) {
      console.log(`holding (Ctrl-C ends): bench/peers/funnels.ts --db=${stack.eventsDbUrl} --project=${P} --from=${iso(START)}`);
      await new Promise((resolve) => (process.once('SIGINT', resolve), process.once('SIGTERM', resolve)));
    }
  } finally {
    clickhouse?.stop();
    await stack.stop();
    private_.stop();
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteTopics({ topics: Object.values(topics) }).catch(() => undefined);
    await admin.disconnect();
    rmSync(tsv, { force: true });
    rmSync(chDir, { recursive: true, force: true });
  }
  console.log(`load average at the end: ${(await import('node:fs')).readFileSync('/proc/loadavg', 'utf8').trim()}`);
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
