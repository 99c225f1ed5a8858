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
  const extraEntries = existsSync(join(root, 'services', service, 'src', 'cli')) ? readdirSync(join(root, 'services', service, 'src', 'cli')).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts')).map((f) => join(root, 'services', service, 'src', 'cli', f)) : [];
  await build({
    entryPoints: [join(root, 'services', service, 'src', 'main.ts'), ...extraEntries],
    outdir: join(root, 'services', service, 'dist'),
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    sourcemap: true,
    logLevel: 'warning',
    tsconfig: join(root, 'tsconfig.json'),
    plugins: [externalPackages(join(root, 'services', service, 'dist'))],
  });
}
console.log(`built ${services.join(', ')} in ${Date.now() - started} ms`);
