import { randomBytes } from 'node:crypto';
import { startService, testInfra, testNamespace, waitFor, workerPids, type ServiceProcess } from '@sightline/testing';
import { basicAuth, testProject } from './testing/ingest-harness';
import { namespaceTopics } from './testing/project-topic';

jest.setTimeout(90_000);

describe('ingest in two cluster workers (HTTP_WORKERS=2)', () => {
  const namespace = testNamespace('ingest_workers');
  let ingest: ServiceProcess;
  let kafka: Awaited<ReturnType<typeof namespaceTopics>>;
  const project = testProject();
  const limited = testProject({ rateLimit: { eventsPerSecond: 1, burst: 10 } });
  const auth = { authorization: basicAuth(project.writeKeys[0]!), 'content-type': 'application/json' };
  const track = (id: string, headers: Record<string, string> = {}) =>
    fetch(`${ingest.url}/v1/track`, { method: 'POST', headers: { ...auth, ...headers }, body: JSON.stringify({ userId: `u-${id}`, event: 'workers', messageId: id }) })
      .then((r) => ({ id, status: r.status }))
      .catch(() => ({ id, status: 0 }));

  beforeAll(async () => {
    kafka = await namespaceTopics(namespace);
    await kafka.putProject(project);
    await kafka.putProject(limited);
    ingest = await startService('ingest', { TOPIC_NAMESPACE: namespace, KAFKA_BROKERS: testInfra.kafkaBrokers.join(','), LOG_LEVEL: 'info', HTTP_WORKERS: '2' });
    // /readyz answered by one worker; the other may still be starting.
    await waitFor(() => workerPids(ingest.pid).length === 2, { description: 'two workers' });
  });
  afterAll(async () => {
    await ingest.stop();
    await kafka.close();
    await kafka.deleteTopics();
  });

  it('both workers listen on the one port, and each event carries the trace of the request that sent it', async () => {
    const listening = () => new Set([...ingest.logs().matchAll(/"pid":(\d+)[^\n]*"msg":"ingest_listening"/g)].map((m) => Number(m[1])));
    await waitFor(() => listening().size === 2, { description: 'two ingest_listening lines' });
    expect([...listening()].sort()).toEqual(workerPids(ingest.pid).sort());

    const traceIds = new Map<string, string>();
    const sent = await Promise.all(
      Array.from({ length: 200 }, (_, i) => {
        const traceId = randomBytes(16).toString('hex');
        traceIds.set(`w-${i}`, traceId);
        return track(`w-${i}`, { traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01` });
      }),
    );
    expect(sent.every((r) => r.status === 200)).toBe(true);
    await waitFor(() => sent.every((r) => kafka.traceparents.has(r.id)), { description: 'every event in events.raw' });
    for (const [id, traceId] of traceIds) expect(kafka.traceparents.get(id)).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-0[01]$`));
  });

  it("admits one write key's token bucket across both workers, not a bucket per worker", async () => {
    const started = Date.now();
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        fetch(`${ingest.url}/v1/track`, {
          method: 'POST',
          headers: { authorization: basicAuth(limited.writeKeys[0]!), 'content-type': 'application/json' },
          body: JSON.stringify({ userId: `rl-${i}`, event: 'limited', messageId: `rl-${i}` }),
        }).then((r) => ({ status: r.status, retryAfter: r.headers.get('retry-after') })),
      ),
    );
    const seconds = (Date.now() - started) / 1000;
    const admitted = results.filter((r) => r.status === 200).length;
    // burst 10, refilled at 1/s while the requests ran; a bucket per worker would admit ~20.
    expect(admitted).toBeGreaterThanOrEqual(10);
    expect(admitted).toBeLessThanOrEqual(10 + Math.ceil(seconds));
    expect(results.filter((r) => r.status !== 200).every((r) => r.status === 429 && Number(r.retryAfter) >= 1)).toBe(true);
  });

  it('replaces a worker killed with SIGKILL, and keeps answering meanwhile', async () => {
    const [victim, survivor] = workerPids(ingest.pid);
    process.kill(victim!, 'SIGKILL');
    await waitFor(() => {
      const pids = workerPids(ingest.pid);
      return pids.length === 2 && !pids.includes(victim!) && pids.includes(survivor!);
    }, { description: 'a new worker in place of the killed one' });
    const [replacement] = workerPids(ingest.pid).filter((pid) => pid !== survivor);
    await waitFor(() => ingest.logs().includes(`"pid":${replacement},`), { description: 'the replacement listening' });
    const sent = await Promise.all(Array.from({ length: 50 }, (_, i) => track(`after-kill-${i}`)));
    expect(sent.filter((r) => r.status !== 200)).toEqual([]);
    await waitFor(() => sent.every((r) => kafka.traceparents.has(r.id)), { description: 'events after the replacement in events.raw' });
  });

  it('SIGTERM drains both workers: every 2xx is in the topic and the primary exits 0', async () => {
    const sent = Array.from({ length: 300 }, (_, i) => track(`drain-${i}`));
    await Promise.race(sent);
    const workers = workerPids(ingest.pid);
    const exit = ingest.stop();
    const results = await Promise.all(sent);
    const code = await exit;
    if (code !== 0) console.log(ingest.logs().split('\n').filter((l) => !l.includes('table_loaded')).join('\n').slice(-3000));
    expect(code).toBe(0);
    expect(workerPids(ingest.pid)).toEqual([]);
    for (const pid of workers) expect(() => process.kill(pid, 0)).toThrow();
    const acked = results.filter((r) => r.status === 200).map((r) => r.id);
    expect(acked.length).toBeGreaterThan(0);
    expect(results.every((r) => r.status === 200 || r.status === 0 || r.status === 503)).toBe(true);
    await waitFor(() => acked.every((id) => kafka.traceparents.has(id)), { description: 'every acknowledged event in events.raw' });
  });
});
