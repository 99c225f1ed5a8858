/**
 * The system a reader of the docs has after `make up`, on its own topics, databases and ports:
 * the five services (test/e2e/stack.ts) and the demo account and project that `make up`
 * creates, written by the same bootstrap CLI to an env file like `.sightline/demo.env`.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot, testInfra } from '@sightline/testing';
import { startStack, type Stack } from '../e2e/stack';

export interface DocsStack {
  stack: Stack;
  /** The demo env file (`SIGHTLINE_*`), as `make up` writes `.sightline/demo.env`. */
  envFile: string;
  vars: Record<string, string>;
}

/** `KEY='value'` lines as the bootstrap writes them (single-quoted, `'\''` for a quote). */
export function parseEnvFile(text: string): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const match = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line);
    if (match) vars[match[1]!] = match[2]!.replace(/^'(.*)'$/, '$1').replaceAll(`'\\''`, `'`);
  }
  return vars;
}

export async function startDocsStack(prefix = 'docs'): Promise<DocsStack> {
  const stack = await startStack(prefix);
  const envFile = join(mkdtempSync(join(tmpdir(), 'sightline-docs-')), 'demo.env');
  const { gateway, ingest } = stack.services;
  execFileSync(process.execPath, [join(repoRoot, 'services', 'gateway', 'dist', 'cli', 'bootstrap-demo.js')], {
    env: { PATH: process.env.PATH ?? '', ...testInfra.kafkaSaslEnv, ...stack.env.gateway, PORT: String(gateway.port), INGEST_URL: ingest.url, DEMO_ENV_FILE: envFile, LOG_LEVEL: 'warn' },
    stdio: 'pipe',
  });
  return { stack, envFile, vars: parseEnvFile(readFileSync(envFile, 'utf8')) };
}
