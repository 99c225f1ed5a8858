import { randomBytes } from 'node:crypto';
import { projectConfigValue, topicNames, type ProjectConfig, type ProjectConfigInput, type RawEvent, type TopicNames } from '@sightline/contracts';
import { listen, type RunningServer } from '@sightline/http';
import { createKafka, createProducer, ensureTopics, standardTopicSpecs, type DurableProducer } from '@sightline/kafka';
import { createLogger } from '@sightline/telemetry';
import { testInfra, testNamespace, uniqueId, waitFor } from '@sightline/testing';
import { createTokenBuckets } from '@sightline/rate-limit';
import { createApp } from '../app';
import { trustedProxyList } from '../domain/request-facts.handler';
import { createProjectDirectory, type ProjectDirectory } from '../projects/project-directory';
import { createRawEventPublisher } from '../publisher/raw-event.publisher';
import { createTrackerSource } from '../routes/tracker-source';
import { deleteNamespaceTopics, readRawTopic } from './project-topic';

/** A full ProjectConfig from a few fields, with a fresh id, slugs and write key. */
export function testProject(overrides: Partial<ProjectConfigInput> = {}): ProjectConfig {
  const projectId = overrides.projectId ?? uniqueId('p').replace(/[^a-z0-9_-]/g, '');
  return projectConfigValue.parse({
    projectId,
    accountId: `acc_${projectId}`,
    name: projectId,
    accountSlug: `a-${projectId}`,
    slug: `s-${projectId}`,
    writeKeys: [`wk_${randomBytes(12).toString('hex')}`],
    updatedAt: new Date().toISOString(),
    ...overrides,
  });
}

export interface HarnessOptions {
  ackTimeoutMs?: number;
  trustedProxies?: string[];
  trackerPath?: string;
  defaultProjectId?: string;
}

export interface RawRecord {
  key: string;
  value: RawEvent;
}

export interface Harness {
  url: string;
  topics: TopicNames;
  projects: ProjectDirectory;
  /** Publishes to the projects topic and waits until this ingest sees it. */
  putProject(project: ProjectConfig): Promise<ProjectConfig>;
  deleteProject(projectId: string): Promise<void>;
  /** Every events.raw record read back from the broker so far. */
  raw(): RawRecord[];
  /** Waits until at least `count` records read back from events.raw match, and returns them. */
  waitForRaw(match: (event: RawEvent) => boolean, count?: number): Promise<RawRecord[]>;
  stop(): Promise<void>;
}

/** The ingest app in this process, on a namespace of its own, against the real broker. */
export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const namespace = testNamespace('ingest');
  const topics = topicNames(namespace);
  const logger = createLogger({ service: 'ingest-test', level: 'warn' });
  const kafka = createKafka({ brokers: testInfra.kafkaBrokers, clientId: 'ingest-test', logger });
  await ensureTopics(kafka, standardTopicSpecs(topics));
  const admin: DurableProducer = createProducer(kafka);
  await admin.start();
  const projects = createProjectDirectory({ kafka, topic: topics.projects, logger, groupPrefix: `${namespace}ingest` });
  const ackTimeoutMs = options.ackTimeoutMs ?? 5000;
  const publisher = createRawEventPublisher({ createProducer: () => createProducer(kafka), topic: topics.eventsRaw, logger, ackTimeoutMs, maxDelayMs: 2, maxMessages: 5000, maxPending: 100000 });
  await publisher.start();
  await projects.start();
  const app = createApp({
    projects,
    publisher,
    limiter: createTokenBuckets(),
    logger,
    tracker: createTrackerSource(options.trackerPath ?? `/nonexistent/${namespace}/tracker.js`),
    maxBatchBytes: 512000,
    settings: {
      defaultProjectId: options.defaultProjectId ?? 'demo',
      maxEventBytes: 32768,
      futureLimitDays: 7,
      ackTimeoutMs,
      trustedProxies: trustedProxyList(options.trustedProxies ?? []),
    },
    checks: { projects: () => projects.isReady(), kafka: () => publisher.isHealthy() },
  });
  const server: RunningServer = await listen(app, 0);
  const records: RawRecord[] = [];
  const reader = await readRawTopic(topics.eventsRaw, (key, value) => records.push({ key, value }));
  return {
    url: `http://127.0.0.1:${server.port}`,
    topics,
    projects,
    async putProject(project) {
      await admin.send(topics.projects, [{ key: project.projectId, value: project }]);
      await waitFor(() => projects.byId(project.projectId)?.updatedAt === project.updatedAt, { timeoutMs: 10_000, description: `project ${project.projectId} loaded` });
      return project;
    },
    async deleteProject(projectId) {
      await admin.send(topics.projects, [{ key: projectId, value: null }]);
      await waitFor(() => !projects.byId(projectId), { timeoutMs: 10_000, description: `project ${projectId} deleted` });
    },
    raw: () => records,
    async waitForRaw(match, count = 1) {
      return waitFor(
        () => {
          const found = records.filter((r) => match(r.value));
          return found.length >= count ? found : null;
        },
        { timeoutMs: 20_000, description: `${count} matching events.raw records` },
      );
    },
    async stop() {
      await reader.disconnect();
      await server.close(2000);
      await publisher.stop();
      await projects.stop();
      await admin.stop();
      await deleteNamespaceTopics(topics);
    },
  };
}

export const basicAuth = (writeKey: string) => `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`;

export async function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: any; headers: Headers }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    // a non-JSON answer stays text
  }
  return { status: res.status, body: parsed, headers: res.headers };
}
