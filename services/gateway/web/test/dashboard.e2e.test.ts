import type { Browser, BrowserContext, Page } from 'playwright-core';
import { waitFor } from '@sightline/testing';
import { launchChromium } from '../../../../libs/tracker/test/browser';
import type { Stack } from '../../../../test/e2e/stack';
import { createTenant, type Tenant } from '../../src/test-support/fixtures';
import { apiClient } from '../../src/test-support/gateway-harness';
import { formatDuration, formatInt, formatPercent } from '../src/components/format';
import { accessibilityProblems, startStackWithDashboard, cardTexts, panelRows, screenshots, settle, streamText } from './dashboard-browser';
import { breakdownOf, DAY, dateOf, history, iso, periods, segmentBatch, summaryOf, viewersOf, type Period, type Sent } from './dashboard-data';

/**
 * The dashboard in real Chromium against the five real services: what it shows equals what the
 * test computes from the events it sent through ingest (Segment batch API).
 */
const p = periods();
const sent: Sent[] = history(p);
const today = Math.floor(Date.now() / DAY) * DAY;
const last7: Period = { from: today - 6 * DAY, to: today + DAY };

function cardsOf(s: ReturnType<typeof summaryOf>): Record<string, string> {
  return {
    visitors: formatInt(s.visitors),
    visits: formatInt(s.visits),
    pageviews: formatInt(s.pageviews),
    viewsPerVisit: s.viewsPerVisit.toFixed(2),
    bounceRate: formatPercent(s.bounceRate, 0),
    visitDurationSeconds: formatDuration(s.visitDurationSeconds),
  };
}

