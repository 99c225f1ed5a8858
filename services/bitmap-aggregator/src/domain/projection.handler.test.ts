import { projectKeys } from './keys.handler';
import { emptyPlan, keysOfVisitor, planEvents, splitTouched } from './projection.handler';
import { defaultSettings } from './range.handler';

const now = Date.UTC(2026, 10, 25, 12, 30);
const HOUR = 3_600_000;
const DAY = 86_400_000;
const dimIds = new Map([
  ['$active', 0],
  ['event:a', 1],
]);

describe('projection plan', () => {
  it('writes every granularity of a fresh event, with expiries on minute and hour buckets only', () => {
    const plan = planEvents(emptyPlan(), [{ visitor: 7, utcMs: now - 5 * 60_000, dims: ['$active', 'event:a'], fine: 2, ids: ['v7'] }], defaultSettings, dimIds, now);
    expect([...plan.cells.keys()]).toEqual(['2026', '2026-11', '2026-11-25', '2026-11-25T12', '2026-11-25T12:25']);
    expect([...plan.cells.get('2026-11-25')!.entries()]).toEqual([
      ['$active', { visitors: [7], events: 1 }],
      ['event:a', { visitors: [7], events: 1 }],
    ]);
    expect(plan.expiries).toEqual(new Map([['2026-11-25T12', (Date.UTC(2026, 10, 25, 13) + 90 * DAY) / 1000], ['2026-11-25T12:25', (Date.UTC(2026, 10, 25, 12, 26) + 2 * DAY) / 1000]]));
    expect(splitTouched([...plan.touched.get(7)!])).toEqual({ dimIds: [0, 1], hours: [Math.floor(now / HOUR)] });
    expect(plan.ids).toEqual(new Map([['v7', 7]]));
  });

  it('keeps day-only dimensions out of year, hour and minute buckets, and only them in week buckets', () => {
    const dims = ['$active', 'page:/a', 'entryPage:/a'];
    const plan = planEvents(emptyPlan(), [{ visitor: 3, utcMs: now - 5 * 60_000, dims, fine: 1, ids: [] }], defaultSettings, new Map(dims.map((d, i) => [d, i])), now);
    expect([...plan.cells].map(([label, cells]) => [label, [...cells.keys()]])).toEqual([
      ['2026', ['$active']],
      ['2026-11', dims],
      ['2026-11-25', dims],
      ['2026-11-25T12', ['$active']],
      ['w2026-11-23', ['page:/a', 'entryPage:/a']],
      ['2026-11-25T12:25', ['$active']],
    ]);
    expect(plan.expiries.has('w2026-11-23')).toBe(false);
  });

  it('does not write buckets that have already expired', () => {
    const plan = planEvents(emptyPlan(), [{ visitor: 1, utcMs: now - 100 * DAY, dims: ['$active'], fine: 1, ids: [] }], defaultSettings, dimIds, now);
    expect([...plan.cells.keys()]).toEqual(['2026', '2026-08', '2026-08-17']);
    expect(plan.expiries.size).toBe(0);
  });

  it("derives a visitor's keys from its touched dimensions and hours, skipping expired buckets", () => {
    const keys = projectKeys('', 'p');
    const recent = Math.floor((now - HOUR) / HOUR);
    const old = Math.floor((now - 100 * DAY) / HOUR);
    const derived = keysOfVisitor(['$active'], [recent, old], keys, defaultSettings, now);
    expect(derived.filter((k) => /T11:\d\d:/.test(k)).length).toBe(60);
    expect(derived).toContain('{p:p}:b:2026-11-25T11:$active');
    expect(derived).toContain('{p:p}:b:2026-08-17:$active');
    expect(derived.some((k) => k.includes('2026-08-17T'))).toBe(false);
    expect(derived.some((k) => k.includes(':b:w'))).toBe(false);
    // A day-only dimension: month, week and day keys (an erasure clears its week keys too).
    expect(keysOfVisitor(['page:/a'], [old], keys, defaultSettings, now)).toEqual(['{p:p}:b:2026-08:page:/a', '{p:p}:b:2026-08-17:page:/a', '{p:p}:b:w2026-08-17:page:/a']);
  });
});
