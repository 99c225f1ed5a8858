import { z } from 'zod';
import { HttpError } from '@sightline/http';

/** An ISO 8601 instant with an offset, or a plain date (UTC midnight); always returned as ISO UTC. */
export const instant = z
  .union([z.iso.datetime({ offset: true }), z.iso.date()])
  .transform((v) => new Date(v.length === 10 ? `${v}T00:00:00Z` : v).toISOString());

export const interval = z.enum(['minute', 'hour', 'day', 'week', 'month', 'year']);
export type Interval = z.infer<typeof interval>;

const approximateSeconds: Record<Interval, number> = { minute: 60, hour: 3600, day: 86400, week: 7 * 86400, month: 28 * 86400, year: 365 * 86400 };
export const MAX_POINTS = 5000;

/**
 * Query-cost guard shared by every read: `from < to`, the range at most `maxDays`, and a series
 * of at most MAX_POINTS points, each refused with the field to fix.
 */
export function checkRange(range: { from: string; to: string; interval?: Interval }, maxDays: number): void {
  const from = Date.parse(range.from);
  const to = Date.parse(range.to);
  if (!(from < to)) throw HttpError.badRequest('`to` must be after `from`', [{ path: 'to', reason: 'must be after from' }]);
  if (to - from > maxDays * 86400_000) throw HttpError.badRequest(`the range is longer than ${maxDays} days`, [{ path: 'to', reason: `at most ${maxDays} days after from` }]);
  if (range.interval && (to - from) / 1000 / approximateSeconds[range.interval] > MAX_POINTS) {
    throw HttpError.badRequest(`more than ${MAX_POINTS} ${range.interval}s in the range; use a coarser interval`, [{ path: 'interval', reason: 'too many points' }]);
  }
}

/** Parses a JSON query parameter (e.g. `filter`), reporting malformed JSON as a validation issue. */
export function jsonParam<T extends z.ZodType>(schema: T) {
  return z
    .string()
    .max(8192)
    .transform((text, ctx) => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'not valid JSON' });
        return z.NEVER;
      }
    })
    .pipe(schema);
}
