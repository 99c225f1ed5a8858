import { mkdirSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { waitFor } from '@sightline/testing';
import { launchChromium } from '../../../../libs/tracker/test/browser';
import type { Stack } from '../../../../test/e2e/stack';
import { createTenant, type Tenant } from '../../src/test-support/fixtures';
import { apiClient } from '../../src/test-support/gateway-harness';
import { formatDuration, formatInt } from '../src/components/format';
import { accessibilityProblems, screenshotDir, screenshots, settle, startStackWithDashboard } from './dashboard-browser';
import { DAY, DAYS, dateOf, dayRetention, didEvent, filteredVisitors, history, iso, planOf, segmentBatch, sequentialFunnel, sessionsOf, VISITORS, type Filter, type FunnelStep } from './views-data';

/**
 * The analysis views (funnels, retention, event log, visitor profile, compare) in real Chromium
 * against the five real services: what they show equals what the test computes from the events
 * it sent through ingest.
 */
const { sent, from, to } = history();
const range = `period=custom&from=${dateOf(from)}&to=${dateOf(to - DAY)}`;
const STEPS: FunnelStep[] = [{ event: '$pageview' }, { event: 'signup' }, { event: 'purchase' }];
const sortedIds = (list: string[]) => [...list].sort();

describe('analysis views in Chromium through the real services', () => {
  let stack: Stack;
  let t: Tenant;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let gateway: string;
  const url = (view: string, extra = '') => `${gateway}/p/${t.projectId}/${view}?${range}${extra}`;
  const problems: string[] = [];

  beforeAll(async () => {
    mkdirSync(screenshotDir, { recursive: true });
    stack = await startStackWithDashboard('viewsui');
    gateway = stack.services.gateway.url;
    const api = apiClient(gateway);
    t = await createTenant(api, 'Views UI');
    const ingest = apiClient(stack.services.ingest.url);
    await waitFor(async () => (await ingest('POST', '/v1/batch', { basic: { email: t.writeKey, password: '' }, body: { batch: segmentBatch(sent) } })).status === 200, { timeoutMs: 20_000, description: 'batch accepted' });
    // Both projections have everything before the browser looks: the event log holds every event, the bitmaps every visitor.
    await waitFor(
      async () => {
        const log = await api('GET', `/v1/projects/${t.projectId}/events?from=${iso(from)}&to=${iso(to + 3 * DAY)}&limit=1&withTotal=true`, { bearer: t.readKey });
        const uniques = await api('GET', `/v1/projects/${t.projectId}/unique-visitors?from=${iso(from)}&to=${iso(to + 3 * DAY)}`, { bearer: t.readKey });
        return log.status === 200 && log.body.total === sent.length && uniques.status === 200 && uniques.body.total === VISITORS;
      },
      { timeoutMs: 90_000, description: 'events in the event log and the bitmaps' },
    );
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
    await page.goto(`${gateway}/sign-in`);
    const signIn = await page.request.post(`${gateway}/v1/session`, { data: { email: t.admin.email, password: t.admin.password } });
    expect(signIn.status()).toBe(200);
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  }, 60_000);

  afterAll(() => {
    // Collected per view; reported together so one run shows every view's issues.
    expect(problems).toEqual([]);
  });

  async function check(name: string) {
    problems.push(...(await accessibilityProblems(page, name, { screenshot: name })));
  }

  /** After a scroll to the end of a list: until it shows more than `shown` rows or says it has no more (at most 10 s; the caller checks). */
  const loaded = (row: string, more: string, shown: number) =>
    page
      .waitForFunction(([row, more, shown]) => document.querySelectorAll(row).length > shown || document.querySelector(more)?.getAttribute('data-more-state') === 'end', [row, more, shown] as const, { timeout: 10_000 })
      .catch(() => undefined);

  const stepCounts = () => page.$$eval('[data-funnel-result] tbody tr', (rows) => rows.map((r) => Number((r as HTMLElement).dataset.count)));
  const listed = () => page.$$eval('[data-visitor-list] [href]', (links) => links.map((a) => (a.textContent ?? '').trim()));

  it('funnels: step counts, time to convert and the drop-off lists equal the brute-force funnel; a where condition from the builder narrows it', async () => {
    const want = sequentialFunnel(sent, STEPS, DAY, from, to);
    await page.goto(url('funnels', `&steps=${encodeURIComponent(JSON.stringify(STEPS.map((s) => [s.event])))}&window=86400`));
    expect(await settle(stepCounts, want.map((s) => s.count))).toEqual(want.map((s) => s.count));
    const times = await page.$$eval('[data-funnel-result] tbody tr', (rows) => rows.map((r) => [...r.querySelectorAll('td')].slice(-2).map((c) => c.textContent!.slice(c.querySelector('.cell-label')?.textContent?.length ?? 0))));
    expect(times.slice(1)).toEqual(want.slice(1).map((s) => [formatDuration(s.median!), formatDuration(s.p90!)]));
    // The data has people at every depth, so each list below is a real test.
    expect(want[2]!.dropped.length).toBeGreaterThan(0);
    expect(want[1]!.dropped.length).toBeGreaterThan(0);

    await page.click('[data-step="3"] td:nth-of-type(4) button');
    await page.waitForSelector('[data-visitor-list="dropped"]');
    expect(sortedIds(await settle(async () => sortedIds(await listed()), want[2]!.dropped))).toEqual(want[2]!.dropped);
    await page.click('[data-step="2"] td:nth-of-type(1) button');
    await page.waitForSelector('[data-visitor-list="converted"]');
    expect(await settle(async () => sortedIds(await listed()), want[1]!.converted)).toEqual(want[1]!.converted);
    await check('funnels');

    // A visitor in a list opens their profile.
    const first = want[1]!.converted[0]!;
    await page.click(`[data-visitor-list] a:text-is("${first}")`);
    await page.waitForURL(new RegExp(`/visitors/${first}`));
    await page.waitForSelector('[data-visitor-id]');
    expect(await page.textContent('[data-visitor-id]')).toBe(first);
    await page.goBack();

    // Builder: a `where plan = pro` on step 2, typed into the form, goes into the URL and the result.
    await page.click('button[aria-label="Add a property condition to step 2"]');
    await page.fill('input[name="step-2-key-1"]', 'plan');
    await page.press('input[name="step-2-key-1"]', 'Tab');
    await page.fill('input[name="step-2-value-1"]', 'pro');
    await page.press('input[name="step-2-value-1"]', 'Tab');
    const pro = sequentialFunnel(sent, [STEPS[0]!, { event: 'signup', where: { plan: 'pro' } }, STEPS[2]!], DAY, from, to);
    expect(pro[1]!.count).toBeLessThan(want[1]!.count);
    const proCounts = await settle(stepCounts, pro.map((s) => s.count), 40_000);
    // On a mismatch, say what the panel showed (an error state, still loading…).
    expect({ counts: proCounts, panel: proCounts.length ? '' : await page.textContent('[data-panel="funnel-result"]') }).toEqual({ counts: pro.map((s) => s.count), panel: '' });
    expect(new URL(page.url()).searchParams.get('steps')).toBe(JSON.stringify([['$pageview'], ['signup', [['plan', 'pro']]], ['purchase']]));

    // Breakdown by the plan trait: each value's step counts are the funnel of that plan's visitors.
    await page.selectOption('select[name="breakdown-type"]', 'trait');
    await page.waitForSelector('[data-funnel-breakdown]');
    const byPlan = async () => page.$$eval('[data-funnel-breakdown] tbody tr', (rows) => Object.fromEntries(rows.map((r) => [(r as HTMLElement).dataset.value, [...r.querySelectorAll('td')].slice(0, -1).map((c) => Number(c.textContent!.slice(c.querySelector('.cell-label')?.textContent?.length ?? 0).replace(/,/g, '')))])));
    const wantByPlan = Object.fromEntries(
      ['free', 'pro'].map((plan) => [plan, sequentialFunnel(sent.filter((e) => planOf(Number(e.visitor.slice(1))) === plan), [STEPS[0]!, { event: 'signup', where: { plan: 'pro' } }, STEPS[2]!], DAY, from, to).map((s) => s.count)]),
    );
    expect(await settle(byPlan, wantByPlan)).toEqual(wantByPlan);

    // Under a global filter the run counts only the visitors the filter selects in the range, and says so.
    const docsReaders = filteredVisitors(sent, { page: '/docs' }, from, to);
    const filtered = sequentialFunnel(sent.filter((e) => docsReaders.has(e.visitor)), STEPS, DAY, from, to);
    expect(filtered[0]!.count).toBeLessThan(want[0]!.count);
    await page.goto(url('funnels', `&steps=${encodeURIComponent(JSON.stringify(STEPS.map((s) => [s.event])))}&window=86400&filters=${encodeURIComponent(JSON.stringify([['page', 'is', '/docs']]))}`));
    const filteredCounts = await settle(stepCounts, filtered.map((s) => s.count), 40_000);
    expect({ counts: filteredCounts, panel: filteredCounts.length ? '' : await page.textContent('[data-panel="funnel-result"]') }).toEqual({ counts: filtered.map((s) => s.count), panel: '' });
    expect(await page.textContent('[data-filters-applied]')).toContain('Page is /docs');
    await page.click('[data-step="2"] td:nth-of-type(4) button');
    await page.waitForSelector('[data-visitor-list="dropped"]');
    expect(await settle(async () => sortedIds(await listed()), filtered[1]!.dropped)).toEqual(filtered[1]!.dropped);
    await check('funnels-filtered');
    await page.goto(url('funnels', `&steps=${encodeURIComponent(JSON.stringify([['$pageview'], ['signup', [['plan', 'pro']]], ['purchase']]))}&window=86400&by=${encodeURIComponent('trait:plan')}`));

    // Save, find it in the list, load it elsewhere, delete it.
    await page.fill('input[name="funnel-name"]', 'Pro purchase');
    await page.click('.saved-funnels button[type=submit]');
    await page.waitForSelector('[data-saved-funnel="Pro purchase"]');
    await page.goto(url('funnels'));
    await page.click('button[aria-label="Load the saved funnel Pro purchase"]');
    expect(await settle(stepCounts, pro.map((s) => s.count))).toEqual(pro.map((s) => s.count));
    page.once('dialog', (d) => void d.accept());
    await page.click('button[aria-label="Delete the saved funnel Pro purchase"]');
    await page.waitForSelector('[data-saved-funnel="Pro purchase"]', { state: 'detached' });
    const saved = await apiClient(gateway)('GET', `/v1/projects/${t.projectId}/funnels`, { bearer: t.readKey });
    expect(saved.body.funnels).toEqual([]);
  });

  it('retention: every cohort cell equals the day cohorts computed from what was sent', async () => {
    const want = dayRetention(sent, from, DAYS);
    await page.goto(url('retention', '&cohort=day'));
    const read = () =>
      page.$$eval('[data-retention] tbody tr[data-cohort]:not([data-cohort="average"])', (rows) =>
        Object.fromEntries(
          rows
            .map((r) => [(r as HTMLElement).dataset.cohort, [...r.querySelectorAll('[data-retained]')].map((c) => Number((c as HTMLElement).dataset.retained))] as const)
            .filter(([, cells]) => cells[0] !== 0),
        ),
      );
    expect(await settle(read, want)).toEqual(want);
    await check('retention');

    // The global filters narrow every cohort to its visitors who matched them on their first day, and the view says so.
    const signedUp = dayRetention(sent, from, DAYS, { event: 'signup' });
    const sum = (cells: Record<string, number[]>) => Object.values(cells).flat().reduce((a, b) => a + b, 0);
    const returns = (cells: Record<string, number[]>) => sum(cells) - Object.values(cells).reduce((a, c) => a + c[0]!, 0);
    expect(sum(signedUp)).toBeLessThan(sum(want));
    expect(returns(signedUp)).toBeGreaterThan(0);
    await page.goto(url('retention', `&cohort=day&filters=${encodeURIComponent(JSON.stringify([['event', 'is', 'signup']]))}`));
    expect(await settle(read, signedUp)).toEqual(signedUp);
    expect(await page.textContent('[data-filters-applied]')).toContain('Event is signup');
    await check('retention-filtered');
  });

  it('retention and funnel APIs with a filter equal the brute force over the filtered visitors; a bad filter is a 400 on filter', async () => {
    const api = apiClient(gateway);
    const filters: Filter[] = [
      { trait: { key: 'plan', value: 'pro' } },
      { event: 'signup' },
      // Viewed two days after the first visit: in no cohort's own day, though every one of them is in the funnel's range.
      { page: '/pricing' },
      { and: [{ page: '/docs' }, { not: { trait: { key: 'plan', value: 'pro' } } }] },
    ];
    for (const filter of filters) {
      const q = new URLSearchParams({ from: iso(from), cohortInterval: 'day', periods: String(DAYS), filter: JSON.stringify(filter) });
      const retention = await api('GET', `/v1/projects/${t.projectId}/retention?${q}`, { bearer: t.readKey });
      expect(retention.status).toBe(200);
      const cells = Object.fromEntries(retention.body.cohorts.filter((c: { size: number }) => c.size > 0).map((c: { start: string; retained: number[] }) => [c.start, c.retained]));
      expect({ filter, cells }).toEqual({ filter, cells: dayRetention(sent, from, DAYS, filter) });

      const people = filteredVisitors(sent, filter, from, to);
      expect(people.size).toBeGreaterThan(0);
      expect(people.size).toBeLessThan(VISITORS);
      const mine = sent.filter((e) => people.has(e.visitor));
      const want = sequentialFunnel(mine, STEPS, DAY, from, to);
      const body = { from: iso(from), to: iso(to), steps: STEPS, windowSeconds: 86_400, order: 'sequential', filter };
      const funnel = await api('POST', `/v1/projects/${t.projectId}/funnels/query`, { bearer: t.readKey, body });
      expect({ filter, counts: funnel.body.steps?.map((s: { count: number }) => s.count), dayRounded: funnel.body.dayRounded }).toEqual({ filter, counts: want.map((s) => s.count), dayRounded: undefined });
      const dropped = await api('POST', `/v1/projects/${t.projectId}/funnels/query`, { bearer: t.readKey, body: { ...body, includeVisitors: { step: 2, kind: 'dropped', limit: 1000 } } });
      expect(sortedIds(dropped.body.visitors.visitors.map((v: { visitorId: string }) => v.visitorId))).toEqual(want[1]!.dropped);
      // `any` order has no entry bound: the filter's set alone. Purchases always follow signups here, so it equals the sequential funnel.
      const any = await api('POST', `/v1/projects/${t.projectId}/funnels/query`, { bearer: t.readKey, body: { ...body, steps: STEPS.slice(1), order: 'any' } });
      expect({ filter, any: any.body.steps?.map((s: { count: number }) => s.count) }).toEqual({ filter, any: sequentialFunnel(mine, STEPS.slice(1), DAY, from, to).map((s) => s.count) });
    }
    // A page leaf over a range that does not start at midnight is read over whole days, and the reply says so.
    const offMidnight = await api('POST', `/v1/projects/${t.projectId}/funnels/query`, { bearer: t.readKey, body: { from: iso(from + 3_600_000), to: iso(to), steps: STEPS, windowSeconds: 86_400, filter: { page: '/docs' } } });
    expect({ status: offMidnight.status, dayRounded: offMidnight.body.dayRounded }).toEqual({ status: 200, dayRounded: true });
    // "matched in the cohort's day" is not "matched ever": /pricing visitors are in the range, in no cohort.
    expect(Object.keys(dayRetention(sent, from, DAYS, { page: '/pricing' }))).toEqual([]);

    // A saved funnel runs under a filter too.
    expect((await api('PUT', `/v1/projects/${t.projectId}/funnels/checkout`, { basic: t.admin, body: { steps: STEPS, windowSeconds: 86_400 } })).status).toBe(200);
    const pro: Filter = { trait: { key: 'plan', value: 'pro' } };
    const proFunnel = sequentialFunnel(sent.filter((e) => filteredVisitors(sent, pro, from, to).has(e.visitor)), STEPS, DAY, from, to).map((s) => s.count);
    const saved = await api('POST', `/v1/projects/${t.projectId}/funnels/checkout/query`, { bearer: t.readKey, body: { from: iso(from), to: iso(to), filter: pro } });
    expect(saved.body.steps.map((s: { count: number }) => s.count)).toEqual(proFunnel);
    const got = await api('GET', `/v1/projects/${t.projectId}/funnels/checkout?${new URLSearchParams({ from: iso(from), to: iso(to), filter: JSON.stringify(pro) })}`, { bearer: t.readKey });
    expect(got.body.result.steps.map((s: { count: number }) => s.count)).toEqual(proFunnel);
    expect((await api('DELETE', `/v1/projects/${t.projectId}/funnels/checkout`, { basic: t.admin })).status).toBe(204);

    const deep = (n: number): Filter => (n === 0 ? { event: 'signup' } : { not: deep(n - 1) });
    const badRetention = await api('GET', `/v1/projects/${t.projectId}/retention?${new URLSearchParams({ from: iso(from), filter: JSON.stringify(deep(9)) })}`, { bearer: t.readKey });
    expect({ status: badRetention.status, field: badRetention.body.error.field }).toEqual({ status: 400, field: 'filter' });
    const hostile = await api('GET', `/v1/projects/${t.projectId}/retention?${new URLSearchParams({ from: iso(from), filter: JSON.stringify({ constructor: 'x' }) })}`, { bearer: t.readKey });
    expect(hostile.status).toBe(400);
    expect(hostile.body.error.field).toMatch(/^filter/);
    const badFunnel = await api('POST', `/v1/projects/${t.projectId}/funnels/query`, { bearer: t.readKey, body: { from: iso(from), to: iso(to), steps: STEPS, windowSeconds: 60, filter: deep(9) } });
    expect({ status: badFunnel.status, field: badFunnel.body.error.field }).toEqual({ status: 400, field: 'filter' });
    const wrongLeaf = await api('POST', `/v1/projects/${t.projectId}/funnels/query`, { bearer: t.readKey, body: { from: iso(from), to: iso(to), steps: STEPS, windowSeconds: 60, filter: { plan: 'pro' } } });
    expect(wrongLeaf.status).toBe(400);
    expect(wrongLeaf.body.error.field).toMatch(/^filter/);
  });

  it('event log: newest first, scrolling loads the older pages until every event is shown; a row opens to its JSON; sessions list', async () => {
    const inRange = sent.filter((e) => e.at >= from && e.at < to);
    const want = [...inRange].sort((a, b) => b.at - a.at).map((e) => iso(e.at));
    expect(want.length).toBeGreaterThan(100); // at least three pages of 50
    await page.goto(url('events'));
    await page.waitForSelector('[data-event-log] tbody tr');
    const stamps = () => page.$$eval('[data-event-log] tr[data-timestamp]', (rows) => rows.map((r) => (r as HTMLElement).dataset.timestamp));
    expect((await stamps()).length).toBe(50);
    for (let i = 0; i < 10 && (await stamps()).length < want.length; i++) {
      const shown = (await stamps()).length;
      await page.locator('.more-rows').scrollIntoViewIfNeeded();
      await loaded('[data-event-log] tr[data-timestamp]', '[data-panel="event-log"] .more-rows', shown);
    }
    expect(await settle(stamps, want)).toEqual(want);
    expect(await page.getAttribute('[data-panel="event-log"] .more-rows', 'data-more-state')).toBe('end');
    expect(await page.textContent('#event-log-title')).toBe(`${formatInt(inRange.length)} events, newest first`);
    await page.click('[data-event-log] tbody tr:first-child .expand');
    const json = JSON.parse((await page.textContent('[data-event-json]')) ?? '{}');
    expect({ name: json.name, timestamp: json.timestamp, visitorId: json.visitorId }).toEqual({ name: inRange[inRange.length - 1]!.name, timestamp: want[0], visitorId: inRange[inRange.length - 1]!.visitor });

    // The log's own filter: only purchases, which are exactly the purchases sent.
    await page.fill('.log-filters input[name="name"]', 'purchase');
    await page.click('.log-filters button[type=submit]');
    const purchases = inRange.filter((e) => e.name === 'purchase').sort((a, b) => b.at - a.at).map((e) => iso(e.at));
    expect(await settle(stamps, purchases)).toEqual(purchases);
    await check('events');
    // Global filters do not narrow the log: the view says so, naming them, and the rows stay the log's own.
    await page.goto(url('events', `&name=purchase&filters=${encodeURIComponent(JSON.stringify([['trait:plan', 'is', 'pro']]))}`));
    expect(await page.textContent('[data-filters-not-applied]')).toContain('Trait plan is pro');
    expect(await settle(stamps, purchases)).toEqual(purchases);
    await page.goto(url('events'));
    await page.waitForSelector('[data-event-log] tbody tr');

    await page.click('.tabs button:has-text("Sessions")');
    await page.waitForSelector('[data-sessions] tbody tr');
    // More sessions than one page: scrolling loads the rest; one row per session the 30-minute rule cuts, every visitor among them.
    const sessions = sessionsOf(sent, from, to);
    expect(sessions.length).toBeGreaterThan(50);
    const rows = () => page.$$eval('[data-sessions] .visitor-link', (links) => links.map((a) => (a.textContent ?? '').trim()).sort());
    for (let i = 0; i < 10 && (await page.getAttribute('[data-panel="sessions"] .more-rows', 'data-more-state')) !== 'end'; i++) {
      const shown = (await rows()).length;
      await page.locator('[data-panel="sessions"] .more-rows').scrollIntoViewIfNeeded();
      await loaded('[data-sessions] .visitor-link', '[data-panel="sessions"] .more-rows', shown);
    }
    expect(await settle(rows, [...sessions].sort())).toEqual([...sessions].sort());
    await check('sessions');
  });

  it('compare: the overlap of two segments and each part’s visitors equal the sets computed from what was sent', async () => {
    const signup = didEvent(sent, 'signup', from, to);
    const docs = new Set(sent.filter((e) => e.path === '/docs' && e.at >= from && e.at < to).map((e) => e.visitor));
    const both = [...signup].filter((v) => docs.has(v)).sort();
    const onlyA = [...signup].filter((v) => !docs.has(v)).sort();
    const onlyB = [...docs].filter((v) => !signup.has(v)).sort();
    expect([both.length, onlyA.length, onlyB.length].every((n) => n > 0)).toBe(true);
    const a = JSON.stringify([['event', 'is', 'signup']]);
    const b = JSON.stringify([['page', 'is', '/docs']]);
    await page.goto(url('compare', `&a=${encodeURIComponent(a)}&b=${encodeURIComponent(b)}`));
    const counts = () => page.$$eval('[data-compare] tbody tr', (rows) => Object.fromEntries(rows.map((r) => [(r as HTMLElement).dataset.part, Number((r as HTMLElement).dataset.count)])));
    const want = { onlyA: onlyA.length, both: both.length, onlyB: onlyB.length };
    expect(await settle(counts, want)).toEqual(want);
    for (const [part, people] of [['both', both], ['onlyA', onlyA], ['onlyB', onlyB]] as const) {
      await page.click(`[data-compare] tr[data-part="${part}"] button`);
      await page.waitForSelector(`[data-visitor-list="${part}"]`);
      expect(await settle(async () => sortedIds(await listed()), people)).toEqual(people);
    }
    await check('compare');

    // A condition added through the form: B narrowed to pro visitors' docs readers.
    await page.selectOption('select[name="b-dim"]', 'trait:');
    await page.fill('input[name="b-dim-trait"]', 'plan');
    await page.press('input[name="b-dim-trait"]', 'Tab');
    await page.fill('input[name="b-value"]', 'pro');
    await page.click('form[aria-label="Add a condition to segment B"] button[type=submit]');
    const proDocs = new Set([...docs].filter((v) => planOf(Number(v.slice(1))) === 'pro'));
    const want2 = { onlyA: [...signup].filter((v) => !proDocs.has(v)).length, both: [...signup].filter((v) => proDocs.has(v)).length, onlyB: [...proDocs].filter((v) => !signup.has(v)).length };
    expect(await settle(counts, want2)).toEqual(want2);

    // Two values of the plan trait: disjoint populations, each the visitors of its plan.
    await page.goto(url('compare', '&mode=values&dim=trait%3Aplan&va=pro&vb=free'));
    const plans = { onlyA: [...new Set(sent.map((e) => e.visitor))].filter((v) => planOf(Number(v.slice(1))) === 'pro').length, both: 0, onlyB: 0 };
    plans.onlyB = VISITORS - plans.onlyA;
    expect(await settle(counts, plans)).toEqual(plans);
    // Two periods: the range against the one before it (nobody came then), so everyone is only in A.
    await page.click('.tabs button:has-text("Two periods")');
    expect(await settle(counts, { onlyA: VISITORS, both: 0, onlyB: 0 })).toEqual({ onlyA: VISITORS, both: 0, onlyB: 0 });
    await check('compare-periods');
  });

  it('compare API: a read key pages every part exactly; another tenant, a hostile filter and an oversized page are refused', async () => {
    const api = apiClient(gateway);
    const signup = didEvent(sent, 'signup', from, to);
    const purchase = didEvent(sent, 'purchase', from, to);
    const q = new URLSearchParams({ aFrom: iso(from), aTo: iso(to), aFilter: JSON.stringify({ event: 'signup' }), bFrom: iso(from), bTo: iso(to), bFilter: JSON.stringify({ event: 'purchase' }) });
    const counts = await api('GET', `/v1/projects/${t.projectId}/compare?${q}`, { bearer: t.readKey });
    const both = [...signup].filter((v) => purchase.has(v)).sort();
    expect(counts.body).toEqual({ a: signup.size, b: purchase.size, both: both.length, onlyA: signup.size - both.length, onlyB: [...purchase].filter((v) => !signup.has(v)).length, either: new Set([...signup, ...purchase]).size });
    // Pages of 4 until the end: everyone once, in index order.
    const got: string[] = [];
    let cursor: string | null = null;
    for (let i = 0; i < 20; i++) {
      const page = await api('GET', `/v1/projects/${t.projectId}/compare/visitors?${q}&part=both&limit=4${cursor ? `&cursor=${cursor}` : ''}`, { bearer: t.readKey });
      expect(page.status).toBe(200);
      got.push(...page.body.visitors.map((v: { visitorId: string }) => v.visitorId));
      cursor = page.body.nextCursor;
      if (!cursor) break;
    }
    expect(got.sort()).toEqual(both);
    expect(new Set(got).size).toBe(got.length);

    const other = await createTenant(api, 'Views UI other');
    expect((await api('GET', `/v1/projects/${t.projectId}/compare?${q}`, { bearer: other.readKey })).status).toBe(404);
    expect((await api('GET', `/v1/projects/${t.projectId}/compare/visitors?${q}&part=both`, { bearer: other.readKey })).status).toBe(404);
    const bad = await api('GET', `/v1/projects/${t.projectId}/compare?${new URLSearchParams({ ...Object.fromEntries(q), aFilter: JSON.stringify({ constructor: 'x' }) })}`, { bearer: t.readKey });
    expect(bad.status).toBe(400);
    expect((await api('GET', `/v1/projects/${t.projectId}/compare/visitors?${q}&part=both&limit=5000`, { bearer: t.readKey })).body.error.field).toBe('limit');
    expect((await api('GET', `/v1/projects/${t.projectId}/compare/visitors?${q}&part=everyone`, { bearer: t.readKey })).status).toBe(400);
    const wide = await api('GET', `/v1/projects/${t.projectId}/compare?${new URLSearchParams({ ...Object.fromEntries(q), bFrom: '2000-01-01T00:00:00Z' })}`, { bearer: t.readKey });
    expect(wide.status).toBe(400);
  });

  it('visitor profile: ids, traits and every event of the visitor; an admin erases them and follows the erasure to done', async () => {
    const who = 'u4';
    const mine = sent.filter((e) => e.visitor === who);
    await page.goto(`${gateway}/p/${t.projectId}/visitors/${who}?${range}`);
    await page.waitForSelector('[data-timeline]');
    expect(await page.textContent('[data-visitor-id]')).toBe(who);
    expect(await page.textContent('[data-trait="plan"] td')).toBe(planOf(4));
    const events = () => page.$$eval('[data-timeline] [data-event]', (els) => els.map((e) => (e as HTMLElement).dataset.name).sort());
    expect(await settle(events, mine.map((e) => e.name).sort())).toEqual(mine.map((e) => e.name).sort());
    // Sessions newest first, the visitor's three visits (one per day).
    expect(await page.$$eval('[data-timeline] > li', (els) => els.length)).toBe(new Set(mine.map((e) => Math.floor((e.at - from) / DAY))).size);
    await check('visitor');

    page.once('dialog', (d) => void d.accept());
    await page.click('button:has-text("Erase this visitor")');
    await page.waitForURL(/erasure=era_/);
    await page.waitForSelector('[data-erasure-status="erased"]', { timeout: 60_000 });
    await screenshots(page, 'visitor-erased');
    // Gone from the event log, and the profile says the visitor is unknown.
    const log = await apiClient(gateway)('GET', `/v1/projects/${t.projectId}/events?from=${iso(from)}&to=${iso(to + 3 * DAY)}&visitorId=${who}`, { bearer: t.readKey });
    expect(log.body.events).toEqual([]);
    await page.reload();
    await page.waitForSelector('[data-visitor-missing]');
  });
});
