/**
 * What this process knows of each partition it consumes, beyond what the group tells it.
 *
 * After kafkajs restarts a consumer (a crash on a lost broker) or the group rebalances, the
 * consumer starts from the group's committed offsets. An offset committed inside a Kafka
 * transaction becomes visible there only once the broker has written the transaction's markers,
 * which lags behind the commit's answer (more so while a partition leader is being moved), and
 * kafkajs's OffsetFetch cannot ask for stable offsets: the batch just committed can be read
 * again, and its output produced a second time (the cluster test counted 32 events twice that
 * way). The consumer therefore skips what this process itself committed, and runs one batch of a
 * partition at a time even across a restart, so a batch still finishing in the old run is done
 * before the new run decides what to skip.
 */
export interface PartitionProgress {
  /** Runs `fn` after every earlier `exclusive` run of the same partition has ended. */
  exclusive<R>(partition: string, fn: () => Promise<R>): Promise<R>;
  /** Records that the offsets before `nextOffset` are committed (kept as the highest seen). */
  committed(partition: string, nextOffset: string): void;
  /** The messages at or past what this process committed for the partition. */
  uncommitted<M extends { offset: string }>(partition: string, messages: M[]): M[];
}

export function createPartitionProgress(): PartitionProgress {
  const done = new Map<string, bigint>();
  const running = new Map<string, Promise<unknown>>();
  return {
    async exclusive(partition, fn) {
      const before = running.get(partition);
      const mine = (before ?? Promise.resolve()).catch(() => undefined).then(fn);
      const tail = mine.catch(() => undefined);
      running.set(partition, tail);
      try {
        return await mine;
      } finally {
        if (running.get(partition) === tail) running.delete(partition);
      }
    },
    committed(partition, nextOffset) {
      const next = BigInt(nextOffset);
      if (next > (done.get(partition) ?? -1n)) done.set(partition, next);
    },
    uncommitted(partition, messages) {
      const next = done.get(partition);
      return next === undefined ? messages : messages.filter((m) => BigInt(m.offset) >= next);
    },
  };
}
