/** Pure helpers for the seed-compatible read APIs (user_analytics, The Eye). */

/** user_analytics sent Unix seconds; Sightline takes milliseconds. Values below 10^11 are seconds (year 5138 in ms). */
export function parseUnixTime(value: string): number {
  const n = Number(value);
  return n < 1e11 ? n * 1000 : n;
}

/** The UTC hour [start, start + 1 h) that contains the instant. */
export function hourContaining(ms: number): { from: string; to: string } {
  const start = Math.floor(ms / 3600_000) * 3600_000;
  return { from: new Date(start).toISOString(), to: new Date(start + 3600_000).toISOString() };
}

export interface EventPage {
  events: Array<{
    sessionId?: string | null;
    anonymousId?: string | null;
    context?: { sessionId?: unknown };
    timestamp: string;
    category?: string | null;
    name: string;
    properties?: Record<string, unknown>;
  }>;
  nextCursor: string | null;
  total?: number;
}

type Fetch = (cursor: string | undefined, limit: number) => Promise<EventPage>;

/**
 * The Eye pages by offset; the event store pages by cursor. The book remembers the cursor at
 * each offset it has handed out, so following `next` costs one page; a jump to an unseen
 * offset walks pages of up to 1,000 from the nearest known one.
 */
export function createCursorBook(maxEntries: number) {
  const known = new Map<string, string>();
  const remember = (key: string, cursor: string) => {
    if (known.size >= maxEntries) known.delete(known.keys().next().value!);
    known.set(key, cursor);
  };
  return {
    async pageAt(book: string, offset: number, limit: number, fetch: Fetch): Promise<EventPage> {
      let position = 0;
      let cursor: string | undefined;
      if (offset > 0) {
        const exact = known.get(`${book}@${offset}`);
        if (exact) [position, cursor] = [offset, exact];
      }
      while (position < offset) {
        const step = Math.min(1000, offset - position);
        const skipped = await fetch(cursor, step);
        if (!skipped.nextCursor) return { events: [], nextCursor: null, total: skipped.total };
        position += skipped.events.length;
        cursor = skipped.nextCursor;
      }
      const page = await fetch(cursor, limit);
      if (page.nextCursor) remember(`${book}@${offset + page.events.length}`, page.nextCursor);
      return page;
    },
  };
}

function linkWith(base: string, params: URLSearchParams, offset: number): string {
  const next = new URLSearchParams(params);
  next.delete('key');
  next.set('offset', String(offset));
  return `${base}?${next}`;
}

/**
 * The Eye's session_id arrives at ingest as the anonymousId (and context.sessionId); Sightline's
 * own sessionId is the server-side session, a different thing.
 */
function theEyeSession(e: EventPage['events'][number]): string | null {
  return typeof e.context?.sessionId === 'string' ? e.context.sessionId : (e.anonymousId ?? e.sessionId ?? null);
}

/** The Eye's reply shape (Django REST framework's limit/offset pagination). */
export function eyeResult(page: EventPage, offset: number, limit: number, base: string, params: URLSearchParams) {
  return {
    count: page.total ?? page.events.length,
    next: page.nextCursor ? linkWith(base, params, offset + page.events.length) : null,
    previous: offset > 0 ? linkWith(base, params, Math.max(0, offset - limit)) : null,
    results: page.events.map((e) => ({ session_id: theEyeSession(e), timestamp: e.timestamp, category: e.category ?? null, name: e.name, data: e.properties ?? {} })),
  };
}
