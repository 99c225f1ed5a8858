import { startService, waitFor } from '@sightline/testing';
import { caughtUp, peopleOf, sendEvents, serviceFixture, workload } from '../test/harness';

/**
 * The built service as a real process, killed with SIGKILL while it projects a stream: after a
 * restart every total is exact (no double increments) and uniques are exact.
 */
const fixture = serviceFixture('agge2e');
const { kafka, producer, topics, namespace, processes } = fixture;
// Small fetches: many batches in flight, so the kill lands mid-stream.
const env = { ...fixture.env, MAX_BYTES_PER_PARTITION: '65536' };

describe('bitmap-aggregator process', () => {
  it('kill -9 mid-stream, restart: totals and uniques exact', async () => {
    const projectId = 'crash';
    const end = Date.now();
    const ledger = workload(projectId, 6000, 10, end, 3);
    const from = encodeURIComponent(new Date(end - 11 * 86_400_000).toISOString());
    const to = encodeURIComponent(new Date(end).toISOString());
    const get = async (path: string) => (await (await fetch(`${processes.service!.url}/internal/projects/${projectId}/${path}`)).json()) as { total: number };

    processes.service = await startService('bitmap-aggregator', env);
    await sendEvents(producer, topics.eventsEnriched, ledger);
    await waitFor(async () => (await get(`totals?from=${from}&to=${to}`)).total > 0, { timeoutMs: 60_000, description: 'projection started' });
    await processes.service.kill9();
    const partial = await (async () => {
      processes.service = await startService('bitmap-aggregator', env);
      return (await get(`totals?from=${from}&to=${to}`)).total;
    })();
    expect(partial).toBeLessThanOrEqual(ledger.length);

    await waitFor(() => caughtUp(kafka, `${namespace}bitmap-aggregator`, topics.eventsEnriched), { timeoutMs: 120_000, description: 'caught up after restart' });
    expect((await get(`totals?from=${from}&to=${to}`)).total).toBe(ledger.length);
    expect((await get(`totals?from=${from}&to=${to}&dim=event:signup`)).total).toBe(ledger.filter((e) => e.name === 'signup').length);
    expect((await get(`uniques?from=${from}&to=${to}`)).total).toBe(peopleOf(ledger));
  });
});
