import { defaultInterval, mergeSeries } from './overview.assembly';

describe('overview assembly', () => {
  it('puts each session bucket in the chart point it starts in, the first one at the range start', () => {
    const points = [
      { start: '2026-11-10T06:00:00.000Z', count: 3 },
      { start: '2026-11-11T00:00:00.000Z', count: 4 },
      { start: '2026-11-12T00:00:00.000Z', count: 0 },
    ];
    const bucket = (start: string, visits: number) => ({ start, visits, pageviews: 2 * visits, bounces: 0, durationSeconds: 0 });
    expect(mergeSeries(points, [bucket('2026-11-10T00:00:00.000Z', 2), bucket('2026-11-11T00:00:00.000Z', 5)])).toEqual([
      { start: '2026-11-10T06:00:00.000Z', visitors: 3, visits: 2, pageviews: 4 },
      { start: '2026-11-11T00:00:00.000Z', visitors: 4, visits: 5, pageviews: 10 },
      { start: '2026-11-12T00:00:00.000Z', visitors: 0, visits: 0, pageviews: 0 },
    ]);
  });

  it('chooses hours for a recent short range, days, then months', () => {
    const now = Date.parse('2026-12-03T12:00:00Z');
    expect(defaultInterval('2026-12-02T00:00:00Z', '2026-12-04T00:00:00Z', now)).toBe('hour');
    expect(defaultInterval('2026-09-02T00:00:00Z', '2026-09-03T00:00:00Z', now)).toBe('day');
    expect(defaultInterval('2026-09-01T00:00:00Z', '2026-12-01T00:00:00Z', now)).toBe('day');
    expect(defaultInterval('2026-01-01T00:00:00Z', '2026-12-01T00:00:00Z', now)).toBe('month');
  });
});
