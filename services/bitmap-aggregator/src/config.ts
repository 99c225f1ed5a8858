import { z } from 'zod';
import { consumerPiece, defineConfig, env, httpPiece, kafkaPiece, redisPiece, runtimePiece, telemetryPiece } from '@sightline/config';

export const config = defineConfig({
  ...runtimePiece,
  ...kafkaPiece,
  ...consumerPiece,
  ...redisPiece,
  ...httpPiece(8083),
  ...telemetryPiece,
  /** Events per partition fetch: bigger batches mean fewer, larger Lua scripts. */
  MAX_BYTES_PER_PARTITION: z.coerce.number().int().min(65536).default(4 * 1024 * 1024),
  /**
   * Trait keys that become bitmap dimensions (csv). Unset = every scalar trait; set it when
   * products send high-cardinality traits (email, name, ids), which would cost keys per visitor.
   */
  BITMAP_TRAIT_KEYS: env.csv.optional(),
  /**
   * Days a UTC day's messageIds are kept after the day ends (or after a late event of it), so that
   * a second copy of an event in events.enriched is not counted twice in the totals
   * (docs/bitmaps.md, "Exact per messageId"). Memory grows with it: ~10 bytes per event at 1M a day.
   */
  TOTALS_DEDUPE_DAYS: z.coerce.number().int().min(1).max(90).default(2),
  /** Projects of one batch (one partition) written to Redis at once, each as its own Lua script. */
  PROJECTS_WRITTEN_CONCURRENTLY: z.coerce.number().int().min(1).max(256).default(16),
  /**
   * kafkajs consumers of the group in this process. One hands over every partition's batch of
   * a fetch at once, so decoding (Node) and projecting (Redis) take turns; two run out of step
   * (bench/aggregator, 1M events through the service's consumer: 27,545 → 30,615 events/s).
   */
  CONSUMER_INSTANCES: z.coerce.number().int().min(1).max(16).default(2),
  /**
   * Processes (node:cluster workers), each with CONSUMER_INSTANCES consumers of the group and
   * the count API on the shared port. One Node thread decodes and plans slower than Redis
   * applies the plans, so projection scales with processes up to the cores. `auto` is one per
   * core in production, 1 in tests and development.
   */
  WORKERS: env.autoCount.default('auto'),
  /**
   * Most bitmap operands one read may cost (docs/security.md, "Read cost bounds"): a costlier
   * read is a 400 naming the limit and its cost, refused before any bitmap work (a breakdown
   * reads as many of its values as fit instead). 60,000 ≈ a daily retention of ~130 periods
   * (the dashboard asks 30) or a year by day with ~12 filter leaves.
   */
  READ_MAX_COST: z.coerce.number().int().min(1000).default(60_000),
  /**
   * Most operands one Lua script call of a read runs: a bigger read is several calls, and other
   * tenants' commands run between them. bench/isolation, one run on this loaded machine: a
   * 1-day read's p50 beside the heaviest reads 55 ms at 500, 24 ms at 200, 15 ms at 100, the
   * heavy reads as fast (per-call overhead is small next to the wait it saves others).
   */
  READ_SLICE_COST: z.coerce.number().int().min(16).default(200),
});

export type AggregatorConfig = z.infer<typeof config.schema>;
