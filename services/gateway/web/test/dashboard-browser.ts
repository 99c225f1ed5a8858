// Browser helpers of the dashboard's e2e tests: a build of the current source served by the real
// gateway, screenshots at 1280 and 360 px, and an axe-core scan that fails on serious or critical issues.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { isDeepStrictEqual, promisify } from 'node:util';
import AxeBuilder from '@axe-core/playwright';
import type { Page } from 'playwright-core';
import { repoRoot, waitFor } from '@sightline/testing';
import { startStack, type ServiceName, type Stack } from '../../../../test/e2e/stack';

export const screenshotDir = join(repoRoot, '.sightline', 'screenshots');

const web = join(repoRoot, 'services', 'gateway', 'web');
const built = join(repoRoot, 'services', 'gateway', 'dist', 'web');
/** Which source the build in dist/web was made from (the dist/web it left: its index.html's hash). */
const buildRecord = join(repoRoot, '.sightline', 'dashboard-build.json');

const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');

/** Everything Vite reads to build the dashboard: the web folder but its tests, and the locked dependencies. */
function sourceHash(): string {
  const files: string[] = [join(repoRoot, 'package-lock.json')];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (path !== join(web, 'test')) walk(path);
      } else files.push(path);
    }
  };
  walk(web);
  const hash = createHash('sha256');
  for (const file of files.sort()) hash.update(`${relative(repoRoot, file)}\0`).update(readFileSync(file)).update('\0');
  return hash.digest('hex');
}

/** The build in dist/web is of this source and whole (its index.html unchanged, every asset it loads there). */
function builtFrom(source: string): boolean {
  const index = join(built, 'index.html');
  if (!existsSync(buildRecord) || !existsSync(index)) return false;
  const record = JSON.parse(readFileSync(buildRecord, 'utf8')) as { source?: string; index?: string };
  const html = readFileSync(index, 'utf8');
  const assets = [...html.matchAll(/(?:src|href)="\/(assets\/[^"]+)"/g)].map((m) => m[1]!);
  return record.source === source && record.index === sha256(html) && assets.length > 0 && assets.every((a) => existsSync(join(built, a)));
}

/**
 * Builds the dashboard from the current source into the gateway's dist/web, which the gateway
 * process serves; once per source: a later suite of the run finds the build of the same source
 * (recorded in .sightline/dashboard-build.json) and skips Vite (10-16 s a build on a shared
 * 2-core machine). Another test building at the same time holds Vite's lock: wait for it (its
 * build is of the same source). Asynchronous, so a suite starts its stack meanwhile (the gateway
 * reads dist/web per request, never at start).
 */
export async function buildDashboard(): Promise<void> {
  const source = sourceHash();
  if (builtFrom(source)) return;
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      // Jest's NODE_ENV=test would make Vite bundle the libraries' development builds (11 KB more, not what ships).
      await promisify(execFile)(join(repoRoot, 'node_modules', '.bin', 'vite'), ['build', '--config', join(web, 'vite.config.mts'), '--logLevel', 'error'], { env: { ...process.env, NODE_ENV: 'production' } });
      mkdirSync(join(repoRoot, '.sightline'), { recursive: true });
      writeFileSync(buildRecord, JSON.stringify({ source, index: sha256(readFileSync(join(built, 'index.html'))) }));
      return;
    } catch (err) {
      const text = String((err as { stderr?: string }).stderr ?? err);
      if (!text.includes('Found another Vite build process') || Date.now() > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, 2000));
    }
  }
}

/** The stack of a dashboard suite, started while the dashboard builds (when its source changed). */
export async function startStackWithDashboard(prefix: string, overrides: Partial<Record<ServiceName, Record<string, string>>> = {}): Promise<Stack> {
  const [stack, build] = await Promise.allSettled([startStack(prefix, overrides), buildDashboard()]);
  if (build.status === 'rejected') {
    if (stack.status === 'fulfilled') await stack.value.stop();
    throw build.reason;
  }
  if (stack.status === 'rejected') throw stack.reason;
  return stack.value;
}

