import type { Admin, Kafka } from 'kafkajs';
import { gauge, type Logger } from '@sightline/telemetry';

/** One partition of a group: how far its committed offset is behind the topic's end. */
export interface PartitionLag {
  topic: string;
  partition: number;
  /** The high watermark: the offset the next record will get. */
  high: string;
  /** The group's committed offset; null when it never committed (it starts at `low`, the oldest record kept). */
  committed: string | null;
  /** high − committed (high − low without a commit): records not yet handled. */
  lag: number;
}

/**
 * Lag of every partition of `topic` from its offsets and the group's committed ones (pure).
 * A committed offset below the oldest record kept (retention deleted what it had not read)
 * counts from the oldest record: that is where the consumer will resume.
 */
export function lagOf(topic: string, offsets: Array<{ partition: number; high: string; low: string }>, committed: Array<{ partition: number; offset: string }>): PartitionLag[] {
  const byPartition = new Map(committed.map((c) => [c.partition, c.offset]));
  return offsets
    .map((o) => {
      const c = byPartition.get(o.partition);
      const has = c !== undefined && BigInt(c) >= 0n;
      const from = has ? (BigInt(c) > BigInt(o.low) ? BigInt(c) : BigInt(o.low)) : BigInt(o.low);
      const lag = BigInt(o.high) - from;
      return { topic, partition: o.partition, high: o.high, committed: has ? c : null, lag: Number(lag > 0n ? lag : 0n) };
    })
    .sort((a, b) => a.partition - b.partition);
}

/** What the monitor remembers of a partition between polls. */
export interface PartitionWatch {
  committed: string | null;
  lag: number;
  /** Since when records have been waiting behind this committed offset. */
  since: number;
}

const keyOf = (p: { topic: string; partition: number }) => `${p.topic}:${p.partition}`;

/**
 * The watch after one poll (pure). The clock of a partition starts over when its committed
 * offset moved, or when records start waiting after it was caught up.
 */
export function observe(previous: ReadonlyMap<string, PartitionWatch>, lags: PartitionLag[], now: number): Map<string, PartitionWatch> {
  const next = new Map<string, PartitionWatch>();
  for (const p of lags) {
    const before = previous.get(keyOf(p));
    const waitingSince = before && before.committed === p.committed && before.lag > 0 ? before.since : now;
    next.set(keyOf(p), { committed: p.committed, lag: p.lag, since: waitingSince });
  }
  return next;
}

/**
 * Stuck partitions (pure): records waiting (lag > 0) and no commit for `stuckAfterMs`. Without
 * a commit the lag cannot shrink, so this is "lag not going down". Only partitions in `scope`
 * when given (the ones this process consumes). `stuckAfterMs` 0 turns the check off.
 */
export function stuckOf(watch: ReadonlyMap<string, PartitionWatch>, lags: PartitionLag[], now: number, stuckAfterMs: number, scope?: ReadonlySet<string>): Array<PartitionLag & { stuckForMs: number }> {
  if (stuckAfterMs <= 0) return [];
  return lags.flatMap((p) => {
    const w = watch.get(keyOf(p));
    if (!w || p.lag === 0 || (scope && !scope.has(keyOf(p)))) return [];
    const stuckForMs = now - w.since;
    return stuckForMs >= stuckAfterMs ? [{ ...p, stuckForMs }] : [];
  });
}

export interface LagSettings {
  /** How often the lag is read (two admin requests per topic set). */
  intervalMs: number;
  /** Records waiting and no commit for this long: /readyz says the consumer is stuck (0: never). */
  stuckAfterMs: number;
}

export const DEFAULT_LAG_SETTINGS: LagSettings = Object.freeze({ intervalMs: 15_000, stuckAfterMs: 120_000 });

/** CONSUMER_LAG_INTERVAL_MS and CONSUMER_STUCK_AFTER_MS, with a clear error for a bad value. */
export function lagSettingsFromEnv(env: Record<string, string | undefined> = process.env): LagSettings {
  const read = (name: string, fallback: number, min: number, max: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) throw new Error(`${name}: must be an integer from ${min} to ${max} (milliseconds), got ${JSON.stringify(raw)}`);
    return value;
  };
  return {
    intervalMs: read('CONSUMER_LAG_INTERVAL_MS', DEFAULT_LAG_SETTINGS.intervalMs, 100, 600_000),
    stuckAfterMs: read('CONSUMER_STUCK_AFTER_MS', DEFAULT_LAG_SETTINGS.stuckAfterMs, 0, 86_400_000),
  };
}

