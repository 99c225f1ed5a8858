import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import type { Logger } from '@sightline/telemetry';
import { fetchTopicOffsets } from './client';

export interface TopicTable<V> {
  /** Resolves once the table holds everything the topic had when `start` was called. */
  start(): Promise<void>;
  stop(): Promise<void>;
  get(key: string): V | undefined;
  values(): IterableIterator<V>;
  size(): number;
  /** Called for each change after the value is stored (null on delete). */
  onChange(listener: (key: string, value: V | null) => void): void;
}

export interface TopicTableOptions<V> {
  kafka: Kafka;
  topic: string;
  /** Parses a record's value; return null to ignore a record that does not validate. */
  parse(value: unknown): V | null;
  logger: Logger;
  groupPrefix: string;
}

/**
 * A compacted topic read from offset 0 into memory: the projects table every service keeps.
 * Each process reads with its own throw-away group and never commits, so every start
 * rebuilds the whole table.
 */
export function createTopicTable<V>(options: TopicTableOptions<V>): TopicTable<V> {
  const table = new Map<string, V>();
  const listeners: Array<(key: string, value: V | null) => void> = [];
  const groupId = `${options.groupPrefix}-table-${randomUUID()}`;
  const consumer = options.kafka.consumer({ groupId, maxWaitTimeInMs: 100, allowAutoTopicCreation: true });
  const log = options.logger.child({ table: options.topic });

  return {
    async start() {
      const offsets = await fetchTopicOffsets(options.kafka, options.topic);
      const pending = new Map(offsets.filter((o) => BigInt(o.high) > BigInt(o.low)).map((o) => [o.partition, BigInt(o.high) - 1n]));
      let markReady: () => void = () => undefined;
      const ready = new Promise<void>((resolve) => {
        markReady = resolve;
      });
      if (pending.size === 0) markReady();

      await consumer.connect();
      await consumer.subscribe({ topic: options.topic, fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachMessage: async ({ partition, message }) => {
          const key = message.key?.toString('utf8');
          if (key) {
            let value: V | null = null;
            if (message.value) {
              try {
                value = options.parse(JSON.parse(message.value.toString('utf8')));
              } catch (err) {
                log.warn({ err, key }, 'table_record_invalid');
              }
              if (value === null) log.warn({ key, offset: message.offset }, 'table_record_ignored');
            }
            if (message.value === null) table.delete(key);
            else if (value !== null) table.set(key, value);
            if (message.value === null || value !== null) for (const listener of listeners) listener(key, message.value === null ? null : value);
          }
          const target = pending.get(partition);
          if (target !== undefined && BigInt(message.offset) >= target) {
            pending.delete(partition);
            if (pending.size === 0) markReady();
          }
        },
      });
      await ready;
      log.info({ size: table.size }, 'table_loaded');
    },
    async stop() {
      await consumer.disconnect();
      const cleanup = options.kafka.admin();
      await cleanup.connect();
      await cleanup.deleteGroups([groupId]).catch(() => undefined);
      await cleanup.disconnect();
    },
    get: (key) => table.get(key),
    values: () => table.values(),
    size: () => table.size,
    onChange(listener) {
      listeners.push(listener);
    },
  };
}
