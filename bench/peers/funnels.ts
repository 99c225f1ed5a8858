// Where a funnel's time goes (issue #20), printed figures, never asserted:
//   node scripts/run-ts.mjs bench/peers/funnels.ts [--events=1000000] [--runs=5] [--keep-db]
//   node scripts/run-ts.mjs bench/peers/funnels.ts --db=URL --project=ID --from=ISO [--runs=5]
//   … [--before=<git revision>]
// N events / N/10 visitors / 90 days generated in SQL into a fresh query-service database
// (bench/query/load.ts: indexes built after the load, tables vacuumed), or the database of a
// bench/peers run held with --hold (its events as the query service's consumer wrote them), then bench/peers' four funnels (3 and 5
// steps, 7-day window, sequential, with and without the trait breakdown `plan`), each run in the
// query service's own code, in process, timed part by part:
//   sql      the step-event read (fetchStepParts: Postgres' work and the bytea transfer), of it
//            blocks: the closed days' funnel_day_blocks rows (docs/funnels.md), events: the rest
//            from the events table; the first run also fills the blocks (printed once, `fill`),
//   server   Postgres' own execution of the whole range's read from the events table (EXPLAIN ANALYZE),
//   parse    bytes to typed columns, grouped and ordered by person (step-blob.handler.ts),
//   match    each person's best attempt and the tallies (funnel.handler.ts),
//   traits   the trait breakdown's lookup of each entering person's latest traits,
// and the whole runFunnel, p50 of --runs. With --before=<rev>, that revision's query service code
// (git archive into .sightline/bench-peers/, run by a child process over stdin/stdout) answers
// each funnel too, run for run alternately with today's, on the same data: the before/after
// ratio of one run, and the answers must be the same (the run fails otherwise).
import { execSync, spawn } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Pool } from 'pg';
import { benchArgs, createTestDatabase, repoRoot } from '@sightline/testing';
import { bestAttempt, newBestAttempt, newTally, tally } from '../../services/query/src/domain/funnel.handler';
import { eachPerson, groupByPerson, parsePersonValues, parseStepParts } from '../../services/query/src/domain/step-blob.handler';
import { runFunnel } from '../../services/query/src/routes/funnels.routes';
import { fetchPersonTraits, fetchStepParts, type FetchStats } from '../../services/query/src/stores/funnel.store';
import { blockStorageBytes } from '../../services/query/src/stores/funnel-block.store';
import { createVisitorStore } from '../../services/query/src/stores/visitor.store';
import { loadEvents } from '../query/load';

const cli = benchArgs(process.argv.slice(2).flatMap((a) => (a.startsWith('--') && a.includes('=') ? a.split(/=(.*)/s, 2) : [a])));
const EVENTS = cli.number('events', 1_000_000);
const RUNS = cli.number('runs', 5);
const SHARDS = cli.number('shards', 2);
const DAY = 86_400_000;
const T0 = cli.string('from') ? Date.parse(cli.string('from')!) : Date.UTC(2026, 6, 1);
const PROJECT = cli.string('project') ?? 'bench';
const REV = cli.string('before');
const WINDOW_MS = 7 * DAY;

const p50 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.ceil(xs.length / 2) - 1]!;
const fmt = (x: number) => (x < 10 ? x.toFixed(1) : x.toFixed(0));

async function timed<T>(fn: () => Promise<T> | T): Promise<[number, T]> {
  const t = performance.now();
  const r = await fn();
  return [performance.now() - t, r];
}

