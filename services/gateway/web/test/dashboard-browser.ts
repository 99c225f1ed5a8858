// Browser helpers of the dashboard's e2e tests: a fresh build served by the real gateway,
// screenshots at 1280 and 360 px, and an axe-core scan that fails on serious or critical issues.
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import AxeBuilder from '@axe-core/playwright';
import type { Page } from 'playwright-core';
import { repoRoot, waitFor } from '@sightline/testing';

export const screenshotDir = join(repoRoot, '.sightline', 'screenshots');

/**
 * Builds the dashboard from the current source into the gateway's dist/web, which the gateway
 * process serves. Another test building at the same time holds Vite's lock: wait for it (its
 * build is of the same source).
 */
export async function buildDashboard(): Promise<void> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      // Jest's NODE_ENV=test would make Vite bundle the libraries' development builds (11 KB more, not what ships).
      execFileSync(join(repoRoot, 'node_modules', '.bin', 'vite'), ['build', '--config', join(repoRoot, 'services', 'gateway', 'web', 'vite.config.mts'), '--logLevel', 'error'], { stdio: 'pipe', env: { ...process.env, NODE_ENV: 'production' } });
      return;
    } catch (err) {
      const text = String((err as { stderr?: Buffer }).stderr ?? err);
      if (!text.includes('Found another Vite build process') || Date.now() > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, 2000));
    }
  }
}

/** Full-page screenshots at 1280 and 360 px wide, back at 1280 after. */
export async function screenshots(page: Page, name: string): Promise<void> {
  mkdirSync(screenshotDir, { recursive: true });
  for (const width of [1280, 360]) {
    await page.setViewportSize({ width, height: 900 });
    await page.waitForTimeout(150); // the chart redraws on resize (a ResizeObserver callback)
    await page.screenshot({ path: join(screenshotDir, `${name}-${width}.png`), fullPage: true });
  }
  await page.setViewportSize({ width: 1280, height: 900 });
}

/** The serious and critical axe-core violations of the page as it is now, at 1280 and 360 px. */
export async function accessibilityProblems(page: Page, label: string): Promise<string[]> {
  const out: string[] = [];
  for (const width of [1280, 360]) {
    await page.setViewportSize({ width, height: 900 });
    const result = await new AxeBuilder({ page }).analyze();
    for (const v of result.violations) {
      if (v.impact === 'serious' || v.impact === 'critical') out.push(`${label} @${width}px: ${v.id} (${v.impact}) ${v.help}: ${v.nodes.map((n) => n.target.join(' ')).join(' | ')}`);
    }
  }
  await page.setViewportSize({ width: 1280, height: 900 });
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
