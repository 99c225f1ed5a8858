/**
 * Snippets people paste, as they paste them, in real Chromium against the real pipeline.
 * - Issue #19, bug 2: the tracker snippet exactly as README.md prints it. Only the collector's
 *   address and the write key placeholder are replaced (a reader does the same). The inline
 *   calls right after the `defer` script run before the tracker has loaded: the snippet's queue
 *   stub must keep them, and the tracker must replay them, so the signup arrives and is counted.
 * - Issue #19, bug 4: Aktivat's loader, unchanged but for its serverUrl and account, loads
 *   `serverUrl + "/js/trackr.js"` from ingest and calls `new Trackr(o)`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { repoRoot, waitFor } from '@sightline/testing';
import { api, bearer, createProject, startStack, type DemoProject, type Stack } from '../../../test/e2e/stack';
import { buildTracker, launchChromium, startSite, type Site } from './browser';

jest.setTimeout(240_000);

/** The ```html block of README.md that loads /tracker.js, as printed. */
function readmeSnippet(): string {
  const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
  const block = [...readme.matchAll(/```html\n([\s\S]*?)```/g)].map((m) => m[1]!).find((b) => b.includes('/tracker.js'));
  if (!block) throw new Error('README.md has no ```html block that loads /tracker.js');
  return block;
}

/** Aktivat's basic set-up as its README prints it (seed document), with a write key as the account. */
function aktivatPage(serverUrl: string, account: string): string {
  return `<!doctype html><html><head>
	<script>
		window.trackrloadstart = new Date().getTime();
	</script>
<title>Aktivat</title></head><body><p>Aktivat page</p>
	<script>
		var o = {
  			account:"${account}",
  			trackrClass:"track-it",
  			serverUrl:"${serverUrl}"
		};
		var r,s,t;r=false;s=document.createElement("script");s.type="text/javascript";s.src=o.serverUrl+"/js/trackr.js";s.onload=s.onreadystatechange=function(){if(!r&&(!this.readyState||this.readyState==="complete")){r=true;return window.trackr=new window.Trackr(o)}};t=document.getElementsByTagName("head")[0];t.appendChild(s)
	</script>
</body></html>`;
}

// Headless Chromium's own User-Agent says HeadlessChrome, which bot filtering rightly drops.
const DESKTOP = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

let stack: Stack;
let project: DemoProject;
let site: Site;
let browser: Browser;

const from = new Date(Date.now() - 3_600_000).toISOString();
const to = () => new Date(Date.now() + 3_600_000).toISOString();
const read = <T>(path: string) => api<T>('GET', `${stack.services.gateway.url}/v1/projects/${project.projectId}${path}`, { auth: bearer(project.readKey) });
type Logged = { events: Array<{ name: string; properties?: Record<string, unknown> }> };

beforeAll(async () => {
  buildTracker();
  stack = await startStack('snippet');
  project = await createProject(stack.services.gateway.url, 'snippet');
  const snippet = readmeSnippet().replaceAll('http://127.0.0.1:8081', stack.services.ingest.url).replaceAll('WRITE_KEY', project.writeKey);
  site = await startSite({
    '/': `<!doctype html><html><head><title>Signup</title></head><body>\n${snippet}</body></html>`,
    '/aktivat': aktivatPage(stack.services.ingest.url, project.writeKey),
  });
  // The tracker never retries a 401: start only once ingest knows the new project's key.
  await waitFor(async () => (await api('POST', `${stack.services.ingest.url}/collect`, { body: { writeKey: project.writeKey, batch: [] } })).status === 400, {
    timeoutMs: 30_000,
    description: 'ingest knows the write key',
  });
  browser = await launchChromium([`--user-agent=${DESKTOP}`]);
}, 200_000);

afterAll(async () => {
  await browser?.close();
  await site?.close();
  await stack?.stop();
});

it("runs as pasted: no error on the page, and the inline calls made before the script loaded are sent and counted", async () => {
  const tab = await browser.newPage();
  const errors: string[] = [];
  tab.on('pageerror', (err) => errors.push(err.message));
  await tab.goto(site.url + '/');
  await tab.waitForFunction(() => typeof window.sightline?.track === 'function' && !Array.isArray(window.sightline));
  expect(errors).toEqual([]);

  const counted = await waitFor(
    async () => {
      const signups = await read<{ total: number }>(`/unique-visitors?from=${from}&to=${to()}&event=signup`);
      const all = await read<{ total: number }>(`/unique-visitors?from=${from}&to=${to()}`);
      return signups.body.total === 1 && all.body.total === 1 && { signups: signups.body.total, all: all.body.total };
    },
    { timeoutMs: 90_000, description: 'the signup counted in unique visitors' },
  );
  expect(counted).toEqual({ signups: 1, all: 1 });
  const log = await waitFor(
    async () => {
      const res = await read<Logged>(`/events?from=${from}&to=${to()}&limit=100`);
      const names = res.status === 200 ? res.body.events.map((e) => e.name) : [];
      return ['$pageview', 'signup', '$identify'].every((n) => names.includes(n)) ? res.body.events : null;
    },
    { timeoutMs: 60_000, description: 'page view, signup and identify in the event log' },
  );
  expect(log.find((e) => e.name === 'signup')?.properties).toEqual({ plan: 'pro' });
  expect(errors).toEqual([]);
});

it("serves Aktivat's loader its /js/trackr.js: the page view (with Aktivat's load time) and signupUser arrive and are counted", async () => {
  const tab = await browser.newPage();
  const errors: string[] = [];
  tab.on('pageerror', (err) => errors.push(err.message));
  await tab.goto(site.url + '/aktivat');
  await tab.waitForFunction(() => typeof window.trackr?.signupUser === 'function');
  await tab.evaluate(() => window.trackr.signupUser('aktivat-user-7', { plan: 'team' }, Math.floor(Date.now() / 1000)));
  const signups = await waitFor(
    async () => (await read<{ total: number }>(`/unique-visitors?from=${from}&to=${to()}&event=$signup`)).body.total === 1 || null,
    { timeoutMs: 90_000, description: "Aktivat's $signup counted" },
  );
  expect(signups).toBe(true);
  const log = await waitFor(
    async () => {
      const res = await read<Logged>(`/events?from=${from}&to=${to()}&limit=100`);
      const page = res.status === 200 ? res.body.events.find((e) => e.name === '$pageview' && e.properties?.path === '/aktivat') : undefined;
      return page && res.body.events.some((e) => e.name === '$identify') ? page : null;
    },
    { timeoutMs: 60_000, description: "Aktivat's page view in the event log" },
  );
  expect(typeof log.properties?.loadTime).toBe('number');
  expect(errors).toEqual([]);
});
