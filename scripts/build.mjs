#!/usr/bin/env node
// Builds every service into one CommonJS file, services/<name>/dist/main.js. The @sightline/*
// libs are bundled from their TypeScript source (tsconfig paths); npm packages stay external
// and load from node_modules. Prisma clients are generated first (no engine download needed).
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { externalPackages } from './esbuild-externals.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const only = process.argv.slice(2);
const services = readdirSync(join(root, 'services')).filter((name) => existsSync(join(root, 'services', name, 'src', 'main.ts')) && (only.length === 0 || only.includes(name)));

export function generatePrisma(service) {
  const schema = join(root, 'services', service, 'prisma', 'schema.prisma');
  if (!existsSync(schema)) return;
  // The CLI only checks that the schema engine file exists; `generate` never runs it, so any
  // existing file will do and nothing is downloaded.
  const engine = process.execPath;
  try {
    execFileSync(join(root, 'node_modules', '.bin', 'prisma'), ['generate', '--schema', schema], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, PRISMA_SCHEMA_ENGINE_BINARY: engine, PRISMA_HIDE_UPDATE_MESSAGE: '1', CHECKPOINT_DISABLE: '1' },
    });
  } catch (err) {
    console.error(`prisma generate failed for ${service}:\n${err.stdout ?? ''}${err.stderr ?? ''}`);
    process.exit(1);
  }
}


const started = Date.now();
for (const service of services) {
  generatePrisma(service);
  const src = join(root, 'services', service, 'src');
  const cli = existsSync(join(src, 'cli')) ? readdirSync(join(src, 'cli')).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts')) : [];
  const entries = [['main.ts', 'main.js'], ...cli.map((f) => [join('cli', f), join('cli', f.replace(/\.ts$/, '.js'))])];
  // One build per entry: the plugin writes relative requires from the output file's folder.
  await Promise.all(
    entries.map(([from, to]) => {
      const outfile = join(root, 'services', service, 'dist', to);
      return build({
        entryPoints: [join(src, from)],
        outfile,
        bundle: true,
        platform: 'node',
        target: 'node24',
        format: 'cjs',
        sourcemap: true,
        logLevel: 'warning',
        tsconfig: join(root, 'tsconfig.json'),
        plugins: [externalPackages(dirname(outfile))],
      });
    }),
  );
}
console.log(`built ${services.join(', ')} in ${Date.now() - started} ms`);
