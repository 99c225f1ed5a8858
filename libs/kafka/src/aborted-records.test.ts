import { hideAbortedRecords, type FetchedPartition } from './aborted-records';

const COMMIT = Buffer.from([0, 0, 0, 1]);
const ABORT = Buffer.from([0, 0, 0, 0]);
type Row = [offset: number, producerId: string, kind: 'data' | 'abort' | 'commit' | 'plain'];

/** A fetched partition from rows in offset order; `aborted` as the broker lists them (by abort marker). */
function partition(rows: Row[], aborted: Array<[producerId: string, firstOffset: number]>): FetchedPartition {
  return {
    abortedTransactions: aborted.map(([producerId, firstOffset]) => ({ producerId, firstOffset: String(firstOffset) })),
    messages: rows.map(([offset, producerId, kind]) => ({
      offset: String(offset),
      key: kind === 'abort' ? ABORT : kind === 'commit' ? COMMIT : Buffer.from(`k${offset}`),
      isControlRecord: kind === 'abort' || kind === 'commit',
      batchContext: { producerId, inTransaction: kind !== 'plain' },
    })),
  };
}
const visible = (p: FetchedPartition) => p.messages.filter((m) => !m.isControlRecord).map((m) => Number(m.offset));

describe('hideAbortedRecords', () => {
  it('hides both of two overlapping aborted transactions, listed in marker order (the leak kafkajs 2.2.4 has)', () => {
    // A: 100, 101, 106 aborted at 108; B: 102, 103 aborted at 104; C: 105, 107 committed at 109.
    const p = partition(
      [[100, 'A', 'data'], [101, 'A', 'data'], [102, 'B', 'data'], [103, 'B', 'data'], [104, 'B', 'abort'], [105, 'C', 'data'], [106, 'A', 'data'], [107, 'C', 'data'], [108, 'A', 'abort'], [109, 'C', 'commit']],
      [['B', 102], ['A', 100]],
    );
    // kafkajs 2.2.4's own filter lets A's first two records through: the reason for hideAbortedRecords.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const kafkajsFilter = require('kafkajs/src/consumer/filterAbortedMessages') as (input: { messages: FetchedPartition['messages']; abortedTransactions: FetchedPartition['abortedTransactions'] }) => FetchedPartition['messages'];
    const passed = kafkajsFilter({ messages: p.messages, abortedTransactions: p.abortedTransactions }).filter((m) => !m.isControlRecord);
    expect(passed.map((m) => Number(m.offset))).toEqual([100, 101, 105, 107]);
    expect(hideAbortedRecords(p)).toBe(5);
    expect(visible(p)).toEqual([105, 107]);
    expect(p.abortedTransactions).toEqual([]);
  });

  it('activates every transaction begun before the fetch at its first record, and keeps a producer\'s later committed transaction', () => {
    // Fetched from 110: A and B both began before it; A commits a new transaction after its abort.
    const p = partition(
      [[110, 'B', 'data'], [111, 'A', 'data'], [112, 'A', 'abort'], [113, 'B', 'abort'], [114, 'A', 'data'], [115, 'A', 'commit'], [116, 'X', 'plain']],
      [['A', 90], ['B', 95]],
    );
    hideAbortedRecords(p);
    expect(visible(p)).toEqual([114, 116]);
  });

  it('leaves a partition with no aborted transaction as it is', () => {
    const p = partition([[0, 'A', 'data'], [1, 'A', 'commit'], [2, 'P', 'plain']], []);
    expect(hideAbortedRecords(p)).toBe(0);
    expect(visible(p)).toEqual([0, 2]);
  });
});
