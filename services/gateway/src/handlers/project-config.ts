import { projectConfigValue, type ProjectConfig } from '@sightline/contracts';
import { z } from 'zod';

/** The ProjectConfig settings kept in the `settings` JSON column rather than in their own columns. */
export const projectSettings = projectConfigValue.pick({
  privacySignals: true,
  sessionTimeoutMinutes: true,
  sessionSplitAtMidnight: true,
  allowReidentifyAfterErasure: true,
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
