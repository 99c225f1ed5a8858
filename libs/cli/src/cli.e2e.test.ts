import { execFile, execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { z } from 'zod';
import { topicNames } from '@sightline/contracts';
import { createBatchConsumer, createKafka, createProducer, ensureTopics, jsonDecoder, standardTopicSpecs, type BatchConsumer } from '@sightline/kafka';
import { createLogger } from '@sightline/telemetry';
import { committedCount, testInfra, testNamespace, waitFor } from '@sightline/testing';

const root = join(__dirname, '..', '..', '..');
const bin = join(root, 'libs', 'cli', 'dist', 'sightline.js');
const logger = createLogger({ service: 'cli-e2e', level: 'silent' });
const kafka = createKafka({ brokers: testInfra.kafkaBrokers, clientId: 'cli-e2e', logger });
const schema = z.object({ id: z.number().int(), poison: z.boolean() });

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the built `sightline` binary as its own process against the test broker and namespace. */
function sightline(ns: string, ...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args, '--namespace', ns], { env: { ...process.env, KAFKA_BROKERS: testInfra.kafkaBrokers.join(',') }, timeout: 90_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

async function json<T>(ns: string, ...args: string[]): Promise<T> {
  const run = await sightline(ns, ...args, '--json');
  if (run.code !== 0) throw new Error(`sightline ${args.join(' ')} exited ${run.code}: ${run.stderr}`);
  return JSON.parse(run.stdout) as T;
}

describe('the sightline CLI as a process, against the real broker', () => {
  const ns = testNamespace('cli');
  const topics = topicNames(ns);
  const producer = createProducer(kafka);
  /** What each group did, by record id: how often its handler took it. */
  const handled = { query: new Map<number, number>(), aggregator: new Map<number, number>() };
  let fixed = false;
  const consumers: BatchConsumer[] = [];

  function startGroup(service: 'query' | 'aggregator'): BatchConsumer {
    const consumer = createBatchConsumer<z.infer<typeof schema>>({
      kafka,
      groupId: `${ns}${service === 'query' ? 'query' : 'bitmap-aggregator'}`,
      topics: [topics.eventsEnriched],
      dlqTopic: topics.eventsDlq,
      producer,
      logger,
      decode: jsonDecoder(schema),
      async handleBatch(items) {
        // The query group has a bug for poison records until it is "fixed"; the aggregator has none.
        const bad = service === 'query' && !fixed ? items.find((i) => i.value.poison) : undefined;
        if (bad) throw new TypeError(`cannot store record ${bad.value.id}`);
        for (const item of items) handled[service].set(item.value.id, (handled[service].get(item.value.id) ?? 0) + 1);
      },
    });
    void consumer.start();
    consumers.push(consumer);
    return consumer;
  }

  async function stopAll(): Promise<void> {
    await Promise.all(consumers.splice(0).map((c) => c.stop()));
  }

  beforeAll(async () => {
    execFileSync(process.execPath, [join(root, 'libs', 'cli', 'build.mjs')], { stdio: 'inherit' });
    await ensureTopics(kafka, standardTopicSpecs(topics));
    await producer.start();
  });
  afterAll(async () => {
    await stopAll();
    await producer.stop();
  });

  it('lists a poison record with its error, shows it, and a redrive after the fix has it consumed once, by the failing group only', async () => {
    await producer.send(topics.eventsEnriched, Array.from({ length: 12 }, (_, id) => ({ key: `k${id}`, value: { id, poison: id === 7 }, headers: { 'x-test-id': String(id) } })));
    startGroup('query');
    startGroup('aggregator');
    await waitFor(async () => (await committedCount(`${ns}query`, topics.eventsEnriched)) === 12 && (await committedCount(`${ns}bitmap-aggregator`, topics.eventsEnriched)) === 12, { timeoutMs: 60_000, description: 'both groups committed 12' });

    const listed = await json<Array<{ id: string; errorName: string; errorCode: string | null; sourceTopic: string; consumerGroup: string; redriven: boolean; reason: string }>>(ns, 'dlq', 'list');
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({ errorName: 'TypeError', errorCode: null, sourceTopic: topics.eventsEnriched, consumerGroup: `${ns}query`, redriven: false, reason: 'TypeError: cannot store record 7' });
    const table = await sightline(ns, 'dlq', 'list');
    expect(table.stdout).toContain('1 record(s); by error: TypeError 1 (1 not redriven)');

    const shown = await json<{ value: unknown; headers: Record<string, string>; key: string }>(ns, 'dlq', 'show', listed[0]!.id);
    expect(shown.value).toEqual({ id: 7, poison: true });
    expect(shown.key).toBe('k7');
    expect(shown.headers['x-test-id']).toBe('7');
    expect(Object.keys(shown.headers).filter((h) => h.startsWith('x-dlq-'))).toEqual([]);

    expect(await json(ns, 'dlq', 'redrive', '--reason', 'DecodeError')).toEqual({ matching: 0, alreadyRedriven: 0, redriven: 0, dryRun: false });
    fixed = true;
    const first = await sightline(ns, 'dlq', 'redrive', '--reason', 'TypeError', '--json');
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout)).toEqual({ matching: 1, alreadyRedriven: 0, redriven: 1, dryRun: false });
    expect(first.stderr).toContain('redrive [########################] 100% 1/1');
    expect(await json(ns, 'dlq', 'redrive', '--reason', 'TypeError')).toEqual({ matching: 1, alreadyRedriven: 1, redriven: 0, dryRun: false });

    await waitFor(() => handled.query.get(7) === 1, { timeoutMs: 60_000, description: 'record 7 consumed by the query group' });
    // The redrive's transaction marker takes an offset too: past the record is 13 or 14.
    await waitFor(async () => (await committedCount(`${ns}bitmap-aggregator`, topics.eventsEnriched)) >= 13, { timeoutMs: 60_000, description: 'the aggregator group past the redriven record' });
    const ids = Array.from({ length: 12 }, (_, id) => [id, 1]);
    expect([...handled.query].sort((a, b) => a[0]! - b[0]!)).toEqual(ids);
    expect([...handled.aggregator].sort((a, b) => a[0]! - b[0]!)).toEqual(ids);
    expect((await json<Array<{ redriven: boolean }>>(ns, 'dlq', 'list'))[0]!.redriven).toBe(true);
  });

  it('shows lag per partition, topics, and replays a projection with a progress bar until it caught up', async () => {
    const refused = await sightline(ns, 'replay', 'query');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`${ns}query has 1 live member(s): stop query first`);
    await stopAll();
    await producer.send(topics.eventsEnriched, Array.from({ length: 5 }, (_, i) => ({ key: `k${i}`, value: { id: 100 + i, poison: false } })));

    const lag = await json<Array<{ groupId: string; total: number; partitions: Array<{ topic: string; lag: number }> }>>(ns, 'lag');
    expect(lag.find((g) => g.groupId === `${ns}query`)!.total).toBe(5);
    expect(lag.find((g) => g.groupId === `${ns}bitmap-aggregator`)!.total).toBe(5);
    expect(lag.find((g) => g.groupId === `${ns}session-fingerprint`)!.total).toBe(0);
    const text = await sightline(ns, 'lag', '--group', `${ns}query`, '--topic', topics.eventsEnriched);
    expect(text.stdout).toContain(`${ns}query: 5 records behind`);

    const described = await json<Array<{ topic: string; partitions: unknown[]; replication: number; records: number; configs: Record<string, string> }>>(ns, 'topics', 'describe');
    const enriched = described.find((t) => t.topic === topics.eventsEnriched)!;
    // Offsets kept: 12 + the redriven one + 5, and the redrive transaction's commit marker.
    expect(enriched).toMatchObject({ replication: 1, records: 12 + 1 + 5 + 1 });
    expect(enriched.partitions).toHaveLength(4);
    expect(described.find((t) => t.topic === topics.projects)!.configs['cleanup.policy']).toBe('compact');

    // From offset 2: every partition restarts at 2 (or its end when it holds fewer records).
    const admin = kafka.admin();
    await admin.connect();
    const highs = (await admin.fetchTopicOffsets(topics.eventsEnriched)).map((o) => Number(o.high));
    await admin.disconnect();
    expect(await json(ns, 'replay', 'query', '--from-offset', '2')).toEqual({ groupId: `${ns}query`, records: highs.reduce((sum, h) => sum + h - Math.min(2, h), 0) });
    expect(await committedCount(`${ns}query`, topics.eventsEnriched)).toBe(highs.reduce((sum, h) => sum + Math.min(2, h), 0));

    // A full replay with --wait: the service (here the group's consumer) starts once the CLI rewound and waits.
    handled.query.clear();
    let stderr = '';
    const replay = new Promise<Run>((resolve) => {
      const child = execFile(process.execPath, [bin, 'replay', 'query', '--wait', '--interval-ms', '200', '--namespace', ns], { env: { ...process.env, KAFKA_BROKERS: testInfra.kafkaBrokers.join(',') }, timeout: 90_000 }, (err, out, errOut) => resolve({ code: err ? 1 : 0, stdout: out, stderr: errOut }));
      child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    });
    await waitFor(() => stderr.includes('catching up'), { timeoutMs: 60_000, description: 'the replay waiting' });
    startGroup('query');
    const replayed = await replay;
    expect(replayed.code).toBe(0);
    expect(replayed.stdout).toContain(`${ns}query: rewound; 19 record(s) to replay once query runs`);
    expect(replayed.stderr).toMatch(/catching up \[-+\]   0% 0\/19/);
    expect(replayed.stderr).toMatch(/catching up \[#+\] 100% 19\/19 · \d+\/s · done/);
    // Everything again, the redriven record too (a replay is idempotent in the real projections).
    expect([...handled.query.keys()].sort((a, b) => a - b)).toEqual([...Array.from({ length: 12 }, (_, id) => id), 100, 101, 102, 103, 104]);
  });

  it('answers bad input with a clear error and exit code 2', async () => {
    const cases: Array<[string[], string]> = [
      [['dlq', 'show', 'nope'], 'usage: sightline dlq show <partition:offset>'],
      [['replay', 'gateway'], 'usage: sightline replay <aggregator|query>'],
      [['replay', 'query', '--from-time', 'yesterday'], '--from-time must be an ISO-8601 time'],
      [['dlq', 'redrive', '--resaon', 'TypeError'], 'unknown option --resaon'],
      [['frobnicate'], 'unknown command "frobnicate"'],
    ];
    for (const [args, message] of cases) {
      const run = await sightline(ns, ...args);
      expect({ args, code: run.code, stderr: run.stderr.includes(message) }).toEqual({ args, code: 2, stderr: true });
    }
  });
});