/** A group's committed offsets and the topics' ends, read with one admin client. */
export async function readGroupLag(admin: Admin, groupId: string, topics: string[]): Promise<PartitionLag[]> {
  const committed = await admin.fetchOffsets({ groupId, topics });
  const out: PartitionLag[] = [];
  for (const topic of topics) {
    const offsets = await admin.fetchTopicOffsets(topic);
    out.push(...lagOf(topic, offsets, committed.find((c) => c.topic === topic)?.partitions ?? []));
  }
  return out;
}

const lagGauge = gauge<'group' | 'topic' | 'partition'>({
  name: 'sightline_consumer_lag',
  help: 'Records of a partition not yet committed by the consumer group (high watermark minus committed offset).',
  labelNames: ['group', 'topic', 'partition'],
});
const commitAgeGauge = gauge<'group' | 'topic' | 'partition'>({
  name: 'sightline_consumer_seconds_since_commit',
  help: 'Seconds the partition has had records waiting without its committed offset moving (0 while caught up).',
  labelNames: ['group', 'topic', 'partition'],
});
const stuckGauge = gauge<'group'>({
  name: 'sightline_consumer_stuck_partitions',
  help: 'Partitions consumed by this process with records waiting and no commit for CONSUMER_STUCK_AFTER_MS.',
  labelNames: ['group'],
});

export interface LagMonitorOptions {
  kafka: Kafka;
  groupId: string;
  topics: string[];
  settings: LagSettings;
  logger: Logger;
  /** The partitions this process consumes, by topic (BatchConsumer.assignment); stuck is judged on these only. */
  assignment?: () => Record<string, number[]>;
  now?: () => number;
}

export interface LagMonitor {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Reads the lag now, updates the gauges and the stuck watch. */
  poll(): Promise<PartitionLag[]>;
  /** The last poll's lag (empty before the first). */
  current(): PartitionLag[];
  /** For /readyz: not ready, with the reason, while a partition of this process is stuck. */
  readiness(): { ready: boolean; reason?: string };
}

/**
 * Reads a group's lag on an interval into Prometheus gauges, and says whether the partitions
 * this process consumes are stuck. Group-wide figures: every instance reports the same lag, so
 * aggregate with max, not sum. A failed read keeps the last figures (Kafka health is /readyz's
 * consumer check).
 */
export function createLagMonitor(options: LagMonitorOptions): LagMonitor {
  const now = options.now ?? Date.now;
  const admin = options.kafka.admin();
  const log = options.logger.child({ group: options.groupId, component: 'lag' });
  let watch = new Map<string, PartitionWatch>();
  let last: PartitionLag[] = [];
  let timer: NodeJS.Timeout | undefined;
  let connected = false;

  function scope(): Set<string> | undefined {
    const assigned = options.assignment?.();
    if (!assigned) return undefined;
    return new Set(Object.entries(assigned).flatMap(([topic, partitions]) => partitions.map((partition) => `${topic}:${partition}`)));
  }

  const monitor: LagMonitor = {
    async start() {
      // A broker that does not answer now must not stop the service: the next poll connects.
      await monitor.poll().catch((err) => log.warn({ err }, 'lag_read_failed'));
      let polling = false; // a slow broker: skip a tick rather than pile requests up
      timer = setInterval(() => {
        if (polling) return;
        polling = true;
        monitor
          .poll()
          .catch((err) => log.warn({ err }, 'lag_read_failed'))
          .finally(() => (polling = false));
      }, options.settings.intervalMs);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      if (connected) await admin.disconnect();
      connected = false;
    },
    async poll() {
      if (!connected) {
        await admin.connect();
        connected = true;
      }
      const lags = await readGroupLag(admin, options.groupId, options.topics);
      const at = now();
      watch = observe(watch, lags, at);
      last = lags;
      for (const p of lags) {
        const labels = { group: options.groupId, topic: p.topic, partition: String(p.partition) };
        lagGauge.set(labels, p.lag);
        commitAgeGauge.set(labels, p.lag > 0 ? Math.round((at - watch.get(keyOf(p))!.since) / 1000) : 0);
      }
      stuckGauge.set({ group: options.groupId }, stuckOf(watch, lags, at, options.settings.stuckAfterMs, scope()).length);
      return lags;
    },
    current: () => last,
    readiness() {
      const stuck = stuckOf(watch, last, now(), options.settings.stuckAfterMs, scope());
      if (stuck.length === 0) return { ready: true };
      const list = stuck.map((p) => `${p.topic}[${p.partition}] lag ${p.lag}, no commit for ${Math.round(p.stuckForMs / 1000)} s`).join('; ');
      return { ready: false, reason: `consumer stuck: ${list}` };
    },
  };
  return monitor;
}

/** The partitions of several consumers of one process, by topic (for `assignment`). */
export function assignmentOf(consumers: Array<{ assignment(): Record<string, number[]> }>): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const consumer of consumers) for (const [topic, partitions] of Object.entries(consumer.assignment())) (out[topic] ??= []).push(...partitions);
  return out;
}