/**
 * At `width` px (900 high), once the page has drawn at that width: the chart's ResizeObserver
 * callback, the re-render and the effect that redraws it each wait for a frame or a task (at most 1 s).
 */
async function resize(page: Page, width: number): Promise<void> {
  if (page.viewportSize()?.width === width) return;
  await page.setViewportSize({ width, height: 900 });
  await page.evaluate(
    () =>
      new Promise<void>((resolve) => {
        const frame = (left: number) => requestAnimationFrame(() => setTimeout(() => (left ? frame(left - 1) : resolve())));
        frame(2);
        setTimeout(resolve, 1000);
      }),
  );
}

/** Full-page screenshots at 1280 and 360 px wide, back at 1280 after. */
export async function screenshots(page: Page, name: string): Promise<void> {
  mkdirSync(screenshotDir, { recursive: true });
  for (const width of [1280, 360]) {
    await resize(page, width);
    await page.screenshot({ path: join(screenshotDir, `${name}-${width}.png`), fullPage: true });
  }
  await resize(page, 1280);
}

/**
 * The serious and critical axe-core violations of the page as it is now, at 1280 and 360 px;
 * at each width also the full-page screenshot `screenshot` names, and at 360 px the problems
 * `narrow` finds (sideways scrolling, say). Back at 1280 after: one resize each way, where a
 * scan and screenshots apart took eight.
 */
export async function accessibilityProblems(page: Page, label: string, options: { screenshot?: string; narrow?: () => Promise<string[]> } = {}): Promise<string[]> {
  const out: string[] = [];
  if (options.screenshot) mkdirSync(screenshotDir, { recursive: true });
  for (const width of [1280, 360]) {
    await resize(page, width);
    // Legacy mode runs axe.run in the page itself: the dashboard has no frames for the default's
    // per-frame runPartial, whose finishRun opens a blank page and injects axe into it for every scan.
    const result = await new AxeBuilder({ page }).setLegacyMode().analyze();
    for (const v of result.violations) {
      if (v.impact === 'serious' || v.impact === 'critical') out.push(`${label} @${width}px: ${v.id} (${v.impact}) ${v.help}: ${v.nodes.map((n) => n.target.join(' ')).join(' | ')}`);
    }
    if (width === 360 && options.narrow) out.push(...(await options.narrow()));
    if (options.screenshot) await page.screenshot({ path: join(screenshotDir, `${options.screenshot}-${width}.png`), fullPage: true });
  }
  await resize(page, 1280);
  return out;
}

/** Polls `read` until it equals `want` (deep, any key order), then returns the last value, so a failure shows the difference. */
export async function settle<T>(read: () => Promise<T>, want: T, timeoutMs = 20_000): Promise<T> {
  let last: T | undefined;
  await waitFor(
    async () => {
      last = await read();
      // Key order differs between the page's rows and the oracle's: compare as values.
      return isDeepStrictEqual(last, want);
    },
    { timeoutMs, intervalMs: 200 },
  ).catch(() => undefined);
  return last as T;
}

/** The rows of a breakdown panel as {value: visitors}. */
export function panelRows(page: Page, panel: string): Promise<Record<string, number>> {
  return page.$$eval(`[data-panel="${panel}"] tbody tr`, (rows) =>
    Object.fromEntries(rows.map((r) => [(r as HTMLElement).dataset.value ?? '', Number((r.querySelector('td')?.textContent ?? '').replace(/,/g, ''))])),
  );
}

/** The six cards' texts (and the comparison's when shown). */
export function cardTexts(page: Page, attribute: 'data-metric' | 'data-compare-metric' = 'data-metric'): Promise<Record<string, string>> {
  return page.$$eval(`[${attribute}]`, (els, attr) => Object.fromEntries(els.map((e) => [e.getAttribute(attr as string) ?? '', (e.textContent ?? '').trim()])), attribute);
}

/** A download's text (a CSV). */
export async function streamText(stream: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  for await (const chunk of stream) text += chunk.toString();
  return text;
}
