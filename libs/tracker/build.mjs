#!/usr/bin/env node
// Bundles the browser tracker into dist/tracker.js (one minified IIFE, no dependencies) and
// prints its raw and gzipped size: the budget is 3 KB gzipped, because every page view of
// every tracked site downloads it.
import { build } from 'esbuild';
import { readFileSync, statSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const outfile = join(here, 'dist', 'tracker.js');
const { version } = JSON.parse(readFileSync(join(here, 'package.json'), 'utf8'));
const BUDGET_GZIP = 3 * 1024;

await build({
  entryPoints: [join(here, 'src', 'index.ts')],
  outfile,
  bundle: true,
  minify: true,
  format: 'iife',
  platform: 'browser',
  // Browsers with fetch keepalive, sendBeacon and URLSearchParams; no polyfills shipped.
  target: 'es2020',
  define: { __VERSION__: JSON.stringify(version) },
  legalComments: 'none',
  // Internal property names are shortened too; none of them is a DOM, storage or wire name.
  mangleProps: /^(outbox|lastPath|leave|retryNow|drain|pageViews|afterMs|done)$/,
  logLevel: 'warning',
});

const raw = statSync(outfile).size;
const gzip = gzipSync(readFileSync(outfile), { level: 9 }).length;
console.log(`tracker.js: ${raw} B raw, ${gzip} B gzipped (budget ${BUDGET_GZIP} B)`);
if (gzip > BUDGET_GZIP) {
  console.error(`tracker.js is over its ${BUDGET_GZIP} B gzip budget`);
  process.exit(1);
}
