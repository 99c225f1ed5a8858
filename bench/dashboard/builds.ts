// The dashboard builds a benchmark run compares: the current source, and optionally the source
// at another git revision (--before=<rev>), each built by Vite into a directory of this run and
// served to the browser from there (page.route), so that both run against the same services and
// data, and no other build of dist/web (a test's, say) changes what is measured halfway.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { BrowserContext } from 'playwright-core';
import { repoRoot } from '@sightline/testing';

export interface Build {
  label: string;
  dir: string;
}

const work = join(repoRoot, 'bench', 'dashboard', '.run-web');
const vite = join(repoRoot, 'node_modules', '.bin', 'vite');
const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;

/** Builds services/gateway/web as it is now (rev undefined) or at `rev`. */
export function buildDashboard(rev?: string): Build {
  if (rev?.startsWith('-')) throw new Error(`--before takes a git revision, not ${rev}`);
  const name = rev ? rev.replace(/[^A-Za-z0-9._-]/g, '_') : 'current';
  const out = join(work, name);
  let config = join(repoRoot, 'services', 'gateway', 'web', 'vite.config.mts');
  if (rev) {
    // The web folder and the tsconfig it extends at that revision, inside the repository so that node_modules resolve.
    const src = join(work, `src-${name}`);
    rmSync(src, { recursive: true, force: true });
    mkdirSync(src, { recursive: true });
    const tar = execFileSync('git', ['-C', repoRoot, 'archive', rev, 'services/gateway/web', 'tsconfig.base.json'], { maxBuffer: 64 * 1024 * 1024 });
    execFileSync('tar', ['-x', '-C', src], { input: tar });
    config = join(src, 'services', 'gateway', 'web', 'vite.config.mts');
  }
  execFileSync(vite, ['build', '--config', config, '--outDir', out, '--emptyOutDir', '--logLevel', 'error'], { stdio: 'inherit' });
  return { label: rev ? `before (${rev})` : 'now', dir: out };
}

/** What index.html loads before the first render (gzipped), and the lazy chunks. */
export function printBundleSize(build: Build): void {
  const html = readFileSync(join(build.dir, 'index.html'), 'utf8');
  const first = [...html.matchAll(/(?:src|href)="\/(assets\/[^"]+\.(?:js|css))"/g)].map((m) => m[1]!);
  const gz = (file: string) => gzipSync(readFileSync(join(build.dir, file)), { level: 9 }).length;
  const firstBytes = first.reduce((n, f) => n + gz(f), 0);
  const lazy = readdirSync(join(build.dir, 'assets')).filter((f) => /\.(js|css)$/.test(f) && !first.includes(`assets/${f}`));
  console.log(`first-load JS + CSS gzipped: ${kb(firstBytes)} (${first.join(', ')}); target ≤ 60 KB`);
  console.log(`lazy chunks gzipped: ${lazy.map((f) => `${f} ${kb(gz(`assets/${f}`))}`).join(', ')}`);
}

/** The context's pages get the build's files; the API (/v1/…) still goes to the gateway. */
export async function serveBuild(context: BrowserContext, gateway: string, build: Build): Promise<void> {
  const origin = new URL(gateway).origin;
  await context.route(
    (url) => url.origin === origin && !url.pathname.startsWith('/v1/'),
    async (route) => {
      const path = new URL(route.request().url()).pathname;
      await route.fulfill({ path: path.startsWith('/assets/') ? join(build.dir, path) : join(build.dir, 'index.html') });
    },
  );
}
