import { DIMENSION_VALUES_PER_DAY, projectConfigValue, type ProjectConfig } from '@sightline/contracts';
import { z } from 'zod';

/**
 * The documented range of every project setting (docs/api.md, docs/security.md). The contract on
 * projects.v1 stays as loose as it was, so that records already published still parse; the
 * gateway, the only writer, refuses anything outside these.
 */
export const SETTING_BOUNDS = {
  sessionTimeoutMinutes: { min: 1, max: 24 * 60 },
  /** Minute buckets are 1,440 keys a day per dimension. */
  minuteBucketDays: { min: 1, max: 14 },
  /** Hour buckets are 24 keys a day per dimension; as far back as the oldest event a project may accept (imports of history). */
  hourBucketDays: { min: 1, max: 10_000 },
  /** How old an event may be when it arrives (imports of history, the seeds' 2008 examples); the event store makes partitions 330 months back at most. */
  maxEventAgeDays: { min: 1, max: 10_000 },
  eventStoreMonths: { min: 1, max: 120 },
  eventsPerSecond: { min: 1, max: 20_000 },
  burst: { min: 1, max: 100_000 },
  /** Distinct values per dimension kind and day the aggregator keeps before `(other)`. */
  dimensionValuesPerDay: DIMENSION_VALUES_PER_DAY,
} as const;

const bounded = (name: keyof typeof SETTING_BOUNDS) => z.number().int().min(SETTING_BOUNDS[name].min).max(SETTING_BOUNDS[name].max);

/** Settings as a request may set them: explicitly optional, without the contract's defaults, so a PATCH touches only what it names. */
export const settingsInput = z.object({
  privacySignals: z.enum(['drop', 'anonymous', 'ignore']).optional(),
  sessionTimeoutMinutes: bounded('sessionTimeoutMinutes').optional(),
  sessionSplitAtMidnight: z.boolean().optional(),
  allowReidentifyAfterErasure: z.boolean().optional(),
  /** HiiTrack's writes by path without a write key (off unless set; see docs/ingest.md). */
  keylessPathWrites: z.boolean().optional(),
  dimensionValuesPerDay: bounded('dimensionValuesPerDay').optional(),
  retention: z
    .object({
      minuteBucketDays: bounded('minuteBucketDays').optional(),
      hourBucketDays: bounded('hourBucketDays').optional(),
      maxEventAgeDays: bounded('maxEventAgeDays').optional(),
      eventStoreMonths: bounded('eventStoreMonths').nullable().optional(),
    })
    .optional(),
  rateLimit: z.object({ eventsPerSecond: bounded('eventsPerSecond'), burst: bounded('burst') }).optional(),
});

/** The ProjectConfig settings kept in the `settings` JSON column rather than in their own columns. */
export const projectSettings = projectConfigValue.pick({
  privacySignals: true,
  sessionTimeoutMinutes: true,
  sessionSplitAtMidnight: true,
  allowReidentifyAfterErasure: true,
  keylessPathWrites: true,
  dimensionValuesPerDay: true,
  retention: true,
  rateLimit: true,
});
export type ProjectSettings = z.infer<typeof projectSettings>;

export type SettingsPatch = Partial<Omit<ProjectSettings, 'retention'>> & { retention?: Partial<ProjectSettings['retention']> };

/** Applies a partial change to the stored settings; retention is merged field by field. */
export function mergeSettings(stored: unknown, patch: SettingsPatch): ProjectSettings {
  const current = projectSettings.parse(stored ?? {});
  return projectSettings.parse({ ...current, ...patch, retention: { ...current.retention, ...patch.retention } });
}

export interface ProjectRow {
  id: string;
  accountId: string;
  name: string;
  slug: string;
  writeKey: string;
  previousWriteKey: string | null;
  timeZone: string;
  allowedOrigins: string[];
  enabled: boolean;
  cookieless: boolean;
  botFiltering: boolean;
  settings: unknown;
  createdAt: Date;
  updatedAt: Date;
  account: { slug: string };
}

export function settingsOf(row: Pick<ProjectRow, 'settings'>): ProjectSettings {
  return projectSettings.parse(row.settings ?? {});
}

/** What goes to the compacted `projects.v1` topic: everything ingest and the fingerprint service need. */
export function toProjectConfig(row: ProjectRow): ProjectConfig {
  return projectConfigValue.parse({
    projectId: row.id,
    accountId: row.accountId,
    name: row.name,
    accountSlug: row.account.slug,
    slug: row.slug,
    writeKeys: row.previousWriteKey ? [row.writeKey, row.previousWriteKey] : [row.writeKey],
    allowedOrigins: row.allowedOrigins,
    timeZone: row.timeZone,
    enabled: row.enabled,
    cookieless: row.cookieless,
    botFiltering: row.botFiltering,
    ...settingsOf(row),
    updatedAt: row.updatedAt.toISOString(),
  });
}

/** The public view of a project: never a read key, but the write key (it is public by design). */
export function toProjectView(row: ProjectRow) {
  const settings = settingsOf(row);
  return {
    id: row.id,
    accountId: row.accountId,
    accountSlug: row.account.slug,
    name: row.name,
    slug: row.slug,
    writeKey: row.writeKey,
    previousWriteKey: row.previousWriteKey,
    timeZone: row.timeZone,
    allowedOrigins: row.allowedOrigins,
    enabled: row.enabled,
    cookieless: row.cookieless,
    botFiltering: row.botFiltering,
    ...settings,
    keylessPathWrites: settings.keylessPathWrites ?? false,
    dimensionValuesPerDay: settings.dimensionValuesPerDay ?? DIMENSION_VALUES_PER_DAY.default,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}
export type ProjectView = ReturnType<typeof toProjectView>;

/** Time zones the runtime knows (Intl), so a typo is a 400 rather than a silent UTC. */
export function isValidTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
