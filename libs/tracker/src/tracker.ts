/**
 * The tracker proper: builds messages, keeps the (optional) ids, and hands messages to the
 * outbox. Cookieless unless `persist` is "local": no userId or anonymousId leaves the page
 * before `identify`, and the server's fingerprint identifies the visitor.
 */
import { createOutbox, type Outbox } from './outbox';
import { campaignOf, isRetriable, retryAfterMs, uuid, withoutHash, type Properties, type TrackerMessage } from './message';
import { read, takeAll, write } from './storage';

declare const __VERSION__: string;

export interface Settings {
  key: string;
  /** Base URL of the ingest service; messages go to `${api}/collect`. */
  api: string;
  /** "local": anonymousId, userId and pending events in localStorage; "queue": pending events only. */
  persist?: string;
}

export type Callback = () => void;

/** The public API, `window.sightline`. */
export interface Api {
  track(event: string, properties?: Properties, callback?: Callback): void;
  page(name?: string | Properties, properties?: Properties): void;
  identify(userId?: string | Properties, traits?: Properties): void;
  reset(): void;
}

export interface Tracker extends Api {
  /** The path and query of the last page view, to tell a real SPA navigation from a no-op. */
  lastPath(): string | undefined;
  /** Sends what is queued with sendBeacon (the page is going away). */
  leave(): void;
  outbox: Outbox<TrackerMessage>;
}

const USER = 'sightline_uid';
const ANONYMOUS = 'sightline_aid';
const QUEUE = 'sightline_q_';

export function createTracker({ key, api, persist }: Settings): Tracker {
  const local = persist === 'local';
  const keepQueue = local || persist === 'queue';
  const queueKey = QUEUE + key + '_' + uuid().slice(0, 8);
  const endpoint = api + '/collect';
  const callbacks: Record<string, Callback> = {};
  let userId = (local && read(USER)) || undefined;
  let anonymousId: string | undefined;
  let referrer = document.referrer;
  let lastUrl: string | undefined;
  let lastPath: string | undefined;

  const body = (batch: TrackerMessage[]) => JSON.stringify({ writeKey: key, sentAt: new Date().toISOString(), batch });
  const settle = (batch: TrackerMessage[]) =>
    batch.forEach((m) => {
      callbacks[m.messageId]?.();
      delete callbacks[m.messageId];
    });

  const outbox = createOutbox<TrackerMessage>({
    async send(batch) {
      try {
        const res = await fetch(endpoint, {
          method: 'POST',
          body: body(batch),
          headers: { 'Content-Type': 'application/json' },
          keepalive: true,
          credentials: 'omit',
        });
        return isRetriable(res.status) ? { done: false, afterMs: retryAfterMs(res.headers.get('Retry-After')) } : { done: true };
      } finally {
        settle(batch);
      }
    },
    save: keepQueue ? (queue) => write(queueKey, queue.length ? JSON.stringify(queue) : null) : undefined,
  });

  const resetIds = () => {
    userId = undefined;
    anonymousId = local ? uuid() : undefined;
    if (local) {
      write(USER, null);
      write(ANONYMOUS, anonymousId);
    }
  };

  const pageContext = () => ({ url: withoutHash(location.href), path: location.pathname, referrer, title: document.title, search: location.search });

  function send(type: TrackerMessage['type'], fields: Partial<TrackerMessage>, callback?: Callback): void {
    const message: TrackerMessage = {
      type,
      ...fields,
      userId,
      anonymousId,
      messageId: uuid(),
      timestamp: new Date().toISOString(),
      context: {
        page: pageContext(),
        campaign: campaignOf(location.search),
        library: { name: 'sightline.js', version: __VERSION__ },
        screen: { width: screen.width, height: screen.height },
        locale: navigator.language,
      },
    };
    if (callback) {
      callbacks[message.messageId] = callback;
      // FizzStat's callbacks usually navigate: never hold them up longer than a second.
      setTimeout(() => settle([message]), 1000);
    }
    outbox.add(message);
  }

  if (local) anonymousId = read(ANONYMOUS) || undefined;
  if (local && !anonymousId) resetIds();
  if (keepQueue) {
    for (const saved of takeAll(QUEUE + key + '_')) {
      try {
        (JSON.parse(saved) as TrackerMessage[]).forEach(outbox.add);
      } catch {
        // A corrupt entry is dropped rather than blocking every later event.
      }
    }
  }

  return {
    outbox,
    track(event, properties, callback) {
      send('track', { event: String(event), properties: properties || {} }, callback);
    },
    page(name, properties) {
      if (typeof name === 'object') [name, properties] = [undefined, name];
      const url = withoutHash(location.href);
      if (lastUrl && lastUrl !== url) referrer = lastUrl;
      lastUrl = url;
      lastPath = location.pathname + location.search;
      send('page', { name, properties: { ...pageContext(), ...properties } });
    },
    identify(id, traits) {
      if (typeof id === 'object') [id, traits] = [undefined, id];
      if (id != null) {
        userId = String(id);
        if (local) write(USER, userId);
      }
      send('identify', { traits: traits || {} });
    },
    reset: resetIds,
    lastPath: () => lastPath,
    leave() {
      // A saved queue keeps what it beacons: if the beacon is lost (the collector is down),
      // the next page load sends it again.
      outbox.drain((batch) => !!navigator.sendBeacon && navigator.sendBeacon(endpoint, body(batch)), !keepQueue);
    },
  };
}
