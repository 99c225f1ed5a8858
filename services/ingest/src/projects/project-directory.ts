import { createHash, timingSafeEqual } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import { projectConfigValue, type ProjectConfig } from '@sightline/contracts';
import { createTopicTable } from '@sightline/kafka';
import type { Logger } from '@sightline/telemetry';

export interface KeyMatch {
  project: ProjectConfig;
  writeKey: string;
}

/** The lookups ingest needs on every request; kept live from the compacted projects topic. */
export interface ProjectLookup {
  byWriteKey(key: string): KeyMatch | undefined;
  byId(projectId: string): ProjectConfig | undefined;
  /** HiiTrack paths `/:account/:project`: slugs first, ids as a fallback. */
  byPath(account: string, project: string): ProjectConfig | undefined;
}

export interface ProjectDirectory extends ProjectLookup {
  start(): Promise<void>;
  stop(): Promise<void>;
  isReady(): boolean;
  size(): number;
}

const digest = (key: string) => createHash('sha256').update(key).digest('base64');

/**
 * Indexes kept in step with a project map. Keys are looked up by their SHA-256 so the map's
 * own string comparison never runs on the secret, then confirmed with a constant-time compare.
 */
export function createProjectIndex(): ProjectLookup & { set(project: ProjectConfig): void; remove(projectId: string): void } {
  const projects = new Map<string, ProjectConfig>();
  const keys = new Map<string, { projectId: string; key: Buffer }>();
  const paths = new Map<string, string>();
  const pathOf = (p: ProjectConfig) => `${p.accountSlug}/${p.slug}`;

  function remove(projectId: string) {
    const previous = projects.get(projectId);
    if (!previous) return;
    for (const key of previous.writeKeys) {
      const hash = digest(key);
      if (keys.get(hash)?.projectId === projectId) keys.delete(hash);
    }
    if (paths.get(pathOf(previous)) === projectId) paths.delete(pathOf(previous));
    projects.delete(projectId);
  }

  return {
    set(project) {
      remove(project.projectId);
      projects.set(project.projectId, project);
      for (const key of project.writeKeys) keys.set(digest(key), { projectId: project.projectId, key: Buffer.from(key) });
      paths.set(pathOf(project), project.projectId);
    },
    remove,
    byWriteKey(key) {
      const entry = keys.get(digest(key));
      if (!entry) return undefined;
      const given = Buffer.from(key);
      if (given.length !== entry.key.length || !timingSafeEqual(given, entry.key)) return undefined;
      const project = projects.get(entry.projectId);
      return project ? { project, writeKey: key } : undefined;
    },
    byId: (projectId) => projects.get(projectId),
    byPath(account, project) {
      const id = paths.get(`${account}/${project}`);
      if (id) return projects.get(id);
      const byId = projects.get(project);
      return byId && (byId.accountId === account || byId.accountSlug === account) ? byId : undefined;
    },
  };
}

/** The project table rebuilt from offset 0 of the compacted projects topic at every start. */
export function createProjectDirectory(options: { kafka: Kafka; topic: string; logger: Logger; groupPrefix: string }): ProjectDirectory {
  const index = createProjectIndex();
  let ready = false;
  const table = createTopicTable<ProjectConfig>({
    kafka: options.kafka,
    topic: options.topic,
    logger: options.logger,
    groupPrefix: options.groupPrefix,
    parse: (value) => {
      const parsed = projectConfigValue.safeParse(value);
      return parsed.success ? parsed.data : null;
    },
  });
  table.onChange((projectId, project) => {
    if (project) index.set(project);
    else index.remove(projectId);
  });
  return {
    async start() {
      await table.start();
      ready = true;
    },
    async stop() {
      ready = false;
      await table.stop();
    },
    isReady: () => ready,
    size: () => table.size(),
    byWriteKey: index.byWriteKey,
    byId: index.byId,
    byPath: index.byPath,
  };
}
