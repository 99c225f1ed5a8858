/**
 * Read-committed consumers must never see a record of an aborted transaction. kafkajs 2.2.4
 * filters them with the fetch response's aborted-transaction list, but reads that list as if it
 * were sorted by first offset and activates at most one entry per record. The broker lists
 * aborted transactions in the order their abort markers were written, so when two producers'
 * aborted transactions overlap (several transactional slots failing on the same lost broker) the
 * first records of one of them reach the consumer: in the cluster test, the records of a
 * fingerprint batch whose transaction was aborted were projected beside those of its retry, and
 * the aggregator's totals counted 17 events twice (the query store dedupes on messageId).
 *
 * The fix does what the Java consumer does (Fetcher, `consumeAbortedTransactionsUpTo`): the list
 * sorted by first offset, every transaction begun at or before a record activated before the
 * record is judged, an abort marker ending its producer's. Aborted records are marked as control
 * records, which kafkajs hides from the batch but still counts for the partition's offsets (a
 * fetch must move past them), and the list is emptied so kafkajs's own filter does nothing more.
 */

/** What the fix reads and changes of a kafkajs fetch response's partition. */
export interface FetchedPartition {
  abortedTransactions?: Array<{ producerId: string; firstOffset: string }>;
  messages: Array<{ offset: string; key: Buffer | null; isControlRecord?: boolean; batchContext?: { producerId: string; inTransaction: boolean } }>;
}

const ABORT_MARKER_KEY = Buffer.from([0, 0, 0, 0]);

/** Marks the partition's records of aborted transactions as control records (hidden); returns how many. Pure. */
export function hideAbortedRecords(partition: FetchedPartition): number {
  const pending = [...(partition.abortedTransactions ?? [])].sort((a, b) => (BigInt(a.firstOffset) < BigInt(b.firstOffset) ? -1 : BigInt(a.firstOffset) > BigInt(b.firstOffset) ? 1 : 0));
  if (pending.length === 0) return 0;
  const aborting = new Set<string>();
  let hidden = 0;
  for (const message of partition.messages) {
    const offset = BigInt(message.offset);
    while (pending.length > 0 && BigInt(pending[0]!.firstOffset) <= offset) aborting.add(pending.shift()!.producerId);
    const context = message.batchContext;
    if (!context) continue;
    if (message.isControlRecord) {
      if (message.key && Buffer.from(message.key).equals(ABORT_MARKER_KEY)) aborting.delete(context.producerId);
    } else if (context.inTransaction && aborting.has(context.producerId)) {
      message.isControlRecord = true;
      hidden++;
    }
  }
  partition.abortedTransactions = [];
  return hidden;
}

let installed = false;

/**
 * Applies `hideAbortedRecords` to every fetch response of every kafkajs client in the process
 * (kafkajs's Broker class, the one its consumers fetch through). Idempotent.
 */
export function installAbortedRecordsFix(): void {
  if (installed) return;
  installed = true;
  // kafkajs has no hook for this: its Broker class, from the same module instance its consumers use.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const Broker = require('kafkajs/src/broker') as { prototype: { fetch: (...args: unknown[]) => Promise<{ responses: Array<{ partitions: FetchedPartition[] }> }> } };
  const fetch = Broker.prototype.fetch;
  Broker.prototype.fetch = async function fetchWithoutAborted(this: unknown, ...args: unknown[]) {
    const response = await fetch.apply(this, args);
    for (const topic of response.responses ?? []) for (const partition of topic.partitions ?? []) hideAbortedRecords(partition);
    return response;
  };
}
