import type { RawSource } from './enrich-batch.handler';

/**
 * Which events.raw partitions of a batch need their messages looked up in the ledger before
 * resolution (issue #17 item 1: the probe is one index lookup per event, as much as the insert).
 *
 * A message the ledger holds is either a redelivery of the same raw record (a crash, a
 * rebalance, a replay with a new group: its offset is one this process has not moved past, or
 * the partition is new to it) or a client duplicate (the same messageId again at a later
 * offset). The probe is skipped only for a partition whose batch starts past every offset this
 * process already put in the ledger and whose previous batch found no ledger row: a batch of
 * fresh records. When the guess is wrong (a client duplicate, or another instance that
 * ledgered these offsets without committing them) the ledger insert collides
 * (`ON CONFLICT DO NOTHING` inserts fewer rows), the transaction rolls back and runs again
 * with every message probed: the same answers as always probing, at the cost of one retry.
 */
export class LedgerProbePolicy {
  /** Per partition: the offset after the last batch this process committed, and whether that batch met the ledger. */
  private readonly partitions = new Map<number, { next: bigint; hits: boolean }>();

  /** Whether a batch of `partition` starting at `firstOffset` must be probed. */
  mustProbe(partition: number, firstOffset: string): boolean {
    const seen = this.partitions.get(partition);
    return seen === undefined || seen.hits || BigInt(firstOffset) < seen.next;
  }

  /** After the batch's identity transaction committed: `hits` = it met ledger rows (probed or by collision). */
  committed(partition: number, lastOffset: string, hits: boolean): void {
    const next = BigInt(lastOffset) + 1n;
    const seen = this.partitions.get(partition);
    this.partitions.set(partition, { next: seen && seen.next > next ? seen.next : next, hits });
  }
}

/** First and last offset of each partition in a batch (offsets as kafkajs gives them, decimal strings). */
export function partitionSpans(sources: RawSource[]): Map<number, { first: string; last: string }> {
  const spans = new Map<number, { first: string; last: string }>();
  for (const { partition, offset } of sources) {
    const span = spans.get(partition);
    if (!span) spans.set(partition, { first: offset, last: offset });
    else {
      if (BigInt(offset) < BigInt(span.first)) span.first = offset;
      if (BigInt(offset) > BigInt(span.last)) span.last = offset;
    }
  }
  return spans;
}
