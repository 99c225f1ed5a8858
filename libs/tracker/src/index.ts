/**
 * Browser entry of sightline.js (built to dist/tracker.js, served by ingest as /tracker.js):
 *   <script defer src="https://ingest.example.com/tracker.js" data-key="WRITE_KEY"></script>
 * The documented snippet puts a queue stub before it (README.md, docs/tracker.md): an array of
 * `[name, ...args]` calls with track/page/identify/reset methods, replayed below as `prior`.
 * Options on the tag: data-api (ingest base URL; default: where the script came from),
 * data-persist ("local" | "queue"), data-auto="false" (no automatic page views),
 * data-respect-dnt="false" (send despite Do-Not-Track / Global Privacy Control).
 */
import { autotrack } from './autotrack';
import { aktivat, fizzstat } from './compat';
import { createTracker, type Api, type Settings, type Tracker } from './tracker';

type Call = [keyof Api, ...unknown[]];
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const w = window as any;
const script = document.currentScript as HTMLScriptElement | null;
const data: DOMStringMap = script ? script.dataset : {};
const nav = navigator as Navigator & { globalPrivacyControl?: boolean };
/** Do-Not-Track or Global Privacy Control: no event is built and no request is made. */
const blocked = data.respectDnt !== 'false' && (nav.doNotTrack === '1' || w.doNotTrack === '1' || nav.globalPrivacyControl === true);
const auto = data.auto !== 'false';
const scriptBase = script ? script.src.split(/[?#]/)[0].replace(/\/[^/]*$/, '') : '';
const prior = w.sightline;
const pending: Call[] = [];
let tracker: Tracker | undefined;
let manualPages = false;

const call =
  (name: keyof Api) =>
  (...args: unknown[]) => {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    if (tracker) (tracker[name] as any)(...args);
    else if (!blocked) pending.push([name, ...args]);
  };

const api = {
  track: call('track'),
  page: call('page'),
  identify: call('identify'),
  reset: call('reset'),
  /** For pages that queue calls before the script loads: `sightline.push(['track', 'signup'])`. */
  push: (c: Call) => (api[c[0]] as (...args: unknown[]) => void)?.(...c.slice(1)),
} as Api & { push(c: Call): void };

function start(settings: Settings): void {
  if (tracker || blocked || !settings.key) return;
  tracker = createTracker(settings);
  autotrack(tracker, { pageViews: () => auto && !manualPages });
  const loadStart = w.trackrloadstart;
  if (auto) tracker.page(typeof loadStart === 'number' ? { loadTime: Date.now() - loadStart } : {});
  pending.splice(0).forEach(api.push);
}

// Included twice (a common copy-paste slip): the first copy stays alone, no double counting.
if (!prior || Array.isArray(prior)) {
  w.sightline = api;
  w.trackr = aktivat(api, () => (manualPages = true));
  w.fizzstat = fizzstat(api);
  /** Aktivat's loader: `window.trackr = new window.Trackr({account, serverUrl})`. */
  w.Trackr = function (o: { key?: string; account?: string; serverUrl?: string }) {
    start({ key: String(o.key || o.account || ''), api: (o.serverUrl || scriptBase).replace(/\/$/, ''), persist: data.persist });
    return w.trackr;
  };
  if (prior) prior.forEach(api.push);
  start({ key: data.key || '', api: (data.api || scriptBase).replace(/\/$/, ''), persist: data.persist });
}
