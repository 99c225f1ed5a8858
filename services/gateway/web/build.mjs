#!/usr/bin/env node
// `make build` runs this after scripts/build.mjs: it writes the gateway's OpenAPI document to
// services/gateway/dist/openapi.json (what `make test` lints) and generates the dashboard's API
// types from it (src/api/schema.d.ts), so the dashboard and the API cannot drift; then builds the
// dashboard with Vite into services/gateway/dist/web, which the gateway serves.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const web = dirname(fileURLToPath(import.meta.url));
const root = join(web, '..', '..', '..');
const bin = (name) => join(root, 'node_modules', '.bin', name);
const documentFile = join(web, '..', 'dist', 'openapi.json');

const started = Date.now();
const document = execFileSync(process.execPath, [join(web, '..', 'dist', 'cli', 'export-openapi.js')], { encoding: 'utf8' });
mkdirSync(dirname(documentFile), { recursive: true });
writeFileSync(documentFile, document);
execFileSync(bin('openapi-typescript'), [documentFile, '--redocly', join(web, 'redocly.yaml'), '-o', join(web, 'src', 'api', 'schema.d.ts')], { stdio: ['ignore', 'ignore', 'inherit'] });
execFileSync(bin('vite'), ['build', '--config', join(web, 'vite.config.mts'), '--logLevel', 'warn'], { stdio: ['ignore', 'inherit', 'inherit'] });
console.log(`built the OpenAPI document, the dashboard's API types and the dashboard in ${Date.now() - started} ms`);
