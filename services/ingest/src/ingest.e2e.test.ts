import { startService, testInfra, testNamespace, waitFor, type ServiceProcess } from '@sightline/testing';
import { basicAuth, testProject } from './testing/ingest-harness';
import { namespaceTopics } from './testing/project-topic';

jest.setTimeout(60_000);

describe('ingest as a real process', () => {
  const namespace = testNamespace('ingest_e2e');
  let ingest: ServiceProcess;
  let kafka: Awaited<ReturnType<typeof namespaceTopics>>;
  const project = testProject();
  const auth = { authorization: basicAuth(project.writeKeys[0]!), 'content-type': 'application/json' };

  beforeAll(async () => {
    kafka = await namespaceTopics(namespace);
    await kafka.putProject(project);
    ingest = await startService('ingest', { TOPIC_NAMESPACE: namespace, KAFKA_BROKERS: testInfra.kafkaBrokers.join(','), LOG_LEVEL: 'warn' });
  });
  afterAll(async () => {
    await ingest.stop();
    await kafka.close();
    await kafka.deleteTopics();
  });

  it('POST /v1/track with a published project reaches events.raw', async () => {
    const res = await fetch(`${ingest.url}/v1/track`, { method: 'POST', headers: auth, body: JSON.stringify({ userId: 'u', event: 'e2e', messageId: 'e2e-1' }) });
    expect(res.status).toBe(200);
    await waitFor(() => kafka.records.some((r) => r.messageId === 'e2e-1'), { description: 'e2e-1 in events.raw' });
  });

  it('SIGTERM drains in-flight requests: every 2xx is in the topic and the process exits 0', async () => {
    const sent = Array.from({ length: 300 }, (_, i) =>
      fetch(`${ingest.url}/v1/track`, { method: 'POST', headers: auth, body: JSON.stringify({ userId: `u${i % 17}`, event: 'drain', messageId: `drain-${i}` }) })
        .then((r) => ({ id: `drain-${i}`, status: r.status }))
        .catch(() => ({ id: `drain-${i}`, status: 0 })),
    );
    await Promise.race(sent);
    const exit = ingest.stop();
    const results = await Promise.all(sent);
    expect(await exit).toBe(0);
    const acked = results.filter((r) => r.status === 200).map((r) => r.id);
    expect(acked.length).toBeGreaterThan(0);
    expect(results.every((r) => r.status === 200 || r.status === 0 || r.status === 503)).toBe(true);
    await waitFor(() => acked.every((id) => kafka.records.some((r) => r.messageId === id)), { description: 'every acknowledged event in events.raw' });
  });
});
