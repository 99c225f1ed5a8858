/**
 * The built tracker in real headless Chromium, against a test collector that records what
 * the page sends: message shape, batching, SPA navigation, outbound links, identify/reset,
 * retry with backoff and exactly-once by messageId, persistence across page loads, the
 * seeds' APIs, and Do-Not-Track / Global Privacy Control sending nothing at all.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { waitFor } from '@sightline/testing';
import { buildTracker, launchChromium, snippetPage, startSite, type Site } from './browser';
import { startCollector, type Collector, type Message } from './collector';

// Jest reads testTimeout only from the root config, not from the e2e project's.
jest.setTimeout(60_000);

const KEY = 'wk_test_tracker_0001';
let browser: Browser;
let collector: Collector;
let site: Site;
let context: BrowserContext;
let requests: string[];

const pages: Record<string, string> = {};
const events = (filter: (m: Message) => boolean = () => true) => collector.stored().filter(filter);
const named = (name: string) => (m: Message) => m.event === name;
const pageViews = () => events((m) => m.type === 'page');
const until = <T>(check: () => T | false | 0 | undefined | Promise<T | false>, description: string) => waitFor(check, { timeoutMs: 20_000, description }) as Promise<T>;

async function open(path: string, page?: Page): Promise<Page> {
  const tab = page ?? (await context.newPage());
  tab.on('request', (r) => requests.push(r.url()));
  await tab.goto(site.url + path);
  await tab.waitForFunction(() => 'sightline' in window);
  return tab;
}

beforeAll(async () => {
  buildTracker();
  [browser, collector] = await Promise.all([launchChromium(), startCollector()]);
  const body = `<a id="out" href="OTHER/elsewhere?ref=x#frag">partner</a> <a id="dl" href="/files/report.pdf">report</a>
    <a id="tab" target="_blank" href="OTHER/new-tab">new tab</a> <button data-trackr-type="cta" data-trackr-label="Buy" data-trackr-position="2">Buy</button>`;
  site = await startSite(pages);
  const page = (attributes = '', head = '') => snippetPage({ collector: collector.url, key: KEY, attributes, head, body: body.replace(/OTHER/g, site.otherHost) });
  // Served by the site itself, so that it loads while the collector is down.
  const selfHosted = (attributes: string) => snippetPage({ collector: site.url, key: KEY, attributes: `data-api="${collector.url}" ${attributes}` });
  Object.assign(pages, {
    '/': page(),
    '/app': page(),
    '/local': page('data-persist="local"'),
    '/queue': selfHosted('data-persist="queue"'),
    '/queue-next': selfHosted('data-persist="queue"'),
    '/control': page(),
    '/twice': page('', `<script defer src="${collector.url}/tracker.js" data-key="${KEY}"></script>`),
    '/manual': page('data-auto="false"'),
    '/ignore-dnt': page('data-respect-dnt="false"'),
    '/early': page('', `<script>window.sightline = [['track', 'early', {at: 'head'}]]; window.trackrloadstart = Date.now() - 50;</script>`),
    '/aktivat': `<!doctype html><title>Aktivat</title><body><script>
      var o = {account: '${KEY}', serverUrl: '${collector.url}'};
      var r,s,t;r=false;s=document.createElement("script");s.type="text/javascript";s.src=o.serverUrl+"/tracker.js";s.onload=s.onreadystatechange=function(){if(!r&&(!this.readyState||this.readyState==="complete")){r=true;return window.trackr=new window.Trackr(o)}};t=document.getElementsByTagName("head")[0];t.appendChild(s)
    </script></body>`,
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await collector?.close();
  await site?.close();
});

beforeEach(async () => {
  collector.received.length = 0;
  requests = [];
  context = await browser.newContext();
});

afterEach(async () => {
  await context.close();
  // Closing the pages fires their pagehide beacons; let them land here, not in the next test.
  const closedAt = Date.now();
  await until(() => Date.now() - Math.max(closedAt, ...collector.received.map((r) => r.at)) > 300, 'beacons of closed pages settled');
  await collector.up();
  // Only the site and the collector were ever asked for anything: no third-party requests.
  for (const url of requests) expect(url.startsWith(site.url) || url.startsWith(site.otherHost) || url.startsWith(collector.url)).toBe(true);
});

describe('page views', () => {
  it('sends a cookieless, Segment-shaped page view with UTM campaign and referrer', async () => {
    const tab = await open('/?utm_source=newsletter&utm_medium=email&utm_campaign=launch#section');
    const [view] = await until(() => pageViews().length && pageViews(), 'first page view');
    const request = collector.received[0];
    expect(request.contentType).toBe('application/json');
    expect(request.body.writeKey).toBe(KEY);
    expect(Date.parse(request.body.sentAt)).not.toBeNaN();
    expect(view).toMatchObject({
      type: 'page',
      messageId: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/),
      properties: { path: '/', search: '?utm_source=newsletter&utm_medium=email&utm_campaign=launch', title: 'Test page' },
      context: {
        page: { url: `${site.url}/?utm_source=newsletter&utm_medium=email&utm_campaign=launch`, path: '/', referrer: '', title: 'Test page' },
        campaign: { source: 'newsletter', medium: 'email', name: 'launch' },
        library: { name: 'sightline.js', version: expect.any(String) },
        screen: { width: expect.any(Number), height: expect.any(Number) },
        locale: expect.any(String),
      },
    });
    expect(Date.parse(view.timestamp)).not.toBeNaN();
    // Cookieless by default: no client id, no cookie, nothing stored.
    expect(view.userId).toBeUndefined();
    expect(view.anonymousId).toBeUndefined();
    expect(await context.cookies()).toEqual([]);
    expect(await tab.evaluate(() => localStorage.length)).toBe(0);
  });

  it('counts SPA navigations by pushState and popstate, not same-URL pushes, with the previous page as referrer', async () => {
    const tab = await open('/app');
    await until(() => pageViews().length === 1, 'landing page view');
    await tab.evaluate(() => history.pushState({}, '', '/app/settings'));
    await tab.evaluate(() => history.pushState({}, '', '/app/settings'));
    await tab.evaluate(() => history.pushState({}, '', '/app/billing?tab=invoices'));
    await tab.evaluate(() => history.replaceState({}, '', '/app/billing?tab=invoices&sort=date'));
    await tab.goBack({ waitUntil: 'commit' });
    const views = await until(() => pageViews().length >= 4 && pageViews(), 'four page views');
    await tab.evaluate(() => window.sightline.track('settled'));
    await until(() => events(named('settled')).length, 'marker event');
    expect(pageViews().map((v) => v.context.page.path)).toEqual(['/app', '/app/settings', '/app/billing', '/app/settings']);
    expect(views[1].context.page.referrer).toBe(`${site.url}/app`);
    expect(views[2].properties).toMatchObject({ search: '?tab=invoices', referrer: `${site.url}/app/settings` });
  });

  it('sends no automatic page views with data-auto="false", but page() still works', async () => {
    const tab = await open('/manual');
    await tab.evaluate(() => history.pushState({}, '', '/manual/next'));
    await tab.evaluate(() => window.sightline.page('Pricing', { plan: 'pro' }));
    const [view] = await until(() => events().length && events(), 'manual page view');
    expect(events()).toHaveLength(1);
    expect(view).toMatchObject({ type: 'page', name: 'Pricing', properties: { plan: 'pro', path: '/manual/next' } });
  });

  it('counts one page view when the snippet is included twice', async () => {
    const tab = await open('/twice');
    await tab.evaluate(() => window.sightline.track('marker'));
    await until(() => events(named('marker')).length, 'marker event');
    expect(pageViews()).toHaveLength(1);
    expect(events(named('marker'))).toHaveLength(1);
  });

  it('replays calls queued before the script loaded, after the first page view', async () => {
    await open('/early');
    await until(() => events().length >= 2, 'page view and early event');
    expect(events().map((m) => m.event ?? m.type)).toEqual(['page', 'early']);
    expect(events()[0].properties?.loadTime).toEqual(expect.any(Number));
  });
});

describe('events, batching and links', () => {
  it('batches a burst into requests of at most 20 events, one messageId each', async () => {
    const tab = await open('/');
    await tab.evaluate(() => {
      for (let i = 0; i < 45; i++) window.sightline.track('burst', { i, plan: 'pro' });
    });
    await until(() => events(named('burst')).length === 45, '45 burst events');
    const sizes = collector.received.map((r) => r.body.batch.length);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(20);
    expect(collector.received.length).toBeLessThanOrEqual(4);
    expect(events(named('burst')).map((m) => m.properties?.i)).toEqual([...Array(45).keys()]);
    expect([...collector.storedCounts().values()].every((n) => n === 1)).toBe(true);
  });

  it('tracks outbound links (without the fragment) and downloads, and closes the page with a beacon', async () => {
    const tab = await open('/');
    await tab.click('#dl', { modifiers: ['Control'] });
    await tab.click('#out');
    await tab.waitForURL(`${site.otherHost}/elsewhere?ref=x#frag`);
    await until(() => events(named('$outbound')).length && events(named('$pageleave')).length, 'outbound click and page leave');
    expect(events(named('$outbound'))[0].properties).toEqual({ url: `${site.otherHost}/elsewhere?ref=x` });
    expect(events(named('$download'))[0].properties).toEqual({ url: `${site.url}/files/report.pdf` });
    expect(events(named('$pageleave'))[0].properties).toEqual({ duration: expect.any(Number) });
    expect(collector.received.some((r) => r.contentType.startsWith('text/plain'))).toBe(true);
  });

  it('identify attaches the userId and traits; reset forgets them', async () => {
    const tab = await open('/');
    await tab.evaluate(() => {
      window.sightline.identify('user-42', { plan: 'pro', state: 'CA' });
      window.sightline.track('after identify');
      window.sightline.reset();
      window.sightline.track('after reset');
    });
    await until(() => events(named('after reset')).length, 'events around identify');
    const [identify] = events((m) => m.type === 'identify');
    expect(identify).toMatchObject({ userId: 'user-42', traits: { plan: 'pro', state: 'CA' } });
    expect(events(named('after identify'))[0].userId).toBe('user-42');
    expect(events(named('after reset'))[0].userId).toBeUndefined();
    expect(await context.cookies()).toEqual([]);
  });

  it('data-persist="local" keeps one anonymousId across page loads until reset', async () => {
    const tab = await open('/local');
    await until(() => pageViews().length === 1, 'first page view');
    await open('/local', tab);
    await until(() => pageViews().length === 2, 'second page view');
    const [first, second] = pageViews();
    expect(first.anonymousId).toMatch(/^[0-9a-f-]{36}$/);
    expect(second.anonymousId).toBe(first.anonymousId);
    await tab.evaluate(() => (window.sightline.reset(), window.sightline.track('fresh')));
    const [fresh] = await until(() => events(named('fresh')).length && events(named('fresh')), 'event after reset');
    expect(fresh.anonymousId).toMatch(/^[0-9a-f-]{36}$/);
    expect(fresh.anonymousId).not.toBe(first.anonymousId);
  });
});

describe('delivery on a flaky network', () => {
  it('retries 503s after Retry-After with the same messageIds, and stores each event once', async () => {
    collector.fail(2, 1);
    const tab = await open('/');
    await tab.evaluate(() => window.sightline.track('checkout', { total: 42 }));
    await until(() => events(named('checkout')).length, 'checkout after retries');
    const [first, second, third] = collector.received;
    expect([first.status, second.status, third.status]).toEqual([503, 503, 200]);
    const ids = (i: number) => collector.received[i].body.batch.map((m) => m.messageId);
    expect(ids(1)).toEqual(ids(0));
    expect(ids(2).slice(0, ids(0).length)).toEqual(ids(0));
    expect(second.at - first.at).toBeGreaterThanOrEqual(900);
    expect([...collector.storedCounts().values()].every((n) => n === 1)).toBe(true);
  });

  it('keeps events while the collector is down, across a page load with data-persist="queue", and delivers each once', async () => {
    const tab = await open('/queue');
    await until(() => pageViews().length === 1, 'first page view');
    await collector.down();
    await tab.evaluate(() => window.sightline.track('offline 1'));
    // The queue waits in localStorage (no ids in it) while the collector is unreachable.
    await tab.waitForFunction(() => Object.keys(localStorage).some((k) => k.startsWith('sightline_q_') && localStorage[k].includes('offline 1')), undefined, { timeout: 10_000 });
    await open('/queue-next', tab);
    await tab.evaluate(() => window.sightline.track('offline 2'));
    await collector.up();
    await until(() => events(named('offline 2')).length && events(named('offline 1')).length, 'events kept while down');
    expect(pageViews().map((v) => v.context.page.path)).toEqual(['/queue', '/queue-next']);
    expect([...collector.storedCounts().values()].every((n) => n === 1)).toBe(true);
    await until(async () => (await tab.evaluate(() => Object.keys(localStorage).filter((k) => localStorage[k] !== '[]').length)) === 0, 'queue emptied');
  });
});

describe('privacy signals', () => {
  const signals = {
    gpc: () => Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', { get: () => true }),
    dnt: () => Object.defineProperty(Navigator.prototype, 'doNotTrack', { get: () => '1' }),
  };

  it.each(Object.keys(signals) as (keyof typeof signals)[])('%s on: no request leaves the page, and the API is a silent no-op', async (signal) => {
    await context.addInitScript(signals[signal]);
    const tab = await open('/');
    await tab.evaluate(() => {
      window.sightline.track('should not leave', { secret: 1 });
      window.sightline.identify('user-1');
      window.fizzstat.event('click', 1);
    });
    await tab.click('#out');
    await tab.waitForURL(`${site.otherHost}/elsewhere?ref=x#frag`);
    // A control page in a clean context proves the tracker would have sent by now.
    const control = await browser.newContext();
    const other = await control.newPage();
    await other.goto(site.url + '/control');
    await until(() => pageViews().length === 1, 'control page view');
    await control.close();
    expect(collector.received.flatMap((r) => r.body.batch.map((m) => m.context.page.path)).every((path) => path === '/control')).toBe(true);
    expect(requests.filter((url) => url.startsWith(collector.url + '/collect'))).toEqual([]);
  });

  it('data-respect-dnt="false" sends despite the signal', async () => {
    await context.addInitScript(signals.gpc);
    await open('/ignore-dnt');
    await until(() => pageViews().length === 1, 'page view despite GPC');
  });
});

describe('seed APIs', () => {
  it("maps FizzStat's fizzstat.event, exits included, and calls back", async () => {
    const tab = await open('/');
    await tab.evaluate(() => {
      window.fizzstat.event('newsletter', 'footer', { list: 'weekly' }, () => ((window as unknown as { called: number }).called = 1));
      window.fizzstat.event('exit', 'https://partner.example.org/');
    });
    await until(() => events(named('$outbound')).length && events(named('newsletter')).length, 'fizzstat events');
    expect(events(named('newsletter'))[0].properties).toEqual({ value: 'footer', list: 'weekly' });
    expect(events(named('$outbound'))[0].properties).toEqual({ url: 'https://partner.example.org/' });
    await tab.waitForFunction(() => (window as unknown as { called?: number }).called === 1);
  });

  it("maps Aktivat's loader, trackr user calls, SPA timing and data-trackr elements", async () => {
    const tab = await open('/aktivat');
    await until(() => pageViews().length === 1, 'page view from the Aktivat loader');
    await tab.evaluate(() => {
      window.trackr.signupUser('u-9', { plan: 'free' }, 1700000000);
      window.trackr.updateUser({ plan: 'pro' });
      window.trackr.trackPageStart();
      history.pushState({}, '', '/aktivat/next');
      window.trackr.trackPageEnd();
      window.trackr.logoutUser();
      window.trackr.loginUser('u-10');
    });
    await until(() => events((m) => m.userId === 'u-10').length, 'login after logout');
    const identifies = events((m) => m.type === 'identify');
    expect(identifies.map((m) => [m.userId, m.traits])).toEqual([
      ['u-9', { plan: 'free', createdAt: '2023-11-14T22:13:20.000Z' }],
      ['u-9', { plan: 'pro' }],
      ['u-10', {}],
    ]);
    expect(events(named('$signup'))[0].userId).toBe('u-9');
    expect(pageViews().map((v) => v.context.page.path)).toEqual(['/aktivat', '/aktivat/next']);
    expect(pageViews()[1].properties?.loadTime).toEqual(expect.any(Number));
  });

  it("tracks clicks on Aktivat's data-trackr-* elements", async () => {
    const tab = await open('/');
    await tab.click('button');
    const [click] = await until(() => events(named('$click')).length && events(named('$click')), 'element click');
    expect(click.properties).toEqual({ category: 'cta', label: 'Buy', position: '2' });
  });
});
