/**
 * Node.js runtime benchmark: the same benchmarks under two Node binaries in one run, in turn
 * (A B A B …), so the machine's drift hits both alike; prints each figure per run and the
 * ratio B/A pair by pair. By default A is the machine's /usr/bin/node and B the Node the repo
 * pins (node_modules/.bin/node) — the figures behind the README's "Node 24 vs 20" table.
 *
 *   node scripts/run-ts.mjs bench/runtime/run.ts [--a=/usr/bin/node] [--b=node_modules/.bin/node] [--rounds=2] [--only=ingest,aggregator]
 *
 * Each benchmark runs at a small size (ingest 3 s per wrk run; fingerprint 50k events;
 * aggregator 20k visitors × 30 days, service consumer phase included).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '@sightline/testing';

const args = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=')).map(([k, v]) => [k, v ?? 'true']));
const nodes = { A: args.a ?? '/usr/bin/node', B: args.b ?? join(repoRoot, 'node_modules', '.bin', 'node') };
const rounds = Number(args.rounds ?? 2);
const only = args.only ? new Set(args.only.split(',')) : null;

interface Bench {
  name: string;
  file: string;
  args: string[];
  /** Figure name → regex whose first group is the number (commas allowed). */
  figures: Record<string, RegExp>;
}

const benches: Bench[] = [
  {
    name: 'ingest',
    file: 'bench/ingest/run.ts',
    args: ['--quick'],
    figures: {
      'ingest single (req/s)': /ingest \/v1\/track\s+single: (\d+) req\/s/,
      'ingest batched (events/s)': /ingest \/v1\/batch .*= (\d+) events\/s acknowledged/,
    },
  },
  {
    name: 'fingerprint',
    file: 'bench/fingerprint/run.ts',
    args: ['--events', '50000'],
    figures: { 'session-fingerprint (events/s)': /^session-fingerprint \(.*\): (\d+) events\/s/m },
  },
  {
    name: 'aggregator',
    file: 'bench/aggregator/run.ts',
    args: ['--visitors=20000', '--days=30'],
    figures: { 'aggregator consumer (events/s)': /events, ([\d,]+) events\/s past the first tenth/ },
  },
];

const version = (node: string) => execFileSync(node, ['--version']).toString().trim();

function runOnce(node: string, bench: Bench): Record<string, number> {
  const out = spawnSync(node, [join(repoRoot, 'scripts', 'run-ts.mjs'), bench.file, ...bench.args], { cwd: repoRoot, encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
  const text = `${out.stdout}\n${out.stderr}`;
  if (out.status !== 0) throw new Error(`${bench.file} on ${node} exited ${out.status}:\n${text.slice(-3000)}`);
  return Object.fromEntries(
    Object.entries(bench.figures).map(([figure, re]) => {
      const m = re.exec(text);
      if (!m) throw new Error(`${bench.file}: no "${figure}" in its output:\n${text.slice(-3000)}`);
      return [figure, Number(m[1]!.replace(/,/g, ''))];
    }),
  );
}

const results: Record<string, { A: number[]; B: number[] }> = {};
for (let round = 1; round <= rounds; round++) {
  for (const bench of benches.filter((b) => !only || only.has(b.name))) {
    for (const side of ['A', 'B'] as const) {
      const figures = runOnce(nodes[side], bench);
      for (const [figure, value] of Object.entries(figures)) {
        (results[figure] ??= { A: [], B: [] })[side].push(value);
        console.log(`round ${round} ${side} (${version(nodes[side])}) ${figure}: ${value}`);
      }
    }
  }
}

console.log(`\nA = ${version(nodes.A)} (${nodes.A}), B = ${version(nodes.B)} (${nodes.B}); ${rounds} rounds, in turn`);
console.log(`machine: ${cpus().length} cores (${cpus()[0]?.model}), ${(totalmem() / 2 ** 30).toFixed(1)} GiB, shared with other work; ${new Date().toISOString()}`);
for (const [figure, { A, B }] of Object.entries(results)) {
  const ratios = A.map((a, i) => B[i]! / a);
  console.log(`${figure}: A ${A.join(' / ')}, B ${B.join(' / ')}; B/A pair by pair ${ratios.map((r) => r.toFixed(2)).join(' / ')}`);
}
