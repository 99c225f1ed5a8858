import fc from 'fast-check';
import { cover, coverDays, floorTo, labelOf, nextStart, toLocal, toUtc, weekLabelOf, zoneOffsetMs, GRANULARITIES } from './time-buckets.handler';

const MINUTE = 60_000;
const minuteArb = fc.integer({ min: Date.UTC(2020, 0, 1) / MINUTE, max: Date.UTC(2030, 0, 1) / MINUTE }).map((m) => m * MINUTE);

describe('time buckets', () => {
  it('labels encode the granularity', () => {
    const t = Date.UTC(2026, 10, 25, 14, 5);
    expect(GRANULARITIES.map((g) => labelOf(t, g))).toEqual(['2026', '2026-11', '2026-11-25', '2026-11-25T14', '2026-11-25T14:05']);
  });

  it('converts to local wall time across DST', () => {
    expect(zoneOffsetMs(Date.UTC(2026, 0, 15), 'Europe/Paris')).toBe(3_600_000);
    expect(zoneOffsetMs(Date.UTC(2026, 6, 15), 'Europe/Paris')).toBe(7_200_000);
    expect(labelOf(toLocal(Date.UTC(2026, 6, 15, 22, 30), 'Europe/Paris'), 'minute')).toBe('2026-07-16T00:30');
    expect(toUtc(Date.UTC(2026, 6, 16), 'Europe/Paris')).toBe(Date.UTC(2026, 6, 15, 22));
    expect(zoneOffsetMs(Date.UTC(2026, 0, 1), 'Asia/Kathmandu')).toBe(5.75 * 3_600_000);
  });

  it('weeks start on Monday', () => {
    expect(new Date(floorTo(Date.UTC(2026, 10, 25, 13), 'week')).toISOString()).toBe('2026-11-23T00:00:00.000Z');
  });

  it('cover tiles the range exactly with aligned buckets', () => {
    fc.assert(
      fc.property(minuteArb, minuteArb, (a, b) => {
        const [from, to] = a <= b ? [a, b] : [b, a];
        const buckets = cover(from, to);
        let cursor = from;
        for (const bucket of buckets) {
          expect(bucket.startMs).toBe(cursor);
          expect(floorTo(bucket.startMs, bucket.granularity)).toBe(bucket.startMs);
          expect(bucket.label).toBe(labelOf(bucket.startMs, bucket.granularity));
          cursor = nextStart(bucket.startMs, bucket.granularity);
        }
        expect(cursor).toBe(to);
      }),
      { numRuns: 300 },
    );
  });

  it('cover uses the fewest buckets: no run of buckets could merge into its parent', () => {
    fc.assert(
      fc.property(minuteArb, minuteArb, (a, b) => {
        const [from, to] = a <= b ? [a, b] : [b, a];
        const buckets = cover(from, to);
        for (const bucket of buckets) {
          const parentIndex = GRANULARITIES.indexOf(bucket.granularity) - 1;
          if (parentIndex < 0) continue;
          const parent = GRANULARITIES[parentIndex]!;
          const start = floorTo(bucket.startMs, parent);
          // A whole parent bucket inside the range must have been used instead of its children.
          expect(start >= from && nextStart(start, parent) <= to).toBe(false);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('covers a range with months at most when years are left out (day-only dimensions)', () => {
    const buckets = cover(Date.UTC(2024, 11, 31), Date.UTC(2026, 1, 3), 'month');
    expect(buckets.map((b) => b.label)).toEqual(['2024-12-31', ...Array.from({ length: 13 }, (_, m) => `${m < 12 ? 2025 : 2026}-${String((m % 12) + 1).padStart(2, '0')}`), '2026-02-01', '2026-02-02']);
  });

  it('covers a year-spanning range with years, months, days, hours and minutes', () => {
    const buckets = cover(Date.UTC(2024, 11, 31, 23, 58), Date.UTC(2026, 1, 2, 1, 1));
    expect(buckets.map((b) => b.label)).toEqual(['2024-12-31T23:58', '2024-12-31T23:59', '2025', '2026-01', '2026-02-01', '2026-02-02T00', '2026-02-02T01:00']);
  });

  describe('coverDays (day-only dimensions: month, week and day buckets)', () => {
    const DAY = 86_400_000;
    const dayArb = fc.integer({ min: Date.UTC(2020, 0, 1) / DAY, max: Date.UTC(2030, 0, 1) / DAY }).map((d) => d * DAY);

    it('tiles whole days exactly with aligned buckets, weeks only from weeksFrom, never more buckets than months and days', () => {
      fc.assert(
        fc.property(dayArb, dayArb, dayArb, (a, b, w) => {
          const [from, to] = a <= b ? [a, b] : [b, a];
          const weeksFrom = floorTo(w, 'week');
          const buckets = coverDays(from, to, weeksFrom);
          let cursor = from;
          for (const bucket of buckets) {
            expect(bucket.startMs).toBe(cursor);
            expect(floorTo(bucket.startMs, bucket.granularity)).toBe(bucket.startMs);
            expect(bucket.label).toBe(bucket.granularity === 'week' ? weekLabelOf(bucket.startMs) : labelOf(bucket.startMs, bucket.granularity));
            if (bucket.granularity === 'week') expect(bucket.startMs >= weeksFrom).toBe(true);
            cursor = nextStart(bucket.startMs, bucket.granularity);
          }
          expect(cursor).toBe(to);
          expect(buckets.length).toBeLessThanOrEqual(cover(from, to, 'month').length);
          // No weeks allowed: the month-and-day cover itself.
          expect(coverDays(from, to, Infinity)).toEqual(cover(from, to, 'month'));
        }),
        { numRuns: 300 },
      );
    });

    it('reads 90 days as far fewer keys than months and days', () => {
      const from = Date.UTC(2026, 8, 4);
      const to = from + 90 * DAY;
      const buckets = coverDays(from, to, 0);
      expect(buckets.map((b) => b.label)).toEqual(['2026-09-04', '2026-09-05', '2026-09-06', 'w2026-09-07', 'w2026-09-14', 'w2026-09-21', '2026-09-28', '2026-09-29', '2026-09-30', '2026-10', '2026-11', '2026-12-01', '2026-12-02']);
      expect(cover(from, to, 'month')).toHaveLength(31);
    });

    it('labels a week by its Monday, with a w that no day label starts with', () => {
      expect(weekLabelOf(Date.UTC(2026, 10, 25, 13))).toBe('w2026-11-23');
      expect(weekLabelOf(Date.UTC(2026, 10, 29, 23, 59))).toBe('w2026-11-23');
    });
  });
});