describe('dashboard in Chromium through the real services', () => {
  let stack: Stack;
  let t: Tenant;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let gateway: string;
  const overviewUrl = () => `${gateway}/p/${t.projectId}/overview?period=custom&from=${dateOf(p.current.from)}&to=${dateOf(p.current.to - DAY)}`;

  beforeAll(async () => {
    stack = await startStackWithDashboard('dashui');
    gateway = stack.services.gateway.url;
    const api = apiClient(gateway);
    t = await createTenant(api, 'Dashboard UI');
    const ingest = apiClient(stack.services.ingest.url);
    await waitFor(async () => (await ingest('POST', '/v1/batch', { basic: { email: t.writeKey, password: '' }, body: { batch: segmentBatch(sent) } })).status === 200, { timeoutMs: 20_000, description: 'batch accepted' });
    // Wait until both projections have everything (the API's figures equal the oracle's), so the browser checks only the UI.
    const want = summaryOf(sent, last7);
    await waitFor(
      async () => {
        const r = await api('GET', `/v1/projects/${t.projectId}/overview?from=${iso(last7.from)}&to=${iso(last7.to)}`, { bearer: t.readKey });
        return r.status === 200 && r.body.current.visitors === want.visitors && r.body.current.visits === want.visits && r.body.current.pageviews === want.pageviews;
      },
      { timeoutMs: 90_000, description: 'events counted by the aggregator and the query service' },
    );
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true, permissions: ['clipboard-read', 'clipboard-write'] });
    page = await context.newPage();
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  }, 60_000);

  it('signs in and lands on the project; a wrong password says so', async () => {
    await page.goto(`${gateway}/p/${t.projectId}/overview`);
    await page.waitForURL(/\/sign-in\?next=/);
    await page.fill('input[name=email]', t.admin.email);
    await page.fill('input[name=password]', 'wrong password');
    await page.click('button[type=submit]');
    await page.waitForSelector('.form-error');
    expect(await page.textContent('.form-error')).toContain('wrong');
    expect(await accessibilityProblems(page, 'sign-in', { screenshot: 'sign-in' })).toEqual([]);
    await page.fill('input[name=password]', t.admin.password);
    await page.click('button[type=submit]');
    await page.waitForURL(new RegExp(`/p/${t.projectId}/overview`));
    await page.waitForSelector('[data-panel="summary"]');
  });

  it('every card and the breakdown rows equal the figures computed from what was sent', async () => {
    await page.goto(overviewUrl());
    expect(await settle(() => cardTexts(page), cardsOf(summaryOf(sent, p.current)))).toEqual(cardsOf(summaryOf(sent, p.current)));
    expect(await settle(() => panelRows(page, 'panel-pages'), breakdownOf(sent, p.current, 'page'))).toEqual(breakdownOf(sent, p.current, 'page'));
    expect(await settle(() => panelRows(page, 'panel-sources'), breakdownOf(sent, p.current, 'referrer'))).toEqual(breakdownOf(sent, p.current, 'referrer'));
    expect(await settle(() => panelRows(page, 'panel-events'), breakdownOf(sent, p.current, 'event'))).toEqual(breakdownOf(sent, p.current, 'event'));
    // The page panel's total is every visitor of the range, once (each of them viewed a page), with the note saying why.
    expect(await page.textContent('[data-panel="panel-pages"] [data-total]')).toBe(formatInt(summaryOf(sent, p.current).visitors));
    expect(await page.textContent('[data-panel="panel-pages"] .note')).toContain('counts once in the total');
    // The CSV has the same rows, with the formula-like event name escaped; "API" copies the request that returns the same numbers.
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-panel="panel-events"] button:has-text("CSV")')]);
    const csv = (await streamText(await download.createReadStream())).split('\r\n');
    expect(csv[0]).toBe('Event,Unique visitors,Share of total');
    expect(csv).toContain(`"'=HYPERLINK(""http://x"")",1,${+(1 / summaryOf(sent, p.current).visitors).toFixed(4)}`);
    await page.click('[data-panel="panel-pages"] button:has-text("API")');
    const curl = await page.evaluate(() => navigator.clipboard.readText());
    expect(curl).toMatch(/^curl -sS -H "Authorization: Bearer \$SIGHTLINE_READ_KEY" '/);
    const reply = await apiClient(gateway)('GET', new URL(curl.slice(curl.lastIndexOf(' ') + 2, -1)).pathname + new URL(curl.slice(curl.lastIndexOf(' ') + 2, -1)).search, { bearer: t.readKey });
    expect(Object.fromEntries(reply.body.values.map((v: { value: string; uniques: number }) => [v.value, v.uniques]))).toEqual(breakdownOf(sent, p.current, 'page'));
    await page.click('[data-panel="panel-pages"] .tab:has-text("Entry pages")');
    expect(await settle(() => panelRows(page, 'panel-pages'), breakdownOf(sent, p.current, 'entryPage'))).toEqual(breakdownOf(sent, p.current, 'entryPage'));
    await page.click('[data-panel="panel-pages"] .tab:has-text("Exit pages")');
    expect(await settle(() => panelRows(page, 'panel-pages'), breakdownOf(sent, p.current, 'exitPage'))).toEqual(breakdownOf(sent, p.current, 'exitPage'));
    await page.click('[data-panel="panel-pages"] .tab:has-text("Top pages")');
    await page.waitForSelector('[data-panel="chart"] .chart-canvas canvas');
    expect(await page.getAttribute('[data-panel="chart"] [role="img"]', 'aria-label')).toMatch(/^Unique visitors, 48 hours from .* highest \d+ on /);
    expect(await accessibilityProblems(page, 'overview', { screenshot: 'overview' })).toEqual([]);
  });

  it('a click on a row filters every panel, and comparison shows the previous period', async () => {
    await page.goto(overviewUrl());
    await page.waitForSelector('[data-panel="panel-pages"] tr[data-value="/pricing"] button');
    const before = { cards: await cardTexts(page), referrers: await panelRows(page, 'panel-sources'), events: await panelRows(page, 'panel-events') };
    await page.click('[data-panel="panel-pages"] tr[data-value="/pricing"] button');
    await page.waitForURL(/filters=/);
    const people = viewersOf(sent, p.current, '/pricing');
    const want = {
      cards: cardsOf(summaryOf(sent, p.current, people)),
      pages: breakdownOf(sent, p.current, 'page', people),
      referrers: breakdownOf(sent, p.current, 'referrer', people),
      events: breakdownOf(sent, p.current, 'event', people),
    };
    const read = async () => ({ cards: await cardTexts(page), pages: await panelRows(page, 'panel-pages'), referrers: await panelRows(page, 'panel-sources'), events: await panelRows(page, 'panel-events') });
    const got = await settle(read, want);
    expect(got).toEqual(want);
    // The data is chosen so that every panel changes under the filter.
    expect(got.cards.visitors).not.toBe(before.cards.visitors);
    expect(got.referrers).not.toEqual(before.referrers);
    expect(got.events).not.toEqual(before.events);
    expect(await page.textContent('.chips')).toContain('Page is /pricing');
    await screenshots(page, 'overview-filtered');

    await page.click('.chip-x');
    await page.selectOption('#compare-select', 'previous');
    await page.waitForURL(/compare=previous/);
    const previous = cardsOf(summaryOf(sent, p.previous));
    expect(await settle(() => cardTexts(page, 'data-compare-metric'), previous)).toEqual(previous);
    expect(await settle(() => cardTexts(page), cardsOf(summaryOf(sent, p.current)))).toEqual(cardsOf(summaryOf(sent, p.current)));
    await page.waitForSelector('[data-panel="chart"] .chart-canvas canvas');
    await screenshots(page, 'overview-compare');
  });

  it('"contains" and "is not" filters, from a shared URL, select the visitors they say', async () => {
    const within = (e: Sent) => e.at >= p.current.from && e.at < p.current.to;
    const blog = new Set(sent.filter((e) => within(e) && e.path?.includes('blog')).map((e) => e.visitor));
    const all = new Set(sent.filter(within).map((e) => e.visitor));
    const notBlog = new Set([...all].filter((v) => !blog.has(v)));
    for (const [filters, people] of [
      [[['page', 'contains', 'BLOG']], blog],
      [[['page', 'isNot', '/blog/a', '/blog/b']], notBlog],
    ] as const) {
      await page.goto(`${overviewUrl()}&filters=${encodeURIComponent(JSON.stringify(filters))}`);
      const want = { cards: cardsOf(summaryOf(sent, p.current, people as Set<string>)), pages: breakdownOf(sent, p.current, 'page', people as Set<string>) };
      expect(await settle(async () => ({ cards: await cardTexts(page), pages: await panelRows(page, 'panel-pages') }), want)).toEqual(want);
    }
  });

  it('the main flow with the keyboard alone: sign in, preset, filter, compare, clear, help', async () => {
    const keyboard = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const kp = await keyboard.newPage();
    await kp.goto(`${gateway}/sign-in`);
    await kp.waitForSelector('input[name=email]');
    for (let i = 0; i < 10 && (await kp.evaluate(() => (document.activeElement as HTMLInputElement | null)?.name)) !== 'email'; i++) await kp.keyboard.press('Tab');
    await kp.keyboard.type(t.admin.email);
    await kp.keyboard.press('Tab');
    await kp.keyboard.type(t.admin.password);
    await kp.keyboard.press('Enter');
    await kp.waitForURL(new RegExp(`/p/${t.projectId}/overview`));
    await kp.waitForSelector('[data-metric="visitors"]');
    await kp.keyboard.press('w'); // last 7 days: both periods
    await kp.waitForURL(/period=7d/);
    expect(await settle(() => cardTexts(kp), cardsOf(summaryOf(sent, last7)))).toEqual(cardsOf(summaryOf(sent, last7)));
    await kp.keyboard.press('/');
    await kp.waitForFunction(() => document.activeElement?.id === 'filter-value');
    await kp.keyboard.type('/docs');
    await kp.keyboard.press('Enter');
    await kp.waitForURL(/filters=/);
    const docs = cardsOf(summaryOf(sent, last7, viewersOf(sent, last7, '/docs')));
    expect(await settle(() => cardTexts(kp), docs)).toEqual(docs);
    await kp.keyboard.press('Escape'); // leaves the filter field
    await kp.keyboard.press('x');
    await kp.waitForURL(/compare=previous/);
    await kp.keyboard.press('Escape'); // clears the filters
    await kp.waitForURL((u) => !u.searchParams.has('filters'));
    expect(await settle(() => cardTexts(kp), cardsOf(summaryOf(sent, last7)))).toEqual(cardsOf(summaryOf(sent, last7)));
    await kp.keyboard.press('?');
    await kp.waitForSelector('dialog.help-sheet[open]');
    expect(await accessibilityProblems(kp, 'help sheet')).toEqual([]);
    await kp.keyboard.press('Escape');
    await kp.waitForSelector('dialog.help-sheet:not([open])', { state: 'attached' });
    // Tab to a breakdown row and press Enter: a filter by it, with a visible focus ring on the way.
    let focused = '';
    for (let i = 0; i < 80 && !focused.startsWith('row:'); i++) {
      await kp.keyboard.press('Tab');
      focused = await kp.evaluate(() => {
        const el = document.activeElement as HTMLElement | null;
        if (!el) return '';
        const outline = getComputedStyle(el).outlineStyle;
        if (outline === 'none') return `unfocusable-looking:${el.tagName}`;
        return el.classList.contains('row-link') ? `row:${el.closest('tr')?.getAttribute('data-value')}` : el.tagName;
      });
      expect(focused.startsWith('unfocusable-looking')).toBe(false);
    }
    expect(focused).toMatch(/^row:/);
    await kp.keyboard.press('Enter');
    await kp.waitForURL(/filters=/);
    await keyboard.close();
  });

  it('read keys: the secret is shown once, works, and stops working when revoked', async () => {
    page.on('dialog', (d) => void d.accept());
    await page.goto(`${gateway}/p/${t.projectId}/settings`);
    await page.fill('input[name=key-name]', 'weekly report');
    await page.click('button:has-text("Create read key")');
    const secret = (await page.waitForSelector('[data-secret]')).textContent();
    const key = (await secret)!.trim();
    const api = apiClient(gateway);
    expect((await api('GET', `/v1/projects/${t.projectId}/realtime`, { bearer: key })).status).toBe(200);
    expect(await accessibilityProblems(page, 'settings', { screenshot: 'settings' })).toEqual([]);
    await page.click('button:has-text("I have copied it")');
    await page.reload();
    await page.waitForSelector('tr[data-key-name="weekly report"]');
    expect(await page.content()).not.toContain(key);
    await page.click('tr[data-key-name="weekly report"] button:has-text("Revoke")');
    await page.waitForSelector('tr[data-key-name="weekly report"] [data-revoked]');
    await waitFor(async () => (await api('GET', `/v1/projects/${t.projectId}/realtime`, { bearer: key })).status === 401, { timeoutMs: 10_000, description: 'revoked key refused' });
  });

  it('a settings change reaches ingest: allowed origins', async () => {
    await page.goto(`${gateway}/p/${t.projectId}/settings`);
    await page.fill('textarea[name=allowedOrigins]', 'https://allowed.example');
    await page.click('button:has-text("Save settings")');
    await page.waitForSelector('.badge-ok:has-text("Saved")');
    const track = (origin: string) =>
      fetch(`${stack.services.ingest.url}/v1/track`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin, authorization: `Basic ${Buffer.from(`${t.writeKey}:`).toString('base64')}` },
        body: JSON.stringify({ anonymousId: 'origin-check', event: 'probe', timestamp: iso(p.previous.from - DAY) }),
      }).then((r) => r.status);
    await waitFor(async () => (await track('https://evil.example')) === 403, { timeoutMs: 20_000, description: 'ingest refuses the other origin' });
    expect(await track('https://allowed.example')).toBe(200);
  });

  it('the account page creates a project, which starts with the first-event guide', async () => {
    await page.goto(`${gateway}/account`);
    await page.fill('input[name=project-name]', 'Second site');
    expect(await accessibilityProblems(page, 'account', { screenshot: 'account' })).toEqual([]);
    await page.click('button:has-text("Create project")');
    await page.waitForURL(/\/p\/[^/]+\/overview/);
    await page.waitForSelector('[data-first-event="waiting"]');
    expect(await page.textContent('.first-event')).toContain('data-key=');
    await screenshots(page, 'new-project');
    // The first event, sent as the guide's curl line says (its write key): the guide turns green, on the same page.
    const writeKey = /-u '([^':]+):'/.exec((await page.textContent('.first-event pre[aria-label="curl"]')) ?? '')?.[1] ?? '';
    const projectId = /\/p\/([^/]+)\/overview/.exec(page.url())?.[1];
    const created = await apiClient(gateway)('GET', `/v1/projects/${projectId}`, { basic: t.admin });
    expect(writeKey).toBe(created.body.project.writeKey);
    const ingest = apiClient(stack.services.ingest.url);
    expect((await ingest('POST', '/v1/track', { basic: { email: writeKey, password: '' }, body: { anonymousId: 'first', event: 'Signed Up' } })).status).toBe(200);
    await page.waitForSelector('.first-event [data-first-event="received"]', { timeout: 60_000 });
    expect(await page.textContent('.first-event [data-first-event="received"]')).toContain('Events are arriving');
  });

  it('an upstream that is down: the panels it feeds say which part is unavailable and recover by themselves', async () => {
    await stack.services.query.kill9();
    try {
      await page.goto(overviewUrl());
      const alert = await page.waitForSelector('.overview .state-error[role=alert]', { timeout: 30_000 });
      expect(await alert.textContent()).toMatch(/The figures and the chart: unavailable right now \(.*query.*\)\.\s*Retrying in \d+ s/);
      // The breakdowns come from the aggregator, which is up: they still show their exact rows, never a zero.
      expect(await settle(() => panelRows(page, 'panel-pages'), breakdownOf(sent, p.current, 'page'))).toEqual(breakdownOf(sent, p.current, 'page'));
      await screenshots(page, 'overview-query-down');
    } finally {
      await stack.restart('query', 'SIGKILL');
    }
    const want = cardsOf(summaryOf(sent, p.current));
    expect(await settle(() => cardTexts(page), want, 60_000)).toEqual(want);
  });

  it('the aggregator down while a "contains" filter lists its values: the filter bar says so and the panels wait, never a zero; then the right figures', async () => {
    const within = (e: Sent) => e.at >= p.current.from && e.at < p.current.to;
    const blog = new Set(sent.filter((e) => within(e) && e.path?.includes('blog')).map((e) => e.visitor));
    const own = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const cp = await own.newPage();
    expect((await cp.request.post(`${gateway}/v1/session`, { data: t.admin })).status()).toBe(200);
    await stack.services['bitmap-aggregator'].kill9();
    try {
      await cp.goto(`${overviewUrl()}&filters=${encodeURIComponent(JSON.stringify([['page', 'contains', 'blog']]))}`);
      const alert = await cp.waitForSelector('.filter-bar [data-warning="contains-failed"][role=alert]', { timeout: 30_000 });
      expect(await alert.textContent()).toMatch(/could not be listed \(.+\); trying again in a few seconds\. The panels wait for them\./);
      // Nothing shows a figure it did not get: no card and no breakdown row while the values are unknown.
      expect({ cards: await cp.locator('[data-metric]').count(), rows: await cp.locator('[data-panel="panel-pages"] tbody tr').count() }).toEqual({ cards: 0, rows: 0 });
    } finally {
      await stack.restart('bitmap-aggregator', 'SIGKILL');
    }
    const want = { cards: cardsOf(summaryOf(sent, p.current, blog)), pages: breakdownOf(sent, p.current, 'page', blog) };
    expect(await settle(async () => ({ cards: await cardTexts(cp), pages: await panelRows(cp, 'panel-pages') }), want, 60_000)).toEqual(want);
    expect(await cp.locator('[data-warning="contains-failed"]').count()).toBe(0);
    await own.close();
  });

  it('dark mode: the toggle, and no serious contrast problem', async () => {
    await page.goto(overviewUrl());
    await page.waitForSelector('[data-metric="visitors"]');
    await page.click('button[aria-label="Switch to dark mode"]');
    expect(await page.getAttribute('html', 'data-theme')).toBe('dark');
    await page.waitForSelector('[data-panel="chart"] .chart-canvas canvas');
    expect(await accessibilityProblems(page, 'overview, dark', { screenshot: 'overview-dark' })).toEqual([]);
    await page.click('button[aria-label="Switch to light mode"]');
    expect(await page.getAttribute('html', 'data-theme')).toBe('light');
  });

  it('custom dates from the native inputs, the chart as an image with a summary and as a table of the figures sent', async () => {
    const own = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await own.newPage();
    expect((await page.request.post(`${gateway}/v1/session`, { data: t.admin })).status()).toBe(200);
    await page.goto(overviewUrl());
    await page.waitForSelector('[data-metric="visitors"]');
    // Narrow the custom range to its second day with the From date input, as a person would pick it.
    const second: Period = { from: p.current.from + DAY, to: p.current.to };
    await page.fill('.range-picker input[type="date"] >> nth=0', dateOf(second.from));
    await page.waitForURL((u) => u.searchParams.get('from') === dateOf(second.from));
    expect(await settle(() => cardTexts(page), cardsOf(summaryOf(sent, second)))).toEqual(cardsOf(summaryOf(sent, second)));
    // Back to both days, by day: one point per day, each that day's exact unique visitors.
    await page.goto(`${overviewUrl()}&interval=day`);
    const days = [p.current.from, p.current.from + DAY].map((d) => summaryOf(sent, { from: d, to: d + DAY }).visitors);
    const chart = page.locator('[data-panel="chart"] [role="img"]');
    await chart.waitFor();
    const label = (await chart.getAttribute('aria-label')) ?? '';
    expect(label).toMatch(new RegExp(`^Unique visitors, 2 days from .+: highest ${formatInt(Math.max(...days))} on .+, per-day sum ${formatInt(days[0]! + days[1]!)}\\.$`));
    await page.click('[data-panel="chart"] button:has-text("Show as table")');
    const table = () => page.$$eval('#overview-chart-table tbody tr td', (tds) => tds.map((td) => Number((td.textContent ?? '').replace(/,/g, ''))));
    expect(await settle(table, days)).toEqual(days);
    expect(await page.getAttribute('[data-panel="chart"] button:has-text("Show as chart")', 'aria-pressed')).toBe('true');
    await own.close();
  });

  it('dark mode follows the system until the toggle picks one', async () => {
    const dark = await browser.newContext({ viewport: { width: 1280, height: 900 }, colorScheme: 'dark' });
    const dp = await dark.newPage();
    expect((await dp.request.post(`${gateway}/v1/session`, { data: t.admin })).status()).toBe(200);
    await dp.goto(overviewUrl());
    await dp.waitForSelector('[data-metric="visitors"]');
    expect(await dp.getAttribute('html', 'data-theme')).toBe('dark');
    // The system turning light turns the page light, with no reload.
    await dp.emulateMedia({ colorScheme: 'light' });
    await dp.waitForFunction(() => document.documentElement.getAttribute('data-theme') === 'light');
    // A pick is kept over the system's and across a reload.
    await dp.click('button[aria-label="Switch to dark mode"]');
    await dp.reload();
    await dp.waitForSelector('[data-metric="visitors"]');
    expect(await dp.getAttribute('html', 'data-theme')).toBe('dark');
    await dark.close();
  });

  it('visitors now counts the visitors of the last five minutes', async () => {
    const ingest = apiClient(stack.services.ingest.url);
    const now = Date.now();
    const live: Sent[] = [0, 1, 2].map((i) => ({ visitor: `live${i % 2}`, at: now - i * 1000, path: '/' }));
    expect((await ingest('POST', '/v1/batch', { basic: { email: t.writeKey, password: '' }, body: { batch: segmentBatch(live) } })).status).toBe(200);
    let shown = '';
    await waitFor(
      async () => {
        await page.goto(overviewUrl());
        shown = (await (await page.waitForSelector('[data-realtime]')).textContent()) ?? '';
        return shown === '2';
      },
      { timeoutMs: 30_000, intervalMs: 1000 },
    ).catch(() => undefined);
    expect(shown).toBe('2');
  });
});
