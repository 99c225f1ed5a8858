import { alignRange, defaultSettings, finestKept, seriesPieces } from './range.handler';

const now = Date.UTC(2026, 10, 25, 12, 0, 30);
const DAY = 86_400_000;

describe('range alignment', () => {
  it('keeps minute edges while minute buckets live, then hours, then days', () => {
    expect(finestKept(now - DAY, defaultSettings, now)).toBe('minute');
    expect(finestKept(now - 10 * DAY, defaultSettings, now)).toBe('hour');
    expect(finestKept(now - 100 * DAY, defaultSettings, now)).toBe('day');
  });

  it('rounds outwards to kept granularities', () => {
    const range = alignRange(now - 100 * DAY, now - 5_000, defaultSettings, now);
    expect(new Date(range.fromMs).toISOString()).toBe('2026-08-17T00:00:00.000Z');
    expect(new Date(range.toMs).toISOString()).toBe('2026-11-25T12:01:00.000Z');
  });

  it('aligns in the project time zone', () => {
    const settings = { ...defaultSettings, timeZone: 'America/New_York' };
    const range = alignRange(Date.UTC(2026, 0, 1, 5), Date.UTC(2026, 0, 2, 5), settings, Date.UTC(2026, 11, 1));
    expect(new Date(range.fromMs).toISOString()).toBe('2026-01-01T00:00:00.000Z');
    expect(new Date(range.toMs).toISOString()).toBe('2026-01-02T00:00:00.000Z');
  });

  it('series pieces are clipped to the range and report UTC starts', () => {
    const settings = { ...defaultSettings, timeZone: 'Europe/Paris' };
    // 29 March 2026 is the 23-hour day of the switch to summer time.
    const range = { fromMs: Date.UTC(2026, 2, 28, 12), toMs: Date.UTC(2026, 2, 30) };
    const pieces = seriesPieces(range, 'day', settings.timeZone, 10);
    expect(pieces.map((p) => p.start)).toEqual(['2026-03-28T11:00:00.000Z', '2026-03-28T23:00:00.000Z']);
    expect(() => seriesPieces(range, 'minute', 'UTC', 10)).toThrow(RangeError);
  });
});
