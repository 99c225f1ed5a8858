#!/usr/bin/env node
// Runs a TypeScript script (benchmarks, one-off tools) the way services are built: bundled by
// esbuild with the @sightline/* libs from source, npm packages external. Usage:
//   node scripts/run-ts.mjs bench/aggregator/run.ts [args...]
// RUN_TS_KEEP=1 keeps the bundle (beside the script, .run-*/script.js) so that a CPU profile's
// line numbers can be read against it.
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { externalPackages } from './esbuild-externals.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const [script, ...args] = process.argv.slice(2);
if (!script) {
  console.error('usage: node scripts/run-ts.mjs <file.ts> [args...]');
  process.exit(2);
}
const entry = resolve(script);
// Output beside the script so that __dirname-relative paths and node_modules resolution hold.
const outDir = mkdtempSync(join(dirname(entry), '.run-'));
const outfile = join(outDir, 'script.js');
await build({
  entryPoints: [entry],
  outfile,
  bundle: true,
  platform: 'node',
  target: 'node24',
  format: 'cjs',
  sourcemap: 'inline',
  logLevel: 'warning',
  tsconfig: join(root, 'tsconfig.json'),
  define: { __SCRIPT_DIR__: JSON.stringify(dirname(entry)) },
  plugins: [externalPackages(outDir)],
});
// RUN_TS_NODE_ARGS: flags for node itself (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`), which NODE_OPTIONS refuses.
const nodeArgs = (process.env.RUN_TS_NODE_ARGS ?? '').split(' ').filter(Boolean);
const result = spawnSync(process.execPath, ['--enable-source-maps', ...nodeArgs, outfile, ...args], { stdio: 'inherit' });
if (!process.env.RUN_TS_KEEP) rmSync(outDir, { recursive: true, force: true });
process.exit(result.status ?? 1);
