import type { Browser, Page } from 'playwright-core';
import { waitFor } from '@sightline/testing';
import { launchChromium } from '../../../../libs/tracker/test/browser';
import type { Stack } from '../../../../test/e2e/stack';
import { createTenant, type Tenant } from '../../src/test-support/fixtures';
import { apiClient } from '../../src/test-support/gateway-harness';
import { accessibilityProblems, startStackWithDashboard } from './dashboard-browser';

/** Issue #15 §3: saving the filter bar as a segment, applying it (via the URL) and deleting it, in Chromium against the real services. */
describe('saved segments in the dashboard (Chromium, real services)', () => {
  let stack: Stack;
  let t: Tenant;
  let browser: Browser;
  let gateway: string;
  let api: ReturnType<typeof apiClient>;
  const viewer = { email: '', password: 'a long enough password' };
  const filtersParam = (page: Page) => new URL(page.url()).searchParams.get('filters');
  const wanted = [
    ['device', 'is', 'mobile'],
    ['country', 'isNot', 'FR', 'DE'],
  ];

  async function signIn(page: Page, who: { email: string; password: string }, path: string) {
    await page.goto(`${gateway}${path}`);
    await page.waitForURL(/\/sign-in\?next=/);
    await page.fill('input[name=email]', who.email);
    await page.fill('input[name=password]', who.password);
    await page.click('button[type=submit]');
    await page.waitForURL(new RegExp(`/p/${t.projectId}/overview`));
  }

  beforeAll(async () => {
    stack = await startStackWithDashboard('segui');
    gateway = stack.services.gateway.url;
    api = apiClient(gateway);
    t = await createTenant(api, 'Segments UI');
    viewer.email = `viewer-${t.projectId}@example.com`.toLowerCase();
    const added = await api('POST', `/v1/accounts/${t.accountId}/members`, { basic: t.admin, body: { ...viewer, role: 'viewer' } });
    if (added.status !== 201) throw new Error(JSON.stringify(added.body));
    browser = await launchChromium();
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  }, 60_000);

  it('an admin saves the filters as a segment, applies it from the Segments select (keyboard) and deletes it', async () => {
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    await signIn(page, t.admin, `/p/${t.projectId}/overview`);
    await page.goto(`${gateway}/p/${t.projectId}/overview?filters=${encodeURIComponent(JSON.stringify(wanted))}`);
    await page.locator('.chips .chip').first().waitFor();
    const name = page.getByLabel('Segment name');
    await name.fill('Mobile outside FR');
    await name.press('Enter');
    const select = page.locator('.segment-bar label:has-text("Segments") select');
    await waitFor(async () => (await select.count()) === 1 && (await select.inputValue()) === 'Mobile outside FR', { timeoutMs: 10_000, description: 'the saved segment selected' });
    const listed = await api('GET', `/v1/projects/${t.projectId}/segments`, { bearer: t.readKey });
    expect(listed.body.segments.map((s: { name: string; filters: Array<{ dim: string; op: string; values: string[] }> }) => [s.name, s.filters.map((f) => [f.dim, f.op, ...f.values])])).toEqual([['Mobile outside FR', wanted]]);
    expect(await accessibilityProblems(page, 'segments')).toEqual([]);

    await page.getByRole('button', { name: 'Clear all' }).click();
    await waitFor(async () => filtersParam(page) === null && (await select.inputValue()) === '', { timeoutMs: 10_000, description: 'filters cleared' });
    // Keyboard: focus the select and choose the segment with the arrow key.
    await select.focus();
    await page.keyboard.press('ArrowDown');
    await waitFor(async () => filtersParam(page) !== null, { timeoutMs: 10_000, description: 'segment applied to the URL' });
    expect(JSON.parse(filtersParam(page)!)).toEqual(wanted);
    expect(await page.locator('.chips .chip').count()).toBe(2);

    await page.getByRole('button', { name: 'Delete segment “Mobile outside FR”' }).click();
    await waitFor(async () => (await select.count()) === 0, { timeoutMs: 10_000, description: 'segment gone from the bar' });
    expect((await api('GET', `/v1/projects/${t.projectId}/segments`, { basic: t.admin })).body.segments).toEqual([]);
    expect(JSON.parse(filtersParam(page)!)).toEqual(wanted);
  }, 60_000);

  it('a viewer can apply a segment but is offered neither save nor delete', async () => {
    const saved = await api('PUT', `/v1/projects/${t.projectId}/segments/Desktop`, { basic: t.admin, body: { filters: [{ dim: 'device', op: 'is', values: ['desktop'] }] } });
    expect(saved.status).toBe(200);
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    await signIn(page, viewer, `/p/${t.projectId}/overview`);
    const select = page.locator('.segment-bar label:has-text("Segments") select');
    await select.waitFor();
    await select.selectOption('Desktop');
    await waitFor(async () => filtersParam(page) !== null, { timeoutMs: 10_000, description: 'segment applied' });
    expect(JSON.parse(filtersParam(page)!)).toEqual([['device', 'is', 'desktop']]);
    expect(await page.getByLabel('Segment name').count()).toBe(0);
    expect(await page.getByRole('button', { name: /Delete segment/ }).count()).toBe(0);
  }, 60_000);
});
