import type { Kafka } from 'kafkajs';
import { projectConfigValue, type ProjectConfig } from '@sightline/contracts';
import { createTopicTable } from '@sightline/kafka';
import type { Logger } from '@sightline/telemetry';
import { defaultSettings, type ProjectSettings } from '../domain/range.handler';
import { isValidTimeZone } from '../domain/time-buckets.handler';
import { DEFAULT_VALUE_CAP, MAX_VALUE_CAP, MIN_VALUE_CAP } from '../domain/value-cap.handler';

export interface ProjectSettingsTable {
  start(): Promise<void>;
  stop(): Promise<void>;
  get(projectId: string): ProjectSettings;
  isLoaded(): boolean;
}

export function settingsOf(project: ProjectConfig | undefined): ProjectSettings {
  if (!project) return defaultSettings;
  return {
    timeZone: isValidTimeZone(project.timeZone) ? project.timeZone : 'UTC',
    minuteBucketDays: project.retention.minuteBucketDays,
    hourBucketDays: project.retention.hourBucketDays,
    botFiltering: project.botFiltering,
    valueCap: Math.min(MAX_VALUE_CAP, Math.max(MIN_VALUE_CAP, project.dimensionValuesPerDay ?? DEFAULT_VALUE_CAP)),
  };
}

/**
 * Each project's time zone, bucket retention and bot filtering, from the compacted
 * `projects.v1` topic. A project not (yet) in the table uses UTC and the default retention.
 */
export function createProjectSettingsTable(kafka: Kafka, topic: string, groupPrefix: string, logger: Logger): ProjectSettingsTable {
  const table = createTopicTable<ProjectConfig>({
    kafka,
    topic,
    groupPrefix,
    logger,
    parse: (value) => {
      const parsed = projectConfigValue.safeParse(value);
      return parsed.success ? parsed.data : null;
    },
  });
  let loaded = false;
  return {
    async start() {
      await table.start();
      loaded = true;
    },
    stop: () => table.stop(),
    get: (projectId) => settingsOf(table.get(projectId)),
    isLoaded: () => loaded,
  };
}
