/**
 * The seeds' tracker APIs mapped onto Sightline's events (see docs/tracker.md):
 * Aktivat's `trackr` object and FizzStat's `fizzstat.event`.
 */
import type { Properties } from './message';
import type { Api, Callback } from './tracker';

/** Aktivat passes Unix seconds; traits carry ISO times like Segment's `createdAt`. */
const createdAt = (signupDate?: number) => (signupDate ? { createdAt: new Date(signupDate * 1000).toISOString() } : {});

export function aktivat(tracker: Api, manualPages: () => void) {
  let startedAt = Date.now();
  return {
    trackPageStart() {
      manualPages();
      startedAt = Date.now();
    },
    trackPageEnd() {
      tracker.page({ loadTime: Date.now() - startedAt });
    },
    signupUser(id: string, data?: Properties, signupDate?: number) {
      tracker.identify(id, { ...data, ...createdAt(signupDate) });
      tracker.track('$signup');
    },
    loginUser(id: string) {
      tracker.identify(id);
    },
    loginAndImportUser(id: string, data?: Properties, signupDate?: number) {
      tracker.identify(id, { ...data, ...createdAt(signupDate) });
    },
    updateUser(data?: Properties) {
      tracker.identify(data || {});
    },
    logoutUser() {
      tracker.reset();
    },
  };
}

export function fizzstat(tracker: Api) {
  return {
    event(type: string, value?: unknown, data?: Properties, callback?: Callback) {
      // FizzStat's exit event (spelt "edit" in its README) is a click to an external link.
      if (type === 'exit' || type === 'edit') tracker.track('$outbound', { url: value, ...data }, callback);
      else tracker.track(type, { value, ...data }, callback);
    },
  };
}
