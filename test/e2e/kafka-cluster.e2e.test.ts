import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { kafkaSaslFrom, readToEnd, toKafkajsSasl } from '@sightline/kafka';
import { kafkaCredentialsEnv, waitFor } from '@sightline/testing';
import { api, basic, bearer, createProject, startStack, type DemoProject, type Stack } from './stack';

// Issue #17, a real cluster: the whole system on three KRaft nodes (replication 3,
// min.insync.replicas 2), one node killed with SIGKILL while ingest is under steady load and
// every consumer runs. A client that retries what was not acknowledged (as the Segment SDKs
// do, same messageIds) loses nothing; every acknowledged event is in events.enriched exactly
// once (the fingerprint runs with EXACTLY_ONCE_OUTPUT), so unique visitors, the event store and
// the aggregator's event totals count it once; ingest answers only 2xx or 503 (the seconds of
// leader election); the killed node rejoins and every partition is back to three in-sync
// replicas. Runs as `make test-cluster` (not in `make test`); it starts and wipes its own
// cluster. On failure it prints where each acknowledged event got to, stage by stage, and keeps
// every service's log (docs/operations.md "A Kafka cluster").
const root = join(__dirname, '..', '..');
const run = promisify(execFile);
// Name and ports of the test's cluster: e2e on 28391-28393 unless KAFKA_CLUSTER_E2E_NAME / _BASE say otherwise (a second run beside make test's).
const clusterName = process.env.KAFKA_CLUSTER_E2E_NAME ?? 'e2e';
const clusterEnv = { ...process.env, SIGHTLINE_KAFKA_CLUSTER_NAME: clusterName, SIGHTLINE_KAFKA_CLUSTER_BASE: process.env.KAFKA_CLUSTER_E2E_BASE ?? '28390' };
const cluster = (command: 'start' | 'stop', ...args: string[]) =>
  run(join(root, 'infra', 'kafka-cluster', command), args, { env: clusterEnv, timeout: 420_000 });
const pidOf = (node: number) => Number(readFileSync(join(root, '.sightline', 'run', `kafka-${clusterName}-node${node}.pid`), 'utf8').trim());
const HOUR = 3_600_000;
// The cluster runs SASL/SCRAM with the ACL authorizer, with the principals of .sightline/kafka-credentials
// (infra/kafka-cluster/start makes them when missing): the services and the test's own clients connect as the admin.
const adminEnv = () => kafkaCredentialsEnv('admin');
const clusterKafka = (clientId: string, brokers: string) => {
  const sasl = kafkaSaslFrom(adminEnv());
  return new Kafka({ clientId, brokers: brokers.split(','), logLevel: logLevel.NOTHING, ...(sasl ? { sasl: toKafkajsSasl(sasl) } : {}) });
};

