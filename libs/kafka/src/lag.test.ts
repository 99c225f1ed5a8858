import { lagOf, lagSettingsFromEnv, observe, stuckOf, type PartitionWatch } from './lag';

describe('lagOf', () => {
  it('is the high watermark minus the committed offset, per partition', () => {
    const offsets = [
      { partition: 1, high: '100', low: '0' },
      { partition: 0, high: '50', low: '0' },
    ];
    expect(lagOf('t', offsets, [{ partition: 0, offset: '20' }, { partition: 1, offset: '100' }])).toEqual([
      { topic: 't', partition: 0, high: '50', committed: '20', lag: 30 },
      { topic: 't', partition: 1, high: '100', committed: '100', lag: 0 },
    ]);
  });

  it('counts from the oldest record kept without a commit, or when retention passed the commit', () => {
    expect(lagOf('t', [{ partition: 0, high: '500', low: '200' }], [{ partition: 0, offset: '-1' }])).toEqual([{ topic: 't', partition: 0, high: '500', committed: null, lag: 300 }]);
    expect(lagOf('t', [{ partition: 0, high: '500', low: '200' }], [])[0]!.lag).toBe(300);
    expect(lagOf('t', [{ partition: 0, high: '500', low: '200' }], [{ partition: 0, offset: '150' }])[0]!.lag).toBe(300);
  });
});

describe('stuck detection', () => {
  const at = (committed: string | null, lag: number) => [{ topic: 't', partition: 0, high: '0', committed, lag }];
  const STUCK = 60_000;

  it('is stuck when records wait and the commit does not move for the configured time', () => {
    let watch = observe(new Map(), at('10', 5), 0);
    expect(stuckOf(watch, at('10', 5), 59_999, STUCK)).toEqual([]);
    watch = observe(watch, at('10', 8), 30_000);
    expect(stuckOf(watch, at('10', 8), 60_000, STUCK)).toEqual([{ topic: 't', partition: 0, high: '0', committed: '10', lag: 8, stuckForMs: 60_000 }]);
  });

  it('starts over when the commit moves', () => {
    let watch = observe(new Map(), at('10', 5), 0);
    watch = observe(watch, at('12', 5), 50_000);
    expect(stuckOf(watch, at('12', 5), 100_000, STUCK)).toEqual([]);
    expect(stuckOf(watch, at('12', 5), 110_000, STUCK)).toHaveLength(1);
  });

  it('is never stuck while caught up, and the wait starts when records start waiting', () => {
    let watch: Map<string, PartitionWatch> = observe(new Map(), at('10', 0), 0);
    expect(stuckOf(watch, at('10', 0), 1_000_000, STUCK)).toEqual([]);
    watch = observe(watch, at('10', 3), 1_000_000);
    expect(stuckOf(watch, at('10', 3), 1_059_999, STUCK)).toEqual([]);
    expect(stuckOf(watch, at('10', 3), 1_060_000, STUCK)).toHaveLength(1);
  });

  it('judges only the partitions of this process when given, and not at all with 0', () => {
    const watch = observe(new Map(), at('10', 5), 0);
    expect(stuckOf(watch, at('10', 5), 100_000, STUCK, new Set(['t:1']))).toEqual([]);
    expect(stuckOf(watch, at('10', 5), 100_000, STUCK, new Set(['t:0']))).toHaveLength(1);
    expect(stuckOf(watch, at('10', 5), 100_000, 0)).toEqual([]);
  });
});

describe('lagSettingsFromEnv', () => {
  it('has defaults and reads both settings', () => {
    expect(lagSettingsFromEnv({})).toEqual({ intervalMs: 15_000, stuckAfterMs: 120_000 });
    expect(lagSettingsFromEnv({ CONSUMER_LAG_INTERVAL_MS: '500', CONSUMER_STUCK_AFTER_MS: '0' })).toEqual({ intervalMs: 500, stuckAfterMs: 0 });
  });

  it('names the variable and the rule of a bad value', () => {
    expect(() => lagSettingsFromEnv({ CONSUMER_STUCK_AFTER_MS: 'soon' })).toThrow('CONSUMER_STUCK_AFTER_MS: must be an integer from 0 to 86400000 (milliseconds), got "soon"');
    expect(() => lagSettingsFromEnv({ CONSUMER_LAG_INTERVAL_MS: '10' })).toThrow(/CONSUMER_LAG_INTERVAL_MS/);
  });
});
