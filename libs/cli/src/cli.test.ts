import { parseArgs, integer, time, allowOnly, UsageError } from './args';
import { formatDuration, formatProgress } from './progress';
import { startOffsets } from './replay.command';
import { formatTable } from './table';

describe('sightline CLI pure parts', () => {
  it('parses positionals, options and flags', () => {
    const args = parseArgs(['dlq', 'redrive', '--reason', 'TypeError', '--topic=ns.events.raw.v1', '--dry-run']);
    expect(args).toEqual({ positionals: ['dlq', 'redrive'], options: { reason: 'TypeError', topic: 'ns.events.raw.v1', 'dry-run': true } });
  });

  it('says which option is wrong and why', () => {
    expect(() => parseArgs(['dlq', 'redrive', '--reason'])).toThrow(new UsageError('--reason needs a value'));
    expect(() => integer(parseArgs(['--from-offset', '-3']), 'from-offset')).toThrow('--from-offset must be a non-negative integer, got "-3"');
    expect(() => integer(parseArgs(['--from-offset', 'x']), 'from-offset')).toThrow('--from-offset must be a non-negative integer, got "x"');
    expect(() => time(parseArgs(['--from-time', 'yesterday']), 'from-time')).toThrow(/--from-time must be an ISO-8601 time/);
    expect(time(parseArgs(['--from-time', '2026-12-01T00:00:00Z']), 'from-time')).toBe(Date.UTC(2026, 11, 1));
    expect(() => allowOnly(parseArgs(['--reasn', 'x']), ['reason'])).toThrow('unknown option --reasn');
  });

  it('draws progress with rate and ETA', () => {
    expect(formatProgress(250, 1000, 5000, 8)).toBe('[##------]  25% 250/1,000 · 50/s · ETA 15s');
    expect(formatProgress(1000, 1000, 5000, 8)).toBe('[########] 100% 1,000/1,000 · 200/s · done');
    expect(formatProgress(0, 0, 0, 4)).toBe('[####] 100% 0/0 · 0/s · done');
    expect([59_000, 61_000, 3_600_000 * 2.5, 86_400_000 * 7].map(formatDuration)).toEqual(['59s', '1m01s', '2h30m', '7d']);
  });

  it('starts a replay at N within what each partition keeps, or at the offset of a time (the end when none is that late)', () => {
    const offsets = [
      { partition: 0, low: '0', high: '100' },
      { partition: 1, low: '40', high: '60' },
      { partition: 2, low: '0', high: '5' },
    ];
    expect(startOffsets(offsets, { offset: 10 })).toEqual([
      { partition: 0, offset: '10' },
      { partition: 1, offset: '40' },
      { partition: 2, offset: '5' },
    ]);
    expect(startOffsets(offsets, {})).toEqual([
      { partition: 0, offset: '0' },
      { partition: 1, offset: '40' },
      { partition: 2, offset: '0' },
    ]);
    expect(startOffsets(offsets, { byTime: new Map([[0, '70'], [1, '-1']]) })).toEqual([
      { partition: 0, offset: '70' },
      { partition: 1, offset: '60' },
      { partition: 2, offset: '5' },
    ]);
  });

  it('aligns a table, numbers to the right', () => {
    expect(formatTable(['group', 'lag'], [['a', 5], ['bbb', 120]])).toBe('group  lag\na        5\nbbb    120');
  });
});
