import type { Browser, Page } from 'playwright-core';
import { waitFor } from '@sightline/testing';
import { launchChromium } from '../../../../libs/tracker/test/browser';
import type { Stack } from '../../../../test/e2e/stack';
import { createTenant, type Tenant } from '../../src/test-support/fixtures';
import { apiClient } from '../../src/test-support/gateway-harness';
import { formatInt } from '../src/components/format';
import { MAX_CONTAINS_VALUES } from '../src/state/filter-expr';
import { accessibilityProblems, panelRows, screenshots, settle, startStackWithDashboard, streamText } from './dashboard-browser';

/**
 * A breakdown cut by the aggregator's read cost bound (issue #16 finding 3) says so wherever the
 * dashboard uses one (issue #15): the overview's panel and its CSV, compare's value lists, and a
 * "contains" filter, which can only match the values that were read. The aggregator runs with the
 * smallest READ_MAX_COST (1,000): a day of 303 distinct pages is then read in part.
 */
const DAY = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString();
const day = Math.floor(Date.now() / DAY) * DAY - 3 * DAY;
const date = new Date(day).toISOString().slice(0, 10);
/** Three popular pages (the most events, so read first), then RARE pages of one visitor each. */
const TOP: Array<[string, number]> = [
  ['/top-a', 30],
  ['/top-b', 20],
  ['/top-c', 10],
];
const RARE = 300;
const VISITORS = TOP.reduce((s, [, n]) => s + n, 0) + RARE;
const VALUES = TOP.length + RARE;

function pageviews(): object[] {
  const out: object[] = [];
  const view = (visitor: string, path: string, i: number) =>
    out.push({ type: 'page', name: path, userId: visitor, messageId: `${visitor}-view`, timestamp: iso(day + 3_600_000 + i * 1000), context: { page: { path, url: `https://bounds.example${path}` } } });
  for (const [path, n] of TOP) for (let v = 0; v < n; v++) view(`${path.slice(1)}-${v}`, path, out.length);
  for (let i = 0; i < RARE; i++) view(`rare-${i}`, `/item/${i}`, out.length);
  return out;
}

