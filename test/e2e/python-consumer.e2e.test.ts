import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { enrichedEventKeyOf, topicNames } from '@sightline/contracts';
import { createProducer, fetchTopicOffsets } from '@sightline/kafka';
import { testInfra, testKafka, uniqueId, waitFor } from '@sightline/testing';
import { api, basic, startStack, type Stack } from './stack';

/*
 * Issue #18 §5: examples/python-consumer, an internal service in Python, run against the real
 * services. Events sent through ingest reach its per-visitor counts exactly (merges folded,
 * nothing twice), bad records land in its `invalid` table, and an erasure through the gateway
 * removes the visitor from it. The venv lives in .sightline/ and is made again only when
 * requirements.txt changes (the first run installs from PyPI).
 */
const root = resolve(__dirname, '..', '..');
const example = join(root, 'examples', 'python-consumer');
const venv = join(root, '.sightline', 'python-consumer-venv');
const python = join(venv, 'bin', 'python');
const SECRET = 'python-consumer-e2e-erasure-id-secret-0123456789';

function ensureVenv(): void {
  const requirements = readFileSync(join(example, 'requirements.txt'));
  const stamp = join(venv, 'requirements.sha256');
  const want = createHash('sha256').update(requirements).digest('hex');
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === want) return;
  rmSync(venv, { recursive: true, force: true });
  execFileSync(process.env.PYTHON ?? 'python3.11', ['-m', 'venv', venv], { stdio: 'inherit' });
  execFileSync(python, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '-r', join(example, 'requirements.txt')], { stdio: 'inherit' });
  writeFileSync(stamp, want);
}

interface Dump {
  visitors: Record<string, Record<string, { events: number; ids: string[] }>>;
  merges: Array<[string, number, number]>;
  erased: Array<[string, number]>;
  invalid: Array<{ topic: string; partition: number; offset: number; reason: string }>;
}

