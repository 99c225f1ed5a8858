import type { ProjectKeys } from '../domain/keys.handler';
import type { ProjectSettings } from '../domain/range.handler';
import { durations, floorTo, nextStart, toLocal } from '../domain/time-buckets.handler';
import type { RedisClient } from './redis-client.store';

/**
 * KEYS weeksFrom offsets; ARGV a Monday. Sets ProjectKeys.weeksFrom once: '0' when nothing was
 * applied yet (every week bucket will hold all its events), else the given Monday: a writer from
 * before week buckets may have written this week's and earlier days without them, and during a
 * rolling upgrade may still write for a while (events a little ahead of its clock included).
 */
const DAY = durations.DAY;
const MARK = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
if redis.call('HLEN', KEYS[2]) == 0 then redis.call('SET', KEYS[1], '0') else redis.call('SET', KEYS[1], ARGV[1]) end
return 1
`;

/** Marks, once per project and process, from which week the week buckets are complete (docs/bitmaps.md, "Week buckets"). */
export function createWeekMarker(client: RedisClient, now: () => number) {
  const marked = new Set<string>();
  return async function ensureWeeksFrom(keys: ProjectKeys, settings: ProjectSettings): Promise<void> {
    if (marked.has(keys.weeksFrom)) return;
    // The Monday after next week's: a week of margin for older writers still running.
    const monday = nextStart(floorTo(toLocal(now(), settings.timeZone) + 7 * DAY, 'week'), 'week');
    await client.eval(MARK, 2, keys.weeksFrom, keys.offsets, String(monday));
    if (marked.size > 100_000) marked.clear();
    marked.add(keys.weeksFrom);
  };
}