async function main() {
  console.log(`machine: ${cpus().length} cores (${cpus()[0]?.model}), node ${process.version}, load ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  const reuse = cli.string('db');
  const db = reuse ? { url: reuse, drop: async () => undefined } : await createTestDatabase('bench_funnel_split', join(repoRoot, 'services', 'query', 'prisma', 'migrations'));
  const pool = new Pool({ connectionString: db.url, max: 4 });
  try {
    if (!reuse) {
      const [ms] = await timed(() => loadEvents(pool, { events: EVENTS, visitors: Math.round(EVENTS / 10), from: T0, days: 90 }));
      console.log(`loaded ${EVENTS} events in ${fmt(ms)} ms into ${db.url}`);
    }
    const visitors = createVisitorStore(pool);
    const funnels: Array<[string, string[]]> = [
      ['3-step', ['view_item', 'add_to_cart', 'purchase']],
      ['5-step', ['$pageview', 'view_item', 'add_to_cart', 'checkout', 'purchase']],
    ];
    console.log(`\n${EVENTS} events, p50 of ${RUNS} runs, ms (shards ${SHARDS})`);
    const maxVisitor = (await pool.query<{ max: number }>('SELECT max(visitor_index) AS max FROM visitors WHERE project_id = $1', [PROJECT])).rows[0]!.max;
    const before = REV ? await startBefore(REV, db.url) : undefined;
    console.log(`| funnel | sql (read + transfer) | blocks read | events read | fill (first run) | server (events table, EXPLAIN, one query) | parse + group | match | traits | runFunnel |${REV ? ` runFunnel at ${REV} | before ÷ after |` : ''} answer |`);
    console.log(`|---|---|---|---|---|---|---|---|---|---|${REV ? '---|---|' : ''}---|`);
    for (const [label, names] of funnels) {
      for (const variant of ['', 'by plan', 'candidates: every other visitor'] as const) {
        const byPlan = variant === 'by plan';
        const steps = names.map((event) => ({ event }));
        const fromMs = T0;
        const toMs = T0 + 90 * DAY;
        const body = {
          from: new Date(fromMs).toISOString(), to: new Date(toMs).toISOString(), windowSeconds: WINDOW_MS / 1000, order: 'sequential' as const, steps,
          ...(byPlan ? { breakdown: { type: 'trait' as const, key: 'plan', limit: 10 } } : {}),
          // A filtered funnel's candidate list (the gateway's filter set): half of the visitors.
          ...(variant.startsWith('candidates') ? { candidateVisitorIndexes: Array.from({ length: Math.ceil(maxVisitor / 2) + 1 }, (_, i) => 2 * i).filter((v) => v <= maxVisitor) } : {}),
        };
        const t = { blocks: [] as number[], events: [] as number[], fill: 0, sql: [] as number[], parse: [] as number[], match: [] as number[], traits: [] as number[], whole: [] as number[], before: [] as number[] };
        let answer = '';
        /** runFunnel today, and at --before right after it: same answer, both timed. */
        // (The two alternate which goes first, run by run.)
        const wholeFunnel = async () => {
          const first = before && t.whole.length % 2 === 1 ? await before.run(body) : undefined;
          const [whole, result] = await timed(() => runFunnel({ pool, visitors, shards: SHARDS }, PROJECT, body as never));
          t.whole.push(whole);
          const today = JSON.stringify(result);
          if (before) {
            const old = first ?? (await before.run(body));
            if (JSON.stringify(old.result) !== today) throw new Error(`${label} ${variant}: ${REV} answers\n${JSON.stringify(old.result)}\ntoday\n${today}`);
            t.before.push(old.ms);
          }
          return today;
        };
        for (let i = 0; i < RUNS; i++) {
          const read = { projectId: PROJECT, steps, fromMs, untilMs: toMs + WINDOW_MS };
          if (variant.startsWith('candidates')) {
            // Only the whole funnel is timed: the parts above are those of the unfiltered read.
            answer = await wholeFunnel();
            continue;
          }
          const st: FetchStats = { blockMs: 0, fillMs: 0, eventsMs: 0, blocks: 0, filled: 0, blockRecords: 0 };
          const [sql, parts] = await timed(() => fetchStepParts(pool, read, SHARDS, st));
          if (st.filled) t.fill += st.fillMs;
          else (t.blocks.push(st.blockMs), t.events.push(st.eventsMs));
          const [parse, g] = await timed(() => groupByPerson(parseStepParts(parts, false)));
          const spec = { stepCount: steps.length, windowMs: WINDOW_MS, order: 'sequential' as const, fromMs, toMs };
          const entered: number[] = [];
          const [match] = await timed(() => {
            const tl = newTally(steps.length);
            const best = newBestAttempt(steps.length);
            const person = { visitor: 0, times: g.times, bits: g.bits, start: 0, end: 0 };
            eachPerson(g, (v, start, end) => {
              person.visitor = v;
              person.start = start;
              person.end = end;
              bestAttempt(person, spec, best);
              if (best.depth === 0) return;
              tally(tl, best.depth, best.reach);
              entered.push(v);
            });
          });
          const [traits] = byPlan ? await timed(async () => parsePersonValues(await fetchPersonTraits(pool, PROJECT, 'plan', fromMs))) : [0];
          answer = await wholeFunnel();
          if (!st.filled) t.sql.push(sql);
          t.parse.push(parse);
          t.match.push(match);
          t.traits.push(traits);
        }
        const server = variant.startsWith('candidates') ? 0 : await explainMs(pool, names, fromMs, toMs + WINDOW_MS);
        const counts = JSON.parse(answer) as { steps: Array<{ count: number }>; breakdown?: Array<{ value: string; steps: Array<{ count: number }> }> };
        const shown = byPlan ? counts.breakdown!.map((b) => [b.value, ...b.steps.map((x) => x.count)]) : counts.steps.map((x) => x.count);
        const label_ = `${label}${variant ? ` ${variant}` : ''}`;
        const parts_ = variant.startsWith('candidates') ? '— | — | — | — | — | — | — | —' : `${fmt(p50(t.sql))} | ${fmt(p50(t.blocks))} | ${fmt(p50(t.events))} | ${t.fill ? fmt(t.fill) : '—'} | ${fmt(server)} | ${fmt(p50(t.parse))} | ${fmt(p50(t.match))} | ${byPlan ? fmt(p50(t.traits)) : '—'}`;
        const then = before ? ` | ${fmt(p50(t.before))} | ${(p50(t.before) / p50(t.whole)).toFixed(1)}×` : '';
        console.log(`| ${label_} | ${parts_} | ${fmt(p50(t.whole))}${then} | ${JSON.stringify(shown)} |`);
      }
    }
    before?.stop();
    const blocks = (await pool.query<{ rows: string; records: string }>('SELECT count(*) AS rows, sum(length(records)) / 12 AS records FROM funnel_day_blocks')).rows[0]!;
    console.log(`funnel day blocks: ${((await blockStorageBytes(pool)) / 2 ** 20).toFixed(1)} MiB (table, TOAST, index) in ${blocks.rows} rows, ${Number(blocks.records).toLocaleString('en')} records`);
    console.log(`load average at the end: ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  } finally {
    await pool.end();
    if (!cli.flag('keep-db')) await db.drop();
  }
}

