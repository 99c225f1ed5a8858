import { z } from 'zod';
import { isoTimestamp, projectId } from '../common';

/** A project's cap on distinct values per dimension kind and local day (`dimensionValuesPerDay`). */
export const DIMENSION_VALUES_PER_DAY = { default: 10_000, min: 100, max: 100_000 } as const;

export const projectConfigValue = z.object({
  projectId,
  accountId: z.string().min(1),
  name: z.string().min(1).max(200),
  /** URL names for the HiiTrack-compatible paths `/:account/:project/...`. */
  accountSlug: z.string().min(1).max(100),
  slug: z.string().min(1).max(100),
  /** Public write keys accepted at ingest; several during a rotation. */
  writeKeys: z.array(z.string().min(8)).min(0),
  /** `*` allows any origin. */
  allowedOrigins: z.array(z.string()).default(['*']),
  timeZone: z.string().default('UTC'),
  enabled: z.boolean().default(true),
  cookieless: z.boolean().default(true),
  botFiltering: z.boolean().default(true),
  /** What to do with DNT / Sec-GPC requests: drop them, count them without a persistent id, or ignore the signal. */
  privacySignals: z.enum(['drop', 'anonymous', 'ignore']).default('anonymous'),
  sessionTimeoutMinutes: z.number().int().min(1).max(24 * 60).default(30),
  sessionSplitAtMidnight: z.boolean().default(false),
  /** After erasure, a later event with the same ids starts a fresh visitor only when true. */
  allowReidentifyAfterErasure: z.boolean().default(false),
  retention: z
    .object({
      minuteBucketDays: z.number().int().min(1).default(2),
      hourBucketDays: z.number().int().min(1).default(90),
      maxEventAgeDays: z.number().int().min(1).default(30),
      eventStoreMonths: z.number().int().min(1).nullable().default(null),
    })
    .default({ minuteBucketDays: 2, hourBucketDays: 90, maxEventAgeDays: 30, eventStoreMonths: null }),
  /**
   * Distinct values per dimension kind (page, referrer, a trait key …) and local day that the
   * bitmap aggregator keeps before folding the rest into `(other)`; unset = 10,000. Bounded to
   * 100..100,000 so that no project can grow Redis without bound.
   */
  dimensionValuesPerDay: z.number().int().min(DIMENSION_VALUES_PER_DAY.min).max(DIMENSION_VALUES_PER_DAY.max).optional(),
  /**
   * HiiTrack's writes by path (`/:account/:project/event|property|batch`) need no write key, so
   * anyone who knows the slugs can write; ingest takes them only when this is true (absent = false).
   * They still obey allowedOrigins and rateLimit. A write key given with them works either way.
   */
  keylessPathWrites: z.boolean().optional(),
  rateLimit: z
    .object({ eventsPerSecond: z.number().positive(), burst: z.number().positive() })
    .default({ eventsPerSecond: 5000, burst: 20000 }),
  updatedAt: isoTimestamp,
});
export type ProjectConfig = z.infer<typeof projectConfigValue>;
export type ProjectConfigInput = z.input<typeof projectConfigValue>;

/** Key is the projectId; a null value (tombstone) deletes the project. */
export const projectKey = projectId;
