/**
 * Real headless Chromium (Debian's package, never a downloaded build) driven by
 * playwright-core, and a small site to track: test pages served from their own origin.
 */
import { createServer, type Server } from 'node:http';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { freePort, repoRoot } from '@sightline/testing';

export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** `extraArgs` e.g. `--user-agent=…`: unlike a context's override, it also covers beacons. */
export async function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  if (!existsSync(chromiumPath)) throw new Error(`${chromiumPath} is missing: run infra/chromium/install (or apt-get install chromium)`);
  return chromium.launch({
    executablePath: chromiumPath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', ...extraArgs],
  });
}

/** Builds dist/tracker.js from the current source, so the tests never run a stale bundle. */
export function buildTracker(): void {
  execFileSync(process.execPath, [join(repoRoot, 'libs', 'tracker', 'build.mjs')], { stdio: 'pipe' });
}

export interface Site {
  /** The site's own origin (127.0.0.1); `localhost` on the same port counts as another host. */
  url: string;
  otherHost: string;
  close(): Promise<void>;
}

/**
 * Serves `pages[path]` (HTML) for GET, and the built tracker as /tracker.js (a site may host
 * it itself, with data-api naming the collector); unknown paths get a plain page without the tracker, so
 * an SPA route reloaded or an outbound link followed still loads.
 */
export async function startSite(pages: Record<string, string>): Promise<Site> {
  const port = await freePort();
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/tracker.js') {
      res.writeHead(200, { 'Content-Type': 'application/javascript' }).end(readFileSync(join(repoRoot, 'libs', 'tracker', 'dist', 'tracker.js')));
      return;
    }
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(pages[path] ?? '<!doctype html><title>elsewhere</title><p>elsewhere</p>');
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', () => resolve()));
  return {
    url: `http://127.0.0.1:${port}`,
    otherHost: `http://localhost:${port}`,
    close: () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
  };
}

/** A page with the documented snippet; `attributes` adds data-* options to the tag. */
export function snippetPage(options: { collector: string; key: string; title?: string; attributes?: string; head?: string; body?: string }): string {
  return `<!doctype html><html><head><title>${options.title ?? 'Test page'}</title>${options.head ?? ''}
<script defer src="${options.collector}/tracker.js" data-key="${options.key}" ${options.attributes ?? ''}></script>
</head><body>${options.body ?? ''}</body></html>`;
}