/** Postgres' own time for the unfiltered step read over the whole range (one query, no shards, no merges). */
async function explainMs(pool: Pool, names: string[], fromMs: number, untilMs: number): Promise<number> {
  const { rows } = await pool.query<{ 'QUERY PLAN': Array<{ 'Execution Time': number }> }>(
    `EXPLAIN (ANALYZE, TIMING OFF, FORMAT JSON)
     SELECT e.name, string_agg(int4send(e.visitor_index) || timestamptz_send(e."timestamp"), ''::bytea)
     FROM events e WHERE e.project_id = $4 AND e.name = ANY($1::text[]) AND e."timestamp" >= $2 AND e."timestamp" < $3 GROUP BY e.name`,
    [names, new Date(fromMs), new Date(untilMs), PROJECT],
  );
  return rows[0]!['QUERY PLAN'][0]!['Execution Time'];
}

/**
 * The query service's funnel code at `rev`, in a child process: one funnel body per stdin line,
 * one {ms, result} line back (timed inside the child, so the pipe is not in the figure).
 */
async function startBefore(rev: string, dbUrl: string) {
  const dir = join(repoRoot, '.sightline', 'bench-peers', `before-${rev.replace(/[^\w.-]/g, '_')}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  execSync(`git archive ${JSON.stringify(rev)} services/query/src | tar -x -C ${JSON.stringify(dir)}`, { cwd: repoRoot });
  writeFileSync(join(dir, 'runner.ts'), `import { createInterface } from 'node:readline';
import { Pool } from 'pg';
import { runFunnel } from './services/query/src/routes/funnels.routes';
import { createVisitorStore } from './services/query/src/stores/visitor.store';
const pool = new Pool({ connectionString: process.argv[2], max: 4 });
const deps = { pool, visitors: createVisitorStore(pool), shards: Number(process.argv[4]) };
(async () => {
  for await (const line of createInterface({ input: process.stdin })) {
    const t = performance.now();
    const result = await runFunnel(deps, process.argv[3]!, JSON.parse(line));
    process.stdout.write(JSON.stringify({ ms: performance.now() - t, result }) + '\\n');
  }
  await pool.end();
})();
`);
  const child = spawn(process.execPath, [join(repoRoot, 'scripts', 'run-ts.mjs'), join(dir, 'runner.ts'), dbUrl, PROJECT, String(SHARDS)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  return {
    async run(body: unknown): Promise<{ ms: number; result: unknown }> {
      child.stdin!.write(`${JSON.stringify(body)}\n`);
      const { value, done } = await lines.next();
      if (done) throw new Error(`the funnel runner at ${rev} exited`);
      return JSON.parse(value as string);
    },
    stop: () => (child.stdin!.end(), rmSync(dir, { recursive: true, force: true })),
  };
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
