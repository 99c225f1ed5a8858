#!/usr/bin/env node
// Builds the kit for use outside the monorepo (`npm pack` runs this):
// - dist/index.js: one CommonJS bundle of the kit and the contracts it uses (libs/contracts is
//   a workspace package, never published), with kafkajs and zod left as dependencies;
// - dist/types/: the declarations of the kit and of libs/contracts, the bare
//   '@sightline/contracts' specifier pointed at the copy beside them.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, 'dist');
rmSync(dist, { recursive: true, force: true });

await build({
  entryPoints: [join(here, 'src', 'index.ts')],
  outfile: join(dist, 'index.js'),
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node18',
  external: ['kafkajs', 'zod'],
  sourcemap: true,
  logLevel: 'warning',
});

const tsc = join(here, '..', '..', 'node_modules', 'typescript', 'bin', 'tsc');
execFileSync(process.execPath, [tsc, '-p', join(here, 'tsconfig.build.json')], { stdio: ['ignore', 2, 2] });

const types = join(dist, 'types');
const contracts = join(types, 'contracts', 'src', 'index');
const files = (dir) => readdirSync(dir).flatMap((name) => (statSync(join(dir, name)).isDirectory() ? files(join(dir, name)) : [join(dir, name)]));
for (const file of files(types).filter((f) => f.endsWith('.d.ts'))) {
  const text = readFileSync(file, 'utf8');
  const target = `./${relative(dirname(file), contracts)}`.replace(/^\.\/\.\./, '..');
  if (text.includes("'@sightline/contracts'")) writeFileSync(file, text.replaceAll("'@sightline/contracts'", `'${target}'`));
}
if (files(types).some((f) => f.endsWith('.d.ts') && readFileSync(f, 'utf8').includes('@sightline/'))) throw new Error('a declaration still names a workspace package');
// stderr: `npm pack --json` prints the pack report on stdout.
console.error(`built ${relative(process.cwd(), dist)}`);