describe('a three-node Kafka cluster loses a broker under load', () => {
  let brokers: string;
  let stack: Stack;
  let project: DemoProject;
  const statuses = new Map<number, number>();
  let sent = 0;
  let retried = 0;

  /** Sends events numbered from..to-1 in one batch, again and again until ingest acknowledges it. */
  async function sendUntilAcknowledged(from: number, to: number) {
    const batch = Array.from({ length: to - from }, (_, i) => ({
      type: 'track',
      event: (from + i) % 4 === 0 ? 'signup' : 'page_view',
      userId: `cluster-user-${from + i}`,
      messageId: `cluster-m-${from + i}`,
      timestamp: new Date().toISOString(),
    }));
    for (let attempt = 0; ; attempt++) {
      const res = await api('POST', `${stack.services.ingest.url}/v1/batch`, { auth: basic(project.writeKey), body: { batch } }).catch(() => ({ status: 0 }));
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      if (res.status === 200) return;
      if (attempt > 60) throw new Error(`batch ${from}-${to} never acknowledged (last status ${res.status})`);
      retried++;
      await new Promise((r) => setTimeout(r, 500));
    }
  }

  /**
   * Where each acknowledged event is, stage by stage (read committed, as the services read): in
   * events.raw, in events.enriched, and how far each consumer group has committed. Which messageIds
   * are missing from a stage (with their raw position) and which are in a topic more than once (at
   * which partition@offset, by which producer id, epoch and transaction flag).
   */
  async function stages() {
    const kafka = clusterKafka('kcluster-diag', brokers);
    const read = async (topic: string) => {
      const at = new Map<string, string[]>();
      for (const { partition, message } of await readToEnd(kafka, `${stack.namespace}${topic}`, { timeoutMs: 60_000 })) {
        const id = (JSON.parse(message.value!.toString()) as { messageId?: string }).messageId ?? 'unknown';
        // kafkajs keeps the record batch's producer on each message: which transactional slot and epoch wrote each copy.
        const batch = (message as { batchContext?: { producerId: string; producerEpoch: number; inTransaction: boolean } }).batchContext;
        at.set(id, [...(at.get(id) ?? []), `${partition}@${message.offset}${batch ? ` p${batch.producerId}e${batch.producerEpoch}${batch.inTransaction ? 'tx' : ''}` : ''}`]);
      }
      return at;
    };
    const acknowledged = Array.from({ length: sent }, (_, i) => `cluster-m-${i}`);
    const twice = (at: Map<string, string[]>) => Object.fromEntries([...at].filter(([, copies]) => copies.length > 1).slice(0, 20));
    const raw = await read('events.raw.v1').catch((e: Error) => e.message);
    const enriched = await read('events.enriched.v1').catch((e: Error) => e.message);
    const admin = kafka.admin();
    await admin.connect();
    const groups: Record<string, unknown> = {};
    try {
      for (const [group, topic] of [['session-fingerprint', 'events.raw.v1'], ['bitmap-aggregator', 'events.enriched.v1'], ['query', 'events.enriched.v1']] as const) {
        const high = await admin.fetchTopicOffsets(`${stack.namespace}${topic}`);
        const [committed] = await admin.fetchOffsets({ groupId: `${stack.namespace}${group}`, topics: [`${stack.namespace}${topic}`] });
        // partition: committed/high watermark
        groups[group] = Object.fromEntries(high.map((h) => [h.partition, `${committed?.partitions.find((p) => p.partition === h.partition)?.offset ?? '?'}/${h.high}`]));
      }
    } catch (err) {
      groups.error = (err as Error).message;
    } finally {
      await admin.disconnect();
    }
    return {
      raw: typeof raw === 'string' ? raw : { acknowledged: sent, present: acknowledged.filter((id) => raw.has(id)).length, missing: acknowledged.filter((id) => !raw.has(id)), twice: twice(raw) },
      enriched:
        typeof enriched === 'string'
          ? enriched
          : {
              present: acknowledged.filter((id) => enriched.has(id)).length,
              missing: acknowledged.filter((id) => !enriched.has(id)).map((id) => `${id}${typeof raw === 'string' ? '' : ` (raw ${raw.get(id)?.join(',') ?? 'none'})`}`),
              twice: twice(enriched),
            },
      groups,
    };
  }

  /** Steady load for `ms`: a batch of 10 every 50 ms, each new batch after the last one was acknowledged. */
  async function load(ms: number) {
    const until = Date.now() + ms;
    while (Date.now() < until) {
      await sendUntilAcknowledged(sent, sent + 10);
      sent += 10;
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  beforeAll(async () => {
    const started = await cluster('start');
    brokers = started.stdout.trim().split('\n').pop()!;
    const all = { KAFKA_BROKERS: brokers, ...adminEnv() };
    // Exactly-once output (docs/identity.md): without it a batch the fingerprint redelivers after
    // the failure is in events.enriched twice, and the aggregator's event totals count it twice.
    stack = await startStack('kcluster', { ingest: all, 'session-fingerprint': { ...all, EXACTLY_ONCE_OUTPUT: 'true' }, 'bitmap-aggregator': all, query: all, gateway: all });
    project = await createProject(stack.services.gateway.url, 'kcluster');
    await waitFor(async () => (await api('POST', `${stack.services.ingest.url}/v1/track`, { auth: basic(project.writeKey), body: {} })).status === 400, {
      timeoutMs: 30_000,
      description: 'write key known at ingest',
    });
  }, 480_000);

  afterAll(async () => {
    // Every service's whole log, for the post-mortem of a failed run (the failure message has only their tails).
    const logDir = join(root, '.sightline', 'logs', 'kafka-cluster-e2e');
    mkdirSync(logDir, { recursive: true });
    for (const svc of Object.values(stack?.services ?? {})) writeFileSync(join(logDir, `${svc.name}.log`), svc.logs());
    await stack?.stop();
    await cluster('stop', '--wipe');
  }, 120_000);

  it('keeps every acknowledged event, counted once (events.enriched, unique visitors, event store, totals), and the killed node catches up', async () => {
    await load(4_000);
    const beforeKill = sent;
    process.kill(pidOf(2), 'SIGKILL');
    await load(12_000);
    const duringOutage = sent - beforeKill;
    await cluster('start'); // node 2 rejoins with its data
    await load(3_000);

    // Only acknowledgements and "try again" answers: no 5xx but 503, never a 4xx for a good batch.
    expect([...statuses.keys()].filter((s) => s !== 200 && s !== 503)).toEqual([]);
    // Ingest went on acknowledging while the node was down.
    expect(beforeKill).toBeGreaterThan(0);
    expect(duringOutage).toBeGreaterThan(0);

    const from = new Date(Date.now() - 24 * HOUR).toISOString();
    const to = new Date(Date.now() + HOUR).toISOString();
    const read = <T>(path: string) => api<T>('GET', `${stack.services.gateway.url}/v1/projects/${project.projectId}/${path}`, { auth: bearer(project.readKey) });
    const signups = Math.ceil(sent / 4);
    const want = { status: [200, 200, 200], uniques: sent, byName: { page_view: sent - signups, signup: signups } };
    let last: unknown;
    let totals = 0;
    const got = await waitFor(async () => {
      const [u, counts, byName] = await Promise.all([
        read<{ total: number }>(`unique-visitors?from=${from}&to=${to}`),
        read<{ total: number }>(`events/counts?from=${from}&to=${to}`),
        read<{ breakdown: Array<{ value: string; count: number }> }>(`events/counts?from=${from}&to=${to}&breakdown=name`),
      ]);
      totals = counts.body.total;
      const answer = {
        status: [u.status, counts.status, byName.status],
        uniques: u.body.total,
        byName: Object.fromEntries((byName.body.breakdown ?? []).map((b) => [b.value, b.count])),
      };
      last = { answer, totals, retried, statuses: Object.fromEntries(statuses) };
      return JSON.stringify(answer) === JSON.stringify(want) && totals >= sent ? answer : null;
    }, { timeoutMs: 120_000, description: `every event counted once (want ${JSON.stringify(want)}; last ${JSON.stringify(last)})` }).catch(async (err: Error) => {
      const logs = Object.values(stack.services).map((svc) => `--- ${svc.name}\n${svc.logs().slice(-2500)}`).join('\n');
      throw new Error(`${err.message}; last ${JSON.stringify(last)}; stages ${JSON.stringify(await stages())}\n${logs}`);
    });
    expect(got).toEqual(want);
    expect(totals).toBeGreaterThanOrEqual(sent);
    // Per-stage counts, and where any excess comes from (the services' logs are under .sightline/logs/kafka-cluster-e2e/).
    const stage = await stages();
    const counts = (s: typeof stage.raw | typeof stage.enriched) => (typeof s === 'string' ? s : `${s.present} of ${sent}${Object.keys(s.twice).length ? `, ${Object.keys(s.twice).length} twice` : ''}`);
    const excess = totals > sent ? `; in a topic more than once: ${JSON.stringify({ raw: typeof stage.raw === 'string' ? stage.raw : stage.raw.twice, enriched: typeof stage.enriched === 'string' ? stage.enriched : stage.enriched.twice })}` : '';
    console.log(`kafka cluster: ${sent} events, ${retried} batches retried after a 503; events.raw ${counts(stage.raw)}; events.enriched ${counts(stage.enriched)}; groups ${JSON.stringify(stage.groups)}; aggregator event totals ${totals} (${totals - sent} over)${excess}`);
    // Exactly once through the pipeline: every acknowledged event in events.enriched once (the
    // raw topic may hold a client retry's copy: the fingerprint drops it by messageId), and the totals exact.
    expect(typeof stage.enriched === 'string' ? stage.enriched : { missing: stage.enriched.missing, twice: stage.enriched.twice }).toEqual({ missing: [], twice: {} });
    expect(totals).toBe(sent);

    // The rejoined node is back in sync: every partition of every topic of this stack has three in-sync replicas.
    const kafka = clusterKafka('kcluster-check', brokers);
    const admin = kafka.admin();
    await admin.connect();
    try {
      const topics = (await admin.listTopics()).filter((t) => t.startsWith(stack.namespace));
      expect(topics.length).toBeGreaterThanOrEqual(3);
      await waitFor(async () => {
        const { topics: meta } = await admin.fetchTopicMetadata({ topics });
        return meta.every((t) => t.partitions.every((p) => p.replicas.length === 3 && p.isr.length === 3)) ? true : null;
      }, { timeoutMs: 120_000, description: 'three in-sync replicas for every partition' });
    } finally {
      await admin.disconnect();
    }
  }, 900_000);
});
