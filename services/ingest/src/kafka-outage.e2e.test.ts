import { execFileSync } from 'node:child_process';
import { connect } from 'node:net';
import { join } from 'node:path';
import { json, readAll, repoRoot, startService, testInfra, testNamespace, waitFor, type ServiceProcess } from '@sightline/testing';
import type { RawEvent } from '@sightline/contracts';
import { basicAuth, testProject } from './testing/ingest-harness';
import { namespaceTopics } from './testing/project-topic';

/**
 * Stops the real shared Kafka broker for a few seconds, so it is kept short and runs only in
 * the e2e phase. Requests during the outage must get 503 within the ack deadline, requests
 * after the restart 2xx, and every request that got a 2xx must be in the topic.
 */
jest.setTimeout(240_000);

const ACK_TIMEOUT_MS = 2000;
const infra = (part: string, action: 'start' | 'stop') => execFileSync(join(repoRoot, 'infra', part, action), { stdio: 'ignore', timeout: 120_000 });

/** True while something accepts TCP connections on the broker's address. */
function listening(address: string): Promise<boolean> {
  const [host, port] = address.split(':');
  return new Promise((resolve) => {
    const socket = connect({ host, port: Number(port) });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

interface Outcome {
  id: string;
  status: number;
  ms: number;
  at: number;
}

describe('Kafka outage', () => {
  const namespace = testNamespace('ingest_outage');
  const project = testProject({ rateLimit: { eventsPerSecond: 1e6, burst: 1e6 } });
  let ingest: ServiceProcess;
  let topics: Awaited<ReturnType<typeof namespaceTopics>>;

  beforeAll(async () => {
    topics = await namespaceTopics(namespace, { read: false });
    await topics.putProject(project);
    await topics.close();
    ingest = await startService('ingest', { TOPIC_NAMESPACE: namespace, KAFKA_BROKERS: testInfra.kafkaBrokers.join(','), ACK_TIMEOUT_MS: String(ACK_TIMEOUT_MS), LOG_LEVEL: 'error' });
  });
  afterAll(async () => {
    infra('kafka', 'start');
    await ingest?.stop();
    await topics?.deleteTopics();
  });

  it('503 within the deadline while Kafka is down, 2xx after it restarts, and no acknowledged event lost', async () => {
    const ledger: Outcome[] = [];
    let running = true;
    let seq = 0;
    const sender = async () => {
      while (running) {
        const id = `outage-${seq++}`;
        const started = Date.now();
        const status = await fetch(`${ingest.url}/v1/track`, {
          method: 'POST',
          headers: { authorization: basicAuth(project.writeKeys[0]!), 'content-type': 'application/json' },
          body: JSON.stringify({ userId: `u${seq % 13}`, event: 'outage', messageId: id }),
        })
          .then((r) => r.status)
          .catch(() => 0);
        ledger.push({ id, status, ms: Date.now() - started, at: started });
        // Pacing, not waiting on a condition: keeps the ledger small while the broker is up.
        await new Promise((r) => setTimeout(r, 10));
      }
    };
    const senders = [sender(), sender()];
    const okCount = () => ledger.filter((o) => o.status === 200).length;
    await waitFor(() => okCount() >= 20, { description: '2xx before the outage' });

    const stoppedAt = Date.now();
    infra('kafka', 'stop');
    const brokerDownAt = Date.now();
    // A broker started by another checkout is reused, not owned, and survives this stop.
    if (await listening(testInfra.kafkaBrokers[0]!)) throw new Error(`infra/kafka/stop left ${testInfra.kafkaBrokers[0]} serving: a broker this checkout did not start (stop it, then run again)`);
    await waitFor(() => ledger.some((o) => o.status === 503 && o.at >= brokerDownAt), { timeoutMs: 30_000, description: '503 while Kafka is down' });
    const during = ledger.filter((o) => o.at >= brokerDownAt);

    infra('kafka', 'start');
    const restartedAt = Date.now();
    await waitFor(() => ledger.filter((o) => o.status === 200 && o.at >= restartedAt).length >= 20, { timeoutMs: 120_000, description: '2xx after the restart' });
    running = false;
    await Promise.all(senders);

    // While the broker was down, nothing was acknowledged and every refusal came within the deadline.
    const downWindow = ledger.filter((o) => o.at >= brokerDownAt && o.at + o.ms < restartedAt);
    expect(downWindow.filter((o) => o.status === 200)).toEqual([]);
    for (const o of during.filter((x) => x.status === 503)) expect(o.ms).toBeLessThanOrEqual(ACK_TIMEOUT_MS + 1000);
    expect(ledger.every((o) => o.status === 200 || o.status === 503)).toBe(true);

    const acknowledged = new Set(ledger.filter((o) => o.status === 200).map((o) => o.id));
    const stored = new Set<string>();
    await waitFor(
      async () => {
        for (const m of await readAll(topics.topics.eventsRaw, 60_000)) stored.add(json<RawEvent>(m).messageId);
        return [...acknowledged].every((id) => stored.has(id));
      },
      { timeoutMs: 60_000, intervalMs: 1000, description: 'every acknowledged event in events.raw' },
    );
    console.log(
      `outage: ${ledger.length} requests, ${acknowledged.size} acknowledged (all stored), ${ledger.filter((o) => o.status === 503).length} got 503; broker stop took ${brokerDownAt - stoppedAt} ms`,
    );
  });
});
