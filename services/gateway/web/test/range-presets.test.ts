import { comparisonRange, offsetMs, parseDate, resolveRange, startOfDay } from '../src/state/range-presets';

// 2026-03-29 10:00 UTC: the day Europe/Paris moves to summer time (02:00 → 03:00).
const dstDay = Date.UTC(2026, 2, 29, 10);
const dayStart = (iso: string, tz: string) => startOfDay(parseDate(iso)!, tz);

describe('range presets in the project time zone', () => {
  it('finds local midnight through a DST change, brute-forced against the offset', () => {
    for (const [date, tz] of [['2026-03-29', 'Europe/Paris'], ['2026-03-30', 'Europe/Paris'], ['2026-11-01', 'America/New_York'], ['2026-06-15', 'Asia/Kolkata'], ['2026-01-01', 'UTC']] as const) {
      const t = dayStart(date, tz);
      // The local wall clock at t is that day's 00:00:00, and one minute before is the previous day.
      const wall = new Date(t + offsetMs(t, tz)).toISOString();
      expect(wall).toBe(`${date}T00:00:00.000Z`);
      expect(new Date(t - 60_000 + offsetMs(t - 60_000, tz)).toISOString().slice(0, 10) < date).toBe(true);
    }
  });

  it('today is the local day: a 23-hour day on the spring DST change in Paris', () => {
    const r = resolveRange({ preset: 'today' }, { now: dstDay, timeZone: 'Europe/Paris' });
    expect(r).toMatchObject({ from: '2026-03-28T23:00:00.000Z', to: '2026-03-29T22:00:00.000Z', fromDate: '2026-03-29', toDate: '2026-03-29', interval: 'hour' });
  });

  it('each preset covers the expected local days', () => {
    const ctx = { now: Date.UTC(2026, 11, 3, 9), timeZone: 'UTC', since: parseDate('2025-05-10')! };
    const days = (preset: Parameters<typeof resolveRange>[0]['preset']) => {
      const r = resolveRange({ preset }, ctx);
      return [r.fromDate, r.toDate, r.interval];
    };
    expect(days('yesterday')).toEqual(['2026-12-02', '2026-12-02', 'hour']);
    expect(days('7d')).toEqual(['2026-11-27', '2026-12-03', 'day']);
    expect(days('30d')).toEqual(['2026-11-04', '2026-12-03', 'day']);
    expect(days('mtd')).toEqual(['2026-12-01', '2026-12-03', 'day']);
    expect(days('lastmonth')).toEqual(['2026-11-01', '2026-11-30', 'day']);
    expect(days('12mo')).toEqual(['2026-01-01', '2026-12-03', 'month']);
    expect(days('all')).toEqual(['2025-05-10', '2026-12-03', 'month']);
  });

  it('a custom range is inclusive of its last day, reordered if reversed, and clamped to the longest range', () => {
    const ctx = { now: Date.UTC(2026, 11, 3), timeZone: 'America/New_York', maxDays: 800 };
    const r = resolveRange({ preset: 'custom', from: parseDate('2026-11-10')!, to: parseDate('2026-11-01')! }, ctx);
    expect([r.fromDate, r.toDate, r.from, r.to]).toEqual(['2026-11-01', '2026-11-10', '2026-11-01T04:00:00.000Z', '2026-11-11T05:00:00.000Z']);
    const long = resolveRange({ preset: 'custom', from: parseDate('2020-01-01')!, to: parseDate('2026-12-01')! }, ctx);
    expect((Date.parse(long.to) - Date.parse(long.from)) / 86_400_000).toBeCloseTo(800, 0);
  });

  it('keeps a chosen interval only when it suits the range', () => {
    const ctx = { now: Date.UTC(2026, 11, 3), timeZone: 'UTC' };
    expect(resolveRange({ preset: '30d', interval: 'week' }, ctx).interval).toBe('week');
    expect(resolveRange({ preset: '30d', interval: 'minute' }, ctx).interval).toBe('day');
  });

  it('rejects impossible dates', () => {
    expect(parseDate('2026-02-30')).toBeNull();
    expect(parseDate('2026-2-3')).toBeNull();
    expect(parseDate('2028-02-29')).toEqual({ y: 2028, m: 2, d: 29 });
  });

  it('compares with the previous period of the same length, or the same days a year earlier', () => {
    const cur = resolveRange({ preset: '7d' }, { now: Date.UTC(2026, 11, 3), timeZone: 'UTC' });
    expect(comparisonRange('previous', cur, 'UTC')).toMatchObject({ fromDate: '2026-11-20', toDate: '2026-11-26', from: '2026-11-20T00:00:00.000Z', to: '2026-11-27T00:00:00.000Z' });
    expect(comparisonRange('year', cur, 'UTC')).toMatchObject({ fromDate: '2025-11-27', toDate: '2025-12-03' });
    expect(comparisonRange('off', cur, 'UTC')).toBeNull();
    expect(comparisonRange('custom', cur, 'UTC', { from: parseDate('2026-01-05')!, to: parseDate('2026-01-01')! })).toMatchObject({ fromDate: '2026-01-01', toDate: '2026-01-05' });
  });
});
