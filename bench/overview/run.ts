/**
 * The overview's session figures (visits, pageviews, bounces, duration) from the query
 * service's sessions table, at the dashboard's size: 1M events / 100k visitors / 90 days, as
 * ~330k sessions generated in SQL into a fresh database (indexes as the migrations make them).
 * Prints p50/p95 of the store's one query: 90 days by day without and with a visitor bitmap
 * (the aggregator's segment for a filter), 7 days by hour, 30 days by day. Figures only.
 *
 *   node scripts/run-ts.mjs bench/overview/run.ts [--visitors=100000] [--events=1000000] [--days=90] [--runs=9]
 */
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'pg';
import { createTestDatabase, repoRoot } from '@sightline/testing';
import { createSessionMetricsStore, type SessionMetricsRequest } from '../../services/query/src/stores/session-metrics.store';

const args = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=')).map(([k, v]) => [k, v ?? 'true']));
const VISITORS = Number(args.visitors ?? 100_000);
const EVENTS = Number(args.events ?? 1_000_000);
const DAYS = Number(args.days ?? 90);
const RUNS = Number(args.runs ?? 9);
const EVENTS_PER_SESSION = 3;
const DAY = 86_400_000;
const END = Math.floor(Date.now() / DAY) * DAY;
const START = END - DAYS * DAY;
const PROJECT = 'bench';

function percentiles(samples: number[]) {
  const s = [...samples].sort((a, b) => a - b);
  return { p50: s[Math.floor(s.length / 2)]!, p95: s[Math.min(s.length - 1, Math.floor(s.length * 0.95))]! };
}

/** Sessions in time order, a visitor drawn by hash; 1-5 pageviews, event counts ≥ pageviews. */
async function load(pool: Pool, sessions: number): Promise<number> {
  const started = performance.now();
  await pool.query(`
    INSERT INTO sessions (project_id, session_id, visitor_index, visitor_id, started_at, ended_at, page_count, event_count, first_message_id)
    SELECT '${PROJECT}', 's' || g, v, 'v-' || v, ts, ts + (CASE WHEN n = 1 THEN 0 ELSE random() * 1200 END) * interval '1 second', least(n, 1 + (g % 3)), n, 'm' || g
    FROM (SELECT g, (hashint4(g) & 2147483647) % ${VISITORS} AS v, 1 + (hashint4(g + 7) & 2147483647) % 5 AS n,
                 to_timestamp(${START / 1000}) + (g::float8 / ${sessions}) * interval '${DAYS} days' AS ts
          FROM generate_series(0, ${sessions - 1}) AS g) AS x`);
  await pool.query('VACUUM ANALYZE sessions');
  return (performance.now() - started) / 1000;
}

/** A bitmap of every third visitor, as the aggregator's segment would send for a filter. */
function segment(): Buffer {
  const bytes = Buffer.alloc((VISITORS >> 3) + 1);
  for (let v = 0; v < VISITORS; v += 3) bytes[v >> 3]! |= 0x80 >> (v & 7);
  return bytes;
}

async function main(): Promise<void> {
  console.log(`machine: ${cpus().length} cores (${cpus()[0]?.model.trim()}), load ${loadavg().map((l) => l.toFixed(2)).join(' ')}, shared with other work`);
  const db = await createTestDatabase('bench_overview', join(repoRoot, 'services', 'query', 'prisma', 'migrations'));
  const pool = new Pool({ connectionString: db.url, max: 2 });
  try {
    const sessions = Math.round(EVENTS / EVENTS_PER_SESSION);
    const seconds = await load(pool, sessions);
    console.log(`sessions: ${sessions.toLocaleString('en')} (${EVENTS.toLocaleString('en')} events / ${VISITORS.toLocaleString('en')} visitors / ${DAYS} days) loaded in ${seconds.toFixed(1)} s`);
    const store = createSessionMetricsStore(pool);
    const bitmap = segment();
    const cases: Array<[string, Omit<SessionMetricsRequest, 'projectId' | 'timeZone'>]> = [
      [`${DAYS} days by day`, { from: new Date(START).toISOString(), to: new Date(END).toISOString(), interval: 'day' }],
      [`${DAYS} days by day, visitor bitmap (1 in 3)`, { from: new Date(START).toISOString(), to: new Date(END).toISOString(), interval: 'day', visitors: bitmap }],
      ['30 days by day', { from: new Date(END - 30 * DAY).toISOString(), to: new Date(END).toISOString(), interval: 'day' }],
      ['7 days by hour', { from: new Date(END - 7 * DAY).toISOString(), to: new Date(END).toISOString(), interval: 'hour' }],
    ];
    for (const [name, req] of cases) {
      const samples: number[] = [];
      let visits = 0;
      for (let i = 0; i < RUNS + 1; i++) {
        const t = performance.now();
        const buckets = await store.buckets({ projectId: PROJECT, timeZone: 'Europe/Paris', ...req });
        if (i > 0) samples.push(performance.now() - t);
        visits = buckets.reduce((n, b) => n + b.visits, 0);
      }
      const { p50, p95 } = percentiles(samples);
      console.log(`session metrics, ${name}: ${visits.toLocaleString('en')} visits, p50 ${p50.toFixed(1)} ms (p95 ${p95.toFixed(1)}) over ${RUNS} runs`);
    }
  } finally {
    await pool.end();
    await db.drop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