describe('a breakdown read in part is said so in every panel that shows one (Chromium, READ_MAX_COST 1,000)', () => {
  let stack: Stack;
  let t: Tenant;
  let browser: Browser;
  let page: Page;
  let gateway: string;
  /** What the API says it read: the note must say the same. */
  let valuesRead = 0;
  const url = (path: string, extra = '') => `${gateway}/p/${t.projectId}/${path}?period=custom&from=${date}&to=${date}${extra}`;

  beforeAll(async () => {
    stack = await startStackWithDashboard('uibounds', { 'bitmap-aggregator': { READ_MAX_COST: '1000' } });
    gateway = stack.services.gateway.url;
    const api = apiClient(gateway);
    t = await createTenant(api, 'Bounds UI', { botFiltering: false });
    const ingest = apiClient(stack.services.ingest.url);
    const batch = pageviews();
    for (let i = 0; i < batch.length; i += 200) {
      const part = batch.slice(i, i + 200);
      await waitFor(async () => (await ingest('POST', '/v1/batch', { basic: { email: t.writeKey, password: '' }, body: { batch: part } })).status === 200, { timeoutMs: 20_000, description: 'batch accepted' });
    }
    await waitFor(
      async () => {
        const r = await api('GET', `/v1/projects/${t.projectId}/breakdown?from=${iso(day)}&to=${iso(day + DAY)}&by=page&limit=10`, { bearer: t.readKey });
        if (r.status !== 200 || r.body.total !== VISITORS || r.body.truncated?.valuesInRange !== VALUES) return false;
        valuesRead = r.body.truncated.valuesRead;
        return true;
      },
      { timeoutMs: 90_000, description: `${VISITORS} visitors and ${VALUES} pages in the bitmaps` },
    );
    browser = await launchChromium();
    page = await (await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true })).newPage();
    expect((await page.request.post(`${gateway}/v1/session`, { data: t.admin })).status()).toBe(200);
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  }, 60_000);

  it('the overview pages panel: exact rows of what was read, the total of everyone, a visible note tied to the table, and the same note in the CSV', async () => {
    expect(valuesRead).toBeGreaterThanOrEqual(TOP.length);
    expect(valuesRead).toBeLessThan(VALUES);
    await page.goto(url('overview'));
    const panel = '[data-panel="panel-pages"]';
    const rows = await settle(async () => {
      const all = await panelRows(page, 'panel-pages');
      return { top: TOP.map(([path]) => all[path]), rest: Object.entries(all).filter(([v]) => v.startsWith('/item/')).every(([, n]) => n === 1), rows: Object.keys(all).length };
    }, { top: TOP.map(([, n]) => n), rest: true, rows: 10 });
    expect(rows).toEqual({ top: TOP.map(([, n]) => n), rest: true, rows: 10 });
    expect(await page.textContent(`${panel} [data-total]`)).toBe(formatInt(VISITORS));

    const note = page.locator(`${panel} [data-warning="truncated"]`);
    expect(await note.isVisible()).toBe(true);
    const text = (await note.textContent()) ?? '';
    expect(text).toContain(`Only the ${formatInt(valuesRead)} values with the most events, of the ${formatInt(VALUES)} in this range, were read`);
    expect(text).toContain('Narrow the range');
    // Assistive technology reads it as part of the table's description.
    const describedBy = (await page.getAttribute(`${panel} table`, 'aria-describedby')) ?? '';
    expect(describedBy.split(' ')).toContain(await note.getAttribute('id'));

    const [download] = await Promise.all([page.waitForEvent('download'), page.click(`${panel} button:has-text("CSV")`)]);
    const csv = (await streamText(await download.createReadStream())).trim().split('\r\n');
    expect(csv[csv.length - 2]).toBe(`"Total (unique visitors, not the sum of the rows)",${VISITORS},1`);
    expect(csv[csv.length - 1]).toBe(`"Note: ${text.replace(/"/g, '""')}",,`);

    expect(await accessibilityProblems(page, 'overview-truncated', { screenshot: 'overview-truncated' })).toEqual([]);
  });

  it('a chart over the bound (14 days by hour) is refused with what to narrow, and offers no retry that would be refused again', async () => {
    const first = new Date(day - 13 * DAY).toISOString().slice(0, 10);
    await page.goto(`${gateway}/p/${t.projectId}/overview?period=custom&from=${first}&to=${date}&interval=hour`);
    const alert = page.locator('.overview .state-error[role=alert]');
    await alert.first().waitFor();
    expect(await alert.first().textContent()).toMatch(/^The figures and the chart: read cost \d+ is over the limit of 1000 .*narrow the range, the interval/);
    expect(await alert.first().locator('button').count()).toBe(0);
    // The breakdowns of the same range are within the bound: their exact rows are there beside it.
    expect(await settle(async () => (await panelRows(page, 'panel-pages'))['/top-a'], 30)).toBe(30);
  });

  it('compare lists the values it could read, and says which it left out', async () => {
    await page.goto(url('compare', '&mode=values&dim=page'));
    const note = page.locator('[data-panel="compare-define"] [data-warning="truncated"]');
    await note.waitFor();
    expect(await note.textContent()).toContain(`Listing only the ${formatInt(valuesRead)} values with the most events, of the ${formatInt(VALUES)} in this range`);
    // The select offers exactly the values read (a visitor each, or more), not the 303 of the day.
    const options = await page.$$eval('select[name=va] option', (os) => os.map((o) => (o as HTMLOptionElement).value).filter(Boolean));
    expect(options.length).toBeLessThanOrEqual(valuesRead);
    expect(options).toEqual(expect.arrayContaining(TOP.map(([path]) => path)));
    expect(await accessibilityProblems(page, 'compare-truncated')).toEqual([]);
  });

  it('a "contains" filter says it matched among the values read, and applies at most the first 20', async () => {
    await page.goto(url('overview', `&filters=${encodeURIComponent(JSON.stringify([['page', 'contains', '/item/']]))}`));
    const note = page.locator('.filter-bar [data-warning="contains"]');
    await note.waitFor();
    // The three popular pages were read first: the rest of what was read are /item/ pages.
    const matched = valuesRead - TOP.length;
    const text = (await note.textContent()) ?? '';
    expect(text).toContain(`“Page contains /item/” matched ${formatInt(matched)} values`);
    if (matched > MAX_CONTAINS_VALUES) expect(text).toContain(`only the ${MAX_CONTAINS_VALUES} with the most visitors apply`);
    expect(text).toContain(`among only the ${formatInt(valuesRead)} values with the most events, of the ${formatInt(VALUES)} in this range`);
    expect(await note.isVisible()).toBe(true);
    await screenshots(page, 'filter-contains-truncated');
  });
});
