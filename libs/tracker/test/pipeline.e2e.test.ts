/**
 * The tracker through the whole pipeline: real Chromium pages with the snippet, the real
 * ingest serving /tracker.js and taking /collect, Kafka, session-fingerprint, the
 * aggregator, the query service and the gateway. Events must reach events.raw.v1 with the
 * right properties and show up in unique visitors and the event log; with ingest stopped
 * for 10 s mid-session, every event must still arrive, exactly once per messageId.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { Consumer } from 'kafkajs';
import { json, testKafka, uniqueId, waitFor } from '@sightline/testing';
import { api, bearer, createProject, startStack, type DemoProject, type Stack } from '../../../test/e2e/stack';
import { buildTracker, launchChromium, snippetPage, startSite, type Site } from './browser';

jest.setTimeout(300_000);

interface Raw {
  messageId: string;
  projectId: string;
  type: string;
  event: string | null;
  properties: Record<string, unknown>;
  traits: Record<string, unknown>;
  userId: string | null;
  anonymousId: string | null;
  context: { page?: { path?: string; url?: string; referrer?: string }; campaign?: Record<string, string>; library?: { name?: string } };
  request: { userAgent: string | null; dnt: boolean; gpc: boolean };
}

interface LoggedEvent {
  messageId: string;
  name: string;
  visitorId: string;
  properties?: Record<string, unknown>;
}

// Headless Chromium says "HeadlessChrome", which bot filtering rightly drops. Each visitor is
// a browser of its own with a desktop user agent, so the server fingerprints them apart. The
// agent is set on the command line: a context's override does not reach sendBeacon.
const userAgent = (visitor: string) => `Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 visitor-${visitor}`;

let stack: Stack;
let project: DemoProject;
let site: Site;
let reader: Consumer;
const raw: Raw[] = [];
const from = new Date(Date.now() - 3_600_000).toISOString();
const to = () => new Date(Date.now() + 3_600_000).toISOString();

const rawOf = (agent: string) => raw.filter((r) => r.request.userAgent === agent);
const distinct = (records: Raw[]) => [...new Map(records.map((r) => [r.messageId, r])).values()];
const gateway = <T>(path: string) => api<T>('GET', `${stack.services.gateway.url}/v1/projects/${project.projectId}${path}`, { auth: bearer(project.readKey) });

const browsers: Browser[] = [];

async function visit(visitor: string, path: string, before?: (tab: Page) => void): Promise<{ context: BrowserContext; tab: Page; agent: string }> {
  const agent = userAgent(visitor);
  const browser = await launchChromium([`--user-agent=${agent}`]);
  browsers.push(browser);
  const context = await browser.newContext();
  const tab = await context.newPage();
  before?.(tab);
  await tab.goto(site.url + path);
  await tab.waitForFunction(() => 'sightline' in window);
  return { context, tab, agent };
}

beforeAll(async () => {
  buildTracker();
  stack = await startStack('tracker');
  project = await createProject(stack.services.gateway.url, 'tracker');
  reader = testKafka().consumer({ groupId: uniqueId('tracker-reader'), maxWaitTimeInMs: 100 });
  await reader.connect();
  await reader.subscribe({ topic: `${stack.namespace}events.raw.v1`, fromBeginning: true });
  await reader.run({ eachMessage: async ({ message }) => void raw.push(json<Raw>(message)) });
  const body = `<a id="out" href="https://partner.example.org/offer?ref=site#top">partner</a>`;
  site = await startSite({
    '/': snippetPage({ collector: stack.services.ingest.url, key: project.writeKey, title: 'Home', body }),
    '/app': snippetPage({ collector: stack.services.ingest.url, key: project.writeKey, title: 'App' }),
  });
  // The gateway publishes the project; the tracker must not start before ingest knows its key
  // (an unknown key is a 401, which the tracker rightly never retries). An empty batch with a
  // known key is a 400, with an unknown one a 401, and it records nothing.
  await waitFor(
    async () => (await api('POST', `${stack.services.ingest.url}/collect`, { body: { writeKey: project.writeKey, batch: [] } })).status === 400,
    { timeoutMs: 30_000, description: 'ingest knows the write key' },
  );
}, 240_000);

afterAll(async () => {
  await Promise.all(browsers.map((b) => b.close()));
  await reader?.disconnect();
  await site?.close();
  await stack?.stop();
});

it('page views, SPA navigations, a custom event, an outbound link and identify arrive with their properties, in unique visitors and the event log', async () => {
  const a = await visit('a', '/?utm_source=newsletter&utm_medium=email&utm_campaign=launch');
  // Outbound links leave the machine in a real browser; this one goes nowhere.
  await a.context.route('https://partner.example.org/**', (route) => route.fulfill({ status: 200, contentType: 'text/html', body: 'partner' }));
  await a.tab.evaluate(() => history.pushState({}, '', '/pricing'));
  await a.tab.evaluate(() => history.pushState({}, '', '/signup?step=1'));
  await a.tab.evaluate(() => window.sightline.track('signup', { plan: 'pro', seats: 3 }));
  await a.tab.evaluate(() => window.sightline.identify('user-1', { plan: 'pro', state: 'CA' }));
  await a.tab.click('#out');
  await a.tab.waitForURL('https://partner.example.org/offer?ref=site#top');
  const b = await visit('b', '/');

  // Events keyed by userId and by fingerprint sit on different partitions: wait for all of them.
  const complete = () => {
    const seen = distinct(rawOf(a.agent)).map((r) => r.event ?? r.type);
    return ['page', 'signup', 'identify', '$outbound', '$pageleave'].every((e) => seen.includes(e)) && seen.filter((e) => e === 'page').length === 3 && rawOf(b.agent).length > 0;
  };
  await waitFor(complete, { timeoutMs: 60_000, description: 'both visitors in events.raw' }).catch((e) => {
    console.log('events.raw so far', JSON.stringify(raw.map((r) => [r.type, r.event, r.request.userAgent?.slice(-10), r.context.page?.path])));
    throw e;
  });
  const events = distinct(rawOf(a.agent));
  expect(events.every((r) => r.projectId === project.projectId && r.context.library?.name === 'sightline.js' && !r.request.dnt && !r.request.gpc)).toBe(true);
  const pages = events.filter((r) => r.type === 'page');
  expect(pages.map((r) => r.context.page?.path)).toEqual(['/', '/pricing', '/signup']);
  expect(pages[0]!.context.campaign).toMatchObject({ source: 'newsletter', medium: 'email', name: 'launch' });
  expect(pages[2]!.context.page?.referrer).toBe(`${site.url}/pricing`);
  expect(events.find((r) => r.event === 'signup')!.properties).toEqual({ plan: 'pro', seats: 3 });
  const identify = events.find((r) => r.type === 'identify')!;
  expect(identify).toMatchObject({ userId: 'user-1', traits: { plan: 'pro', state: 'CA' } });
  expect(events.find((r) => r.event === '$outbound')).toMatchObject({ userId: 'user-1', properties: { url: 'https://partner.example.org/offer?ref=site' } });
  // Cookieless: before identify, no client id at all; the server's fingerprint stands in.
  expect(events.filter((r) => r.type === 'page').every((r) => r.userId === null && r.anonymousId === null)).toBe(true);
  await a.context.close();
  await b.context.close();

  // Two visitors (cookieless, told apart by the fingerprint), one of whom signed up.
  const uniques = await waitFor(
    async () => {
      const all = await gateway<{ total: number }>(`/unique-visitors?from=${from}&to=${to()}`);
      const signups = await gateway<{ total: number }>(`/unique-visitors?from=${from}&to=${to()}&event=signup`);
      return all.body.total === 2 && signups.body.total === 1 && { all: all.body.total, signups: signups.body.total };
    },
    { timeoutMs: 90_000, description: 'unique visitors 2, signups 1' },
  );
  expect(uniques).toEqual({ all: 2, signups: 1 });

  const log = await waitFor(
    async () => {
      const res = await gateway<{ events: LoggedEvent[] }>(`/events?from=${from}&to=${to()}&limit=100&order=asc`);
      const names = res.status === 200 ? res.body.events.map((e) => e.name) : [];
      const done = ['$outbound', 'signup', '$identify'].every((n) => names.includes(n)) && names.filter((n) => n === '$pageview').length >= 4;
      return done ? res.body.events : null;
    },
    { timeoutMs: 60_000, description: 'event log with every event of both visitors' },
  );
  const names = log.map((e) => e.name);
  expect(names.filter((n) => n === '$pageview')).toHaveLength(4);
  expect(log.find((e) => e.name === 'signup')?.properties).toMatchObject({ plan: 'pro', seats: 3 });
  expect(log.find((e) => e.name === '$outbound')?.properties).toMatchObject({ url: 'https://partner.example.org/offer?ref=site' });
  expect(new Set(log.map((e) => e.messageId)).size).toBe(log.length);
});

it('with ingest stopped for 10 s mid-session and restarted, every event arrives exactly once', async () => {
  // The page's own ledger: every messageId it ever put in a request body.
  const attempted = new Set<string>();
  let failedRequests = 0;
  const c = await visit('c', '/app', (tab) => {
    tab.on('request', (request) => {
      if (!request.url().endsWith('/collect')) return;
      for (const m of (JSON.parse(request.postData() ?? '{}') as { batch?: { messageId: string }[] }).batch ?? []) attempted.add(m.messageId);
    });
    tab.on('requestfailed', (request) => void (request.url().endsWith('/collect') && failedRequests++));
  });
  await waitFor(() => rawOf(c.agent).length > 0, { timeoutMs: 30_000, description: 'landing page view' });

  await stack.services.ingest.stop();
  const outageEnds = Date.now() + 10_000;
  let steps = 0;
  for (; Date.now() < outageEnds; steps++) {
    await c.tab.evaluate((n) => {
      if (n % 3 === 0) history.pushState({}, '', `/app/screen-${n}`);
      else window.sightline.track('outage', { step: n });
    }, steps);
    // Activity spread over the outage, as a person clicks; not a wait for a condition.
    await c.tab.waitForTimeout(700);
  }
  await stack.restart('ingest', 'SIGTERM');

  const stepsIn = (records: Raw[]) => [
    ...records.filter((r) => r.event === 'outage').map((r) => r.properties.step as number),
    ...records.filter((r) => r.type === 'page' && r.context.page?.path !== '/app').map((r) => Number(r.context.page!.path!.split('-')[1])),
  ];
  await waitFor(() => stepsIn(distinct(rawOf(c.agent))).length >= steps && [...attempted].every((id) => raw.some((r) => r.messageId === id)), {
    timeoutMs: 90_000,
    description: `all ${steps} steps in events.raw after the restart`,
  });
  const got = distinct(rawOf(c.agent));
  // Exactly once: every step is there under one messageId (none minted twice, none lost), and
  // nothing reached the topic that the page did not send.
  expect(stepsIn(got).sort((x, y) => x - y)).toEqual([...Array(steps).keys()]);
  expect(got.every((r) => attempted.has(r.messageId))).toBe(true);
  // The outage was felt: sends failed and were retried with backoff (a handful, not a storm).
  expect(failedRequests).toBeGreaterThan(0);
  expect(failedRequests).toBeLessThan(10);
  const outage = got.filter((r) => r.event === 'outage').map((r) => r.properties.step as number);
  await c.context.close();

  // The event store, deduplicated by messageId, holds each once.
  const log = await waitFor(
    async () => {
      const res = await gateway<{ events: LoggedEvent[] }>(`/events?from=${from}&to=${to()}&name=outage&limit=1000`);
      return res.status === 200 && res.body.events.length === outage.length ? res.body.events : null;
    },
    { timeoutMs: 60_000, description: 'every outage event in the event log' },
  );
  expect(log.map((e) => e.properties?.step).sort((x, y) => Number(x) - Number(y))).toEqual([...outage].sort((x, y) => x - y));
});
