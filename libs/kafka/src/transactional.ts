import { CompressionTypes, Partitioners, type Kafka, type Offsets, type Producer } from 'kafkajs';
import { splitBatchesBySize, type DurableProducer } from './producer';

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
}

/**
 * kafkajs runs one transaction at a time per producer, and a consumer works on several
 * partitions at once: one transactional producer per concurrent slot, `<id>-<slot>`. A restart
 * with the same ids fences the previous incarnation and aborts what it left open; new ids leave
 * its open transactions to the broker's timeout (read-committed consumers wait until then).
 */
export function createTransactionalSenders(kafka: Kafka, options: { transactionalId: string; transactionTimeoutMs?: number; slots: number }): TransactionalSenders {
  const producers: Producer[] = Array.from({ length: Math.max(1, options.slots) }, (_, slot) =>
    kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      transactionalId: `${options.transactionalId}-${slot}`,
      transactionTimeout: options.transactionTimeoutMs ?? 60_000,
      allowAutoTopicCreation: true,
      createPartitioner: Partitioners.DefaultPartitioner,
    }),
  );
  const free = [...producers];
  const waiting: Array<(p: Producer) => void> = [];

  async function acquire(): Promise<Producer> {
    const producer = free.pop();
    return producer ?? new Promise((resolve) => waiting.push(resolve));
  }
  function release(producer: Producer): void {
    const next = waiting.shift();
    if (next) next(producer);
    else free.push(producer);
  }

  return {
    async start() {
      await Promise.all(producers.map((p) => p.connect()));
    },
    async stop() {
      await Promise.all(producers.map((p) => p.disconnect()));
    },
    async run(fn) {
      const producer = await acquire();
      try {
        const tx = await producer.transaction();
        const sender: TransactionSender = {
          async send(topic, messages) {
            for (const [run] of splitBatchesBySize([{ topic, messages }])) await tx.send({ topic, acks: -1, compression: CompressionTypes.GZIP, messages: run!.messages });
          },
          async sendBatch(batches) {
            for (const topicMessages of splitBatchesBySize(batches)) await tx.sendBatch({ acks: -1, compression: CompressionTypes.GZIP, topicMessages });
          },
          sendOffsets: (offsets) => tx.sendOffsets(offsets),
        };
        try {
          const result = await fn(sender);
          if (result === null) await tx.abort();
          else await tx.commit();
          return result;
        } catch (err) {
          if (tx.isActive()) await tx.abort().catch(() => undefined);
          throw err;
        }
      } finally {
        release(producer);
      }
    },
  };
}