describe('issue #18 §5: the Python example consumer', () => {
  let stack: Stack;
  let child: ChildProcess | undefined;
  let stderr = '';
  const dir = mkdtempSync(join(tmpdir(), 'python-consumer-'));
  const db = join(dir, 'counts.sqlite');
  const dump = (): Dump => JSON.parse(execFileSync(python, [join(example, 'consumer.py'), 'dump', '--db', db], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })) as Dump;

  beforeAll(async () => {
    ensureVenv();
    const secret = { ERASURE_ID_SECRET: SECRET };
    stack = await startStack('pyconsumer', { gateway: secret, 'session-fingerprint': secret, 'bitmap-aggregator': secret, query: secret });
  });
  afterAll(async () => {
    if (child && child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise((r) => child!.once('exit', r));
    }
    await stack?.stop();
    // What the example logged (records it refused, erasures it applied), for a failed run.
    mkdirSync(join(root, '.sightline', 'logs'), { recursive: true });
    writeFileSync(join(root, '.sightline', 'logs', 'python-consumer.e2e.log'), stderr);
    rmSync(dir, { recursive: true, force: true });
  });

  it('counts exactly the events sent through ingest per visitor, merges folded; an erasure removes the visitor', async () => {
    const gateway = stack.services.gateway.url;
    const email = `${uniqueId('pyconsumer')}@example.test`;
    const password = 'correct horse battery staple';
    const account = await api<{ account: { id: string } }>('POST', `${gateway}/v1/accounts`, { body: { name: 'pyconsumer', email, password } });
    const admin = basic(email, password);
    const project = await api<{ project: { id: string; writeKey: string } }>('POST', `${gateway}/v1/accounts/${account.body.account.id}/projects`, { auth: admin, body: { name: 'pyconsumer' } });
    expect(project.status).toBe(201);
    const { id: projectId, writeKey } = project.body.project;

    const groupId = `${stack.namespace}consumer.${uniqueId('example-python')}`;
    child = spawn(python, [join(example, 'consumer.py'), 'run', '--db', db], {
      env: { PATH: process.env.PATH ?? '', ...testInfra.kafkaSaslEnv, KAFKA_BROKERS: testInfra.kafkaBrokers.join(','), TOPIC_NAMESPACE: stack.namespace, GROUP_ID: groupId, ERASURE_ID_SECRET: SECRET },
      stdio: ['ignore', 'inherit', 'pipe'],
    });
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));

    // Ingest learns the write key from projects.v1: an empty event is a 400 (not a 401) once it has.
    await waitFor(async () => (await api('POST', `${stack.services.ingest.url}/v1/track`, { auth: basic(writeKey), body: {} })).status === 400, { timeoutMs: 30_000, description: 'ingest knows the write key' });

    // The ledger: what each person sent, counted by the test itself.
    const sent = new Map<string, number>();
    const send = async (person: string, events: Array<Record<string, unknown>>) => {
      const batch = events.map((e) => ({ type: 'track', event: 'Viewed', messageId: randomUUID(), timestamp: new Date().toISOString(), ...e }));
      const res = await api('POST', `${stack.services.ingest.url}/v1/batch`, { auth: basic(writeKey), body: { batch } });
      expect(res.status).toBe(200);
      sent.set(person, (sent.get(person) ?? 0) + events.length);
    };
    const total = () => [...sent.values()].reduce((a, b) => a + b, 0);
    const counted = () => Object.values(dump().visitors[projectId] ?? {}).reduce((sum, v) => sum + v.events, 0);
    const times = <T>(n: number, e: T) => Array.from({ length: n }, () => e);

    // Anonymous visits first: alice's, ann's laptop and phone (two visitors so far), bob's pages, carol (a userId).
    await send('alice', times(3, { anonymousId: 'alice-browser' }));
    await send('ann', times(2, { anonymousId: 'laptop' }));
    await send('ann', times(3, { anonymousId: 'phone' }));
    await send('bob', times(5, { type: 'page', anonymousId: 'bob-browser', name: 'Home', properties: { path: '/' } }));
    await send('carol', times(2, { userId: 'carol' }));
    await waitFor(() => counted() === total(), { timeoutMs: 60_000, description: `the first ${total()} events counted` });
    // ann logs in on the laptop (she joins that visitor), then on the phone: the phone's visitor is merged into hers.
    await send('ann', [{ type: 'identify', anonymousId: 'laptop', userId: 'ann' }]);
    await waitFor(() => counted() === total(), { timeoutMs: 60_000, description: 'the laptop login counted' });
    await send('ann', [{ type: 'identify', anonymousId: 'phone', userId: 'ann' }]);
    await send('ann', [{ anonymousId: 'phone' }]);
    await send('alice', [{ type: 'identify', anonymousId: 'alice-browser', userId: 'alice' }]);

    // Two bad records straight onto the enriched topic, between the good ones.
    const topics = topicNames(stack.namespace);
    const producer = createProducer(testKafka());
    await producer.start();
    await producer.raw.send({ topic: topics.eventsEnriched, messages: [{ key: enrichedEventKeyOf({ projectId, visitorIndex: 999 }), value: '{not json' }, { key: enrichedEventKeyOf({ projectId, visitorIndex: 999 }), value: JSON.stringify({ messageId: 'x', projectId }) }] });
    await producer.stop();

    // Every enriched record handled and committed by the example's group: then its counts are final.
    const settled = async () => {
      const highs = await fetchTopicOffsets(testKafka(), topics.eventsEnriched);
      const admin = testKafka().admin();
      await admin.connect();
      try {
        const [entry] = await admin.fetchOffsets({ groupId, topics: [topics.eventsEnriched] });
        return highs.every((h) => entry!.partitions.find((p) => p.partition === h.partition)?.offset === h.high || h.high === '0');
      } finally {
        await admin.disconnect();
      }
    };
    const byPerson = (d: Dump) => {
      const rows = Object.values(d.visitors[projectId] ?? {});
      return Object.fromEntries(rows.map((row) => [[...sent.keys()].find((person) => row.ids.some((id) => id === person || id.startsWith(`${person}-`))) ?? row.ids.join(','), row.events]));
    };
    const expected = Object.fromEntries(sent);
    expect(expected).toEqual({ alice: 4, ann: 8, bob: 5, carol: 2 });
    // Caught up (every offset committed), then compared: a count above what was sent would show here too.
    await waitFor(async () => counted() >= total() && (await settled()), { timeoutMs: 60_000, description: 'the example caught up' });
    const before = dump();
    expect(byPerson(before)).toEqual(expected);
    // One row per person: ann's phone visitor was merged into hers (the phone's events were
    // counted under its own index before the login), its ids and counts folded in.
    const [annIndex] = Object.entries(before.visitors[projectId]!).find(([, v]) => v.ids.includes('ann'))!;
    expect(before.visitors[projectId]![annIndex]!.ids).toEqual(['ann', 'laptop', 'phone']);
    expect(before.merges.filter(([p]) => p === projectId).map(([, , into]) => String(into))).toEqual([annIndex]);
    expect(before.invalid.map((r) => r.reason)).toEqual([expect.stringContaining('invalid JSON'), expect.stringContaining("'sessionId' is a required property")]);

    // The erasure, as a member asks it of the gateway.
    const erased = await api('DELETE', `${gateway}/v1/projects/${projectId}/visitors/carol`, { auth: admin });
    expect(erased.status).toBe(202);
    await waitFor(() => !('carol' in byPerson(dump())), { timeoutMs: 60_000, description: 'the example applied the erasure' });
    const after = dump();
    const { carol: _gone, ...others } = expected;
    expect(byPerson(after)).toEqual(others);
    expect(after.erased.filter(([p]) => p === projectId)).toHaveLength(1);
    await waitFor(() => stderr.includes('"event": "erasure_applied"'), { timeoutMs: 10_000, description: 'the example logged the erasure' });
  });
});
