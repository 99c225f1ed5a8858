import { LedgerProbePolicy, partitionSpans } from './ledger-probe.handler';

describe('LedgerProbePolicy', () => {
  it('probes a partition it has not seen, then skips batches that start past what it ledgered', () => {
    const policy = new LedgerProbePolicy();
    expect(policy.mustProbe(3, '100')).toBe(true);
    policy.committed(3, '149', false);
    expect(policy.mustProbe(3, '150')).toBe(false);
    expect(policy.mustProbe(3, '9000')).toBe(false);
    expect(policy.mustProbe(4, '150')).toBe(true);
  });

  it('probes a batch that starts at or before an offset it already ledgered (a redelivery or a replay)', () => {
    const policy = new LedgerProbePolicy();
    policy.committed(0, '149', false);
    expect(policy.mustProbe(0, '149')).toBe(true);
    expect(policy.mustProbe(0, '0')).toBe(true);
    // A replay from the start does not lower the mark: the offsets up to 149 stay known.
    policy.committed(0, '9', false);
    expect(policy.mustProbe(0, '100')).toBe(true);
    expect(policy.mustProbe(0, '150')).toBe(false);
  });

  it('keeps probing while batches meet the ledger (a replay in progress), and stops after one that did not', () => {
    const policy = new LedgerProbePolicy();
    policy.committed(1, '99', true);
    expect(policy.mustProbe(1, '100')).toBe(true);
    policy.committed(1, '199', false);
    expect(policy.mustProbe(1, '200')).toBe(false);
  });

  it('compares offsets as numbers, past 2^53 too', () => {
    const policy = new LedgerProbePolicy();
    policy.committed(0, '9007199254740993', false);
    expect(policy.mustProbe(0, '9007199254740993')).toBe(true);
    expect(policy.mustProbe(0, '9007199254740994')).toBe(false);
    expect(policy.mustProbe(0, '10')).toBe(true);
  });
});

describe('partitionSpans', () => {
  it('gives each partition its lowest and highest offset, by number', () => {
    const spans = partitionSpans([
      { partition: 0, offset: '9' },
      { partition: 1, offset: '100' },
      { partition: 0, offset: '10' },
      { partition: 0, offset: '8' },
    ]);
    expect([...spans]).toEqual([
      [0, { first: '8', last: '10' }],
      [1, { first: '100', last: '100' }],
    ]);
  });
});
