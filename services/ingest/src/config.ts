import { z } from 'zod';
import { defineConfig, env, httpPiece, kafkaPiece, runtimePiece, telemetryPiece } from '@sightline/config';

export const config = defineConfig({
  ...runtimePiece,
  ...kafkaPiece,
  ...httpPiece(8081),
  ...telemetryPiece,
  /**
   * Processes serving HTTP (node:cluster workers sharing the port). One Node thread parses,
   * validates and encodes about 30,000 events/s; `auto` is one per core in production, 1 otherwise.
   */
  HTTP_WORKERS: env.autoCount.default('auto'),
  /** The project of the seed-compatible endpoints when a request names no write key. */
  DEFAULT_PROJECT_ID: z.string().min(1).default('demo'),
  /** Proxies (IPs or CIDRs) whose X-Forwarded-For we believe; empty means the socket address is the client. */
  TRUSTED_PROXIES: env.csv.default([]),
  /** How long a request waits for Kafka's acknowledgement before it is answered 503. */
  ACK_TIMEOUT_MS: z.coerce.number().int().min(100).default(5000),
  MAX_EVENT_BYTES: z.coerce.number().int().min(1024).default(32768),
  MAX_BATCH_BYTES: z.coerce.number().int().min(1024).default(512000),
  /** Coalescing window of the producer queue: one Kafka request per this many ms at most. */
  PUBLISH_MAX_DELAY_MS: z.coerce.number().int().min(0).max(100).default(2),
  PUBLISH_MAX_MESSAGES: z.coerce.number().int().min(1).default(5000),
  /** none: with one worker per core the CPU is the limit, and gzip cost more CPU (here) than the bytes it saved. */
  PUBLISH_COMPRESSION: z.enum(['none', 'gzip']).default('none'),
  /** Events waiting for Kafka beyond this are refused at once with 503 (memory bound during an outage). */
  PUBLISH_MAX_PENDING: z.coerce.number().int().min(1).default(100000),
  /**
   * Secret of the keyed hash (HMAC-SHA-256) that keys a cookieless event in `events.raw` instead
   * of its IP and User-Agent. Give every ingest process of a deployment the same one so that a
   * cookieless visitor's events share a partition; unset, each process draws its own at start.
   */
  RAW_KEY_SECRET: z.string().min(16).optional(),
  /** Absolute, or relative to the repository root. */
  TRACKER_JS_PATH: z.string().default('libs/tracker/dist/tracker.js'),
  /** Events whose clock-corrected time is further ahead than this are refused (≤ 31: the event store makes partitions 2 months ahead at most). */
  FUTURE_LIMIT_DAYS: z.coerce.number().int().min(1).max(31).default(7),
});

export type IngestConfig = z.infer<typeof config.schema>;
