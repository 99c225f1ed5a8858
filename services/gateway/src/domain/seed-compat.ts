/** Pure helpers for the seed-compatible read APIs (user_analytics, The Eye). */
import { HttpError } from '@sightline/http';

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

type Fetch = (cursor: string | undefined, limit: number, withTotal: boolean) => Promise<EventPage>;

/** Where a page of The Eye starts: a `cursor` from one of our own links, else an offset from the top. */
export interface EyePosition {
  offset: number;
  cursor?: string | undefined;
}

/** A served page and the cursors its `next` and `previous` links carry (null: none known). */
export interface EyePage {
  page: EventPage;
  nextCursor: string | null;
  previousCursor: string | null;
}

/**
 * The Eye pages by offset; the event store pages by cursor. Every `next` link carries the
 * store's cursor, so following it costs one page on any gateway instance. A bare offset is
 * walked from the top (or from a position this book remembers) in uncounted pages of up to
 * 1,000, at most `maxWalk` events a request (issue #16 finding 3: `offset=100000` was 100
 * sequential counted calls): a longer walk is a 400 on `offset`. A client's cursor is never
 * remembered, so one client cannot make the book hand another the wrong rows.
 */
export function createCursorBook(maxEntries: number, maxWalk: number) {
  const known = new Map<string, string>();
  const remember = (key: string, cursor: string) => {
    if (known.size >= maxEntries) known.delete(known.keys().next().value!);
    known.set(key, cursor);
  };
  async function walk(book: string, offset: number, fetch: Fetch): Promise<{ cursor: string | undefined; end?: number }> {
    if (offset === 0) return { cursor: undefined };
    const exact = known.get(`${book}@${offset}`);
    if (exact) return { cursor: exact };
    if (offset > maxWalk) {
      const reason = `would skip ${offset} events, over the limit of ${maxWalk} a request`;
      throw HttpError.badRequest(`offset ${offset} ${reason}; follow the \`next\` links (they carry a cursor) or narrow the range with from/to`, [{ path: 'offset', reason }]);
    }
    let position = 0;
    let cursor: string | undefined;
    while (position < offset) {
      const skipped = await fetch(cursor, Math.min(1000, offset - position), false);
      if (!skipped.nextCursor) return { cursor, end: position + skipped.events.length };
      position += skipped.events.length;
      cursor = skipped.nextCursor;
    }
    remember(`${book}@${offset}`, cursor!);
    return { cursor };
  }
  return {
    async pageAt(book: string, at: EyePosition, limit: number, fetch: Fetch): Promise<EyePage> {
      const previousCursor = at.offset - limit > 0 ? (known.get(`${book}@${at.offset - limit}`) ?? null) : null;
      if (at.cursor !== undefined) {
        const page = await fetch(at.cursor, limit, true);
        return { page, nextCursor: page.nextCursor, previousCursor };
      }
      const start = await walk(book, at.offset, fetch);
      if (start.end !== undefined) {
        // Past the last event: an empty page, counted like any other.
        const { total } = await fetch(undefined, 1, true);
        return { page: { events: [], nextCursor: null, total }, nextCursor: null, previousCursor };
      }
      const page = await fetch(start.cursor, limit, true);
      if (page.nextCursor) remember(`${book}@${at.offset + page.events.length}`, page.nextCursor);
      return { page, nextCursor: page.nextCursor, previousCursor };
    },
  };
}

function linkWith(base: string, params: URLSearchParams, offset: number, cursor: string | null): string {
  const next = new URLSearchParams(params);
  next.delete('key');
  next.delete('cursor');
  next.set('offset', String(offset));
  if (cursor) next.set('cursor', cursor);
  return `${base}?${next}`;
}

/**
 * The Eye's session_id arrives at ingest as the anonymousId (and context.sessionId); Sightline's
 * own sessionId is the server-side session, a different thing.
 */
function theEyeSession(e: EventPage['events'][number]): string | null {
  return typeof e.context?.sessionId === 'string' ? e.context.sessionId : (e.anonymousId ?? e.sessionId ?? null);
}

/** The Eye's reply shape (Django REST framework's limit/offset pagination), its links carrying our cursors. */
export function eyeResult(served: EyePage, offset: number, limit: number, base: string, params: URLSearchParams) {
  const { page } = served;
  return {
    count: page.total ?? page.events.length,
    next: served.nextCursor ? linkWith(base, params, offset + page.events.length, served.nextCursor) : null,
    previous: offset > 0 ? linkWith(base, params, Math.max(0, offset - limit), served.previousCursor) : null,
    results: page.events.map((e) => ({ session_id: theEyeSession(e), timestamp: e.timestamp, category: e.category ?? null, name: e.name, data: e.properties ?? {} })),
  };
}
