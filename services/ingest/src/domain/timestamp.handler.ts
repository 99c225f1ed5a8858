import { correctedTimestamp } from '@sightline/contracts';

const isoLike = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)?(?:Z|z|[+-]\d{2}(?::?\d{2})?)?$/;
const hasZone = /(?:Z|z|[+-]\d{2}(?::?\d{2})?)$/;
/** Below this an epoch number is read as seconds: 10^11 ms is 1973, 10^11 s is the year 5138. */
const SECONDS_BELOW = 1e11;

/**
 * Reads a client time: ISO 8601 (a space instead of `T` and a missing zone, meaning UTC, are
 * accepted because The Eye sends `2021-01-01 09:15:27.243860`), or epoch seconds/milliseconds.
 * Returns null when the value is not a time.
 */
export function parseClientTime(value: unknown): Date | null {
  let date: Date;
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) return null;
    date = new Date(value < SECONDS_BELOW ? value * 1000 : value);
  } else if (typeof value === 'string') {
    const text = value.trim();
    if (/^\d{1,16}(?:\.\d+)?$/.test(text)) return parseClientTime(Number(text));
    if (!isoLike.test(text)) return null;
    let normal = text.replace(' ', 'T');
    // Sub-millisecond digits are dropped: Date only keeps milliseconds and some engines reject more.
    normal = normal.replace(/(\.\d{3})\d+/, '$1');
    if (normal.length > 10 && !hasZone.test(normal)) normal += 'Z';
    date = new Date(normal);
  } else {
    return null;
  }
  return Number.isNaN(date.getTime()) ? null : date;
}

export interface EventTimes {
  originalTimestamp: Date | null;
  sentAt: Date | null;
  receivedAt: Date;
  timestamp: Date;
}

export function eventTimes(receivedAt: Date, originalTimestamp: Date | null, sentAt: Date | null): EventTimes {
  return { originalTimestamp, sentAt, receivedAt, timestamp: correctedTimestamp(receivedAt, originalTimestamp, sentAt) };
}

const DAY_MS = 86_400_000;

/** Why an event time is refused, or null when it is inside the accepted window. */
export function timeWindowProblem(timestamp: Date, now: Date, futureLimitDays: number, maxAgeDays: number): string | null {
  if (timestamp.getTime() > now.getTime() + futureLimitDays * DAY_MS) return `more than ${futureLimitDays} days in the future after clock-skew correction`;
  if (timestamp.getTime() < now.getTime() - maxAgeDays * DAY_MS) return `older than the project's accepted age of ${maxAgeDays} days`;
  return null;
}
