/**
 * Automatic events: page views (first load, pushState, popstate, back-forward cache
 * restores), outbound-link and download clicks, Aktivat's `data-trackr-*` elements, and the
 * page-leave beacon that closes the page (its exit page and time on page).
 */
import { linkEvent, withoutHash } from './message';
import type { Tracker } from './tracker';

export interface AutotrackOptions {
  /** Automatic page views; off with `data-auto="false"` or once Aktivat's trackPageStart is used. */
  pageViews: () => boolean;
}

export function autotrack(tracker: Tracker, options: AutotrackOptions): void {
  let shownAt = Date.now();
  const navigated = () => {
    if (options.pageViews() && location.pathname + location.search !== tracker.lastPath()) {
      shownAt = Date.now();
      tracker.page();
    }
  };
  const push = history.pushState;
  history.pushState = function (...args: Parameters<History['pushState']>) {
    push.apply(this, args);
    navigated();
  };
  addEventListener('popstate', navigated);

  const clicked = (e: Event) => {
    const target = e.target as Element;
    if (!target.closest) return;
    const link = target.closest('a[href]') as HTMLAnchorElement | null;
    const kind = link && linkEvent(link.href, location.href, link.hasAttribute('download'));
    if (kind) {
      tracker.track(kind, { url: withoutHash(link!.href) });
      // The page may be about to go: send now (keepalive outlives it), not after the batch window.
      tracker.outbox.flush();
    }
    const tagged = target.closest('[data-trackr-type]') as HTMLElement | null;
    if (tagged) {
      const { trackrType, trackrLabel, trackrPosition } = tagged.dataset;
      tracker.track('$click', { category: trackrType, label: trackrLabel, position: trackrPosition });
    }
  };
  document.addEventListener('click', clicked, true);
  document.addEventListener('auxclick', clicked, true);

  addEventListener('pagehide', () => {
    tracker.track('$pageleave', { duration: Date.now() - shownAt });
    tracker.leave();
  });
  addEventListener('pageshow', (e) => {
    if ((e as PageTransitionEvent).persisted && options.pageViews()) {
      shownAt = Date.now();
      tracker.page();
    }
  });
  document.addEventListener('visibilitychange', () => document.visibilityState === 'hidden' && tracker.outbox.flush());
  addEventListener('online', () => tracker.outbox.retryNow());
}
