import { CompressionTypes, Partitioners, type Kafka, type Offsets, type Producer } from 'kafkajs';
import { asDeliveryFailure, DeliveryFailedError, splitBatchesBySize, type DurableProducer } from './producer';
import { createPartitionCounts, sendPerPartition } from './per-partition';

/** What a batch handler produces through: a DurableProducer, or the batch's transaction. */
export type BatchSender = Pick<DurableProducer, 'send' | 'sendBatch'>;

export interface TransactionSender extends BatchSender {
  sendOffsets(offsets: Offsets & { consumerGroupId: string }): Promise<void>;
}

export interface TransactionalSenders {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Runs `fn` in a new transaction; commits when it returns a value, aborts on null or a throw. */
  run<R>(fn: (tx: TransactionSender) => Promise<R | null>): Promise<R | null>;
  /**
   * Resolves once every slot has a connected producer: a replaced slot's new producer id is only
   * handed out after the broker finished the transaction its predecessor left (committed or
   * aborted), so the group's committed offsets are final by then.
   */
  settle(): Promise<void>;
}

/**
 * The commit of a transaction failed without an answer (a coordinator lost mid-request): it may
 * have committed. Retrying the batch blindly would put its output in the topic twice, so the
 * consumer first reads the group's committed offset (see batch-consumer, `settleUncertain`).
 */
export class CommitOutcomeUnknownError extends DeliveryFailedError {
  constructor(cause: unknown) {
    super(cause);
    this.name = 'CommitOutcomeUnknownError';
  }
}

interface Slot {
  producer: Producer;
  /** The connect of a replacement producer, owed until it succeeds. */
  connecting: Promise<void> | null;
}

/**
 * kafkajs runs one transaction at a time per producer, and a consumer works on several
 * partitions at once: one transactional producer per concurrent slot, `<id>-<slot>`. A restart
 * with the same ids fences the previous incarnation and aborts what it left open; new ids leave
 * its open transactions to the broker's timeout (read-committed consumers wait until then).
 *
 * A transaction whose commit or abort failed (its coordinator killed, say) leaves kafkajs's
 * producer in COMMITTING or ABORTING for good: every later `transaction()` throws, and the
 * partitions of that slot would wait forever. Such a slot gets a new producer with the same
 * transactional id; its InitProducerId bumps the epoch once the broker has finished the old
 * transaction, as the Java client's recovery does.
 */
export function createTransactionalSenders(kafka: Kafka, options: { transactionalId: string; transactionTimeoutMs?: number; slots: number }): TransactionalSenders {
  const make = (slot: number) =>
    kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      transactionalId: `${options.transactionalId}-${slot}`,
      transactionTimeout: options.transactionTimeoutMs ?? 60_000,
      allowAutoTopicCreation: true,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
  const partitionCounts = createPartitionCounts(kafka);
  const slots: Slot[] = Array.from({ length: Math.max(1, options.slots) }, (_, i) => ({ producer: make(i), connecting: null }));
  const free = [...slots.keys()];
  const waiting: Array<(slot: number) => void> = [];
  let stopped = false;

  async function acquire(): Promise<number> {
    const slot = free.pop();
    return slot ?? new Promise((resolve) => waiting.push(resolve));
  }
  function release(slot: number): void {
    const next = waiting.shift();
    if (next) next(slot);
    else free.push(slot);
  }
  /** The slot's producer, connected (a replacement's connect is retried here until it succeeds). */
  async function ready(slot: Slot): Promise<Producer> {
    if (slot.connecting) {
      try {
        await slot.connecting;
        slot.connecting = null;
      } catch (err) {
        slot.connecting = slot.producer.connect();
        slot.connecting.catch(() => undefined);
        throw asDeliveryFailure(err);
      }
    }
    return slot.producer;
  }
  /** Throws the old producer away and starts connecting a new one with the same transactional id. */
  async function replace(index: number): Promise<void> {
    const slot = slots[index]!;
    const old = slot.producer;
    slot.producer = make(index);
    await old.disconnect().catch(() => undefined);
    if (stopped) return;
    slot.connecting = slot.producer.connect();
    await ready(slot).catch(() => undefined);
  }
  const kafkaCall = async <T>(call: () => Promise<T>): Promise<T> => {
    try {
      return await call();
    } catch (err) {
      throw asDeliveryFailure(err);
    }
  };

  return {
    async start() {
      stopped = false;
      await Promise.all(slots.map((s) => s.producer.connect()));
    },
    async stop() {
      stopped = true;
      await Promise.all(slots.map((s) => s.producer.disconnect()));
    },
    async settle() {
      for (const slot of slots) await ready(slot);
    },
    async run(fn) {
      const index = await acquire();
      try {
        const producer = await ready(slots[index]!);
        const tx = await kafkaCall(() => producer.transaction());
        const sender: TransactionSender = {
          // One partition per kafkajs call (per-partition.ts): a retry inside kafkajs across several leaders could leave a partition out of the commit, or write it twice.
          async send(topic, messages) {
            for (const request of splitBatchesBySize([{ topic, messages }])) await kafkaCall(() => sendPerPartition(tx, partitionCounts, request, { acks: -1, compression: CompressionTypes.GZIP }));
          },
          async sendBatch(batches) {
            for (const request of splitBatchesBySize(batches)) await kafkaCall(() => sendPerPartition(tx, partitionCounts, request, { acks: -1, compression: CompressionTypes.GZIP }));
          },
          sendOffsets: (offsets) => kafkaCall(() => tx.sendOffsets(offsets)),
        };
        let result: Awaited<ReturnType<typeof fn>>;
        try {
          result = await fn(sender);
        } catch (err) {
          // A failed abort leaves the producer in ABORTING: replaced, and the broker aborts on the new epoch.
          if (tx.isActive() && !(await tx.abort().then(() => true, () => false))) await replace(index);
          throw err;
        }
        if (result === null) {
          if (!(await tx.abort().then(() => true, () => false))) await replace(index);
          return null;
        }
        try {
          await tx.commit();
        } catch (err) {
          await replace(index);
          throw new CommitOutcomeUnknownError(err);
        }
        return result;
      } finally {
        release(index);
      }
    },
  };
}
