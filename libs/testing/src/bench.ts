import type { Kafka } from 'kafkajs';
import type { DurableProducer, OutgoingMessage } from '@sightline/kafka';

/** Command-line options of the benchmark scripts: `--name value` numbers and `--flag` switches. */
export function benchArgs(argv: string[] = process.argv.slice(2)) {
  return {
    number(name: string, fallback: number): number {
      const i = argv.indexOf(`--${name}`);
      return i >= 0 ? Number(argv[i + 1]) : fallback;
    },
    string(name: string): string | undefined {
      const i = argv.indexOf(`--${name}`);
      return i >= 0 ? argv[i + 1] : undefined;
    },
    flag(name: string): boolean {
      return argv.includes(`--${name}`);
    },
    /** `--quick` or BENCH_QUICK=1: the smaller sizes, for a smoke run. */
    quick: argv.includes('--quick') || process.env.BENCH_QUICK === '1',
  };
}

/** Sends messages to a topic 5,000 at a time (bounded memory for million-event pre-fills); returns how many. */
export async function prefill(producer: DurableProducer, topic: string, messages: Iterable<OutgoingMessage>): Promise<number> {
  let sent = 0;
  let chunk: OutgoingMessage[] = [];
  for (const message of messages) {
    chunk.push(message);
    sent++;
    if (chunk.length === 5000) {
      await producer.send(topic, chunk);
      chunk = [];
    }
  }
  if (chunk.length) await producer.send(topic, chunk);
  return sent;
}

export interface CommitRates {
  /** From `startedAt` (group join included) to the last commit. */
  overall: number;
  /** From the first commit to the last. */
  fromFirstCommit: number;
  /** From the first commit past a tenth of the records to the last: neither the join nor the first (largest) fetch is in it. */
  steady: number;
  seconds: number;
}

/**
 * Follows a consumer group's committed offsets on a topic (a projection commits after its
 * writes are durable) until they cover `total` records, and returns the rates in records/s.
 * Cheap to poll, unlike counting the projection's own store beside the writes it measures.
 */
export async function followCommits(kafka: Kafka, groupId: string, topic: string, total: number, startedAt: number): Promise<CommitRates> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    let first = 0;
    let tenth: { at: number; n: number } | null = null;
    for (;;) {
      const [entry] = await admin.fetchOffsets({ groupId, topics: [topic] });
      const n = entry!.partitions.reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
      if (n > 0 && !first) first = Date.now();
      if (n >= total / 10 && !tenth) tenth = { at: Date.now(), n };
      if (n >= total) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const done = Date.now();
    const rate = (count: number, since: number) => Math.round(count / (Math.max(1, done - since) / 1000));
    return {
      overall: rate(total, startedAt),
      fromFirstCommit: rate(total, first),
      steady: tenth && tenth.n < total ? rate(total - tenth.n, tenth.at) : rate(total, first),
      seconds: (done - startedAt) / 1000,
    };
  } finally {
    await admin.disconnect();
  }
}

/** The named variables that are set in this process's environment, to pass on to a service the benchmark starts. */
export function envSettings(names: string[]): Record<string, string> {
  return Object.fromEntries(names.flatMap((name) => (process.env[name] ? [[name, process.env[name]!]] : [])));
}
