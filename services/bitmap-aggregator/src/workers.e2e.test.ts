import { startService, waitFor, workerPids } from '@sightline/testing';
import { caughtUp, peopleOf, sendEvents, serviceFixture, workload } from '../test/harness';

jest.setTimeout(120_000);

/**
 * The built service in two cluster workers (WORKERS=2), as production runs it on two cores:
 * both listen on the one port and join the consumer group; a worker killed with SIGKILL while it
 * projects is replaced, and every total and unique is exact afterwards.
 */
const fixture = serviceFixture('aggworkers');
const { kafka, producer, topics, namespace, processes } = fixture;
const groupId = `${namespace}bitmap-aggregator`;

async function groupMembers(): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const { groups } = await admin.describeGroups([groupId]);
    return groups[0]?.state === 'Stable' ? groups[0].members.length : 0;
  } finally {
    await admin.disconnect();
  }
}

describe('bitmap-aggregator in two cluster workers (WORKERS=2)', () => {
  it('both workers listen and consume; one killed mid-stream is replaced; totals and uniques exact', async () => {
    const service = (processes.service = await startService('bitmap-aggregator', {
      ...fixture.env,
      WORKERS: '2',
      // One consumer per worker: two members in the group means both workers joined it.
      CONSUMER_INSTANCES: '1',
      // Small fetches: many batches in flight, so the kill lands mid-stream.
      MAX_BYTES_PER_PARTITION: '65536',
    }));
    const listening = () => new Set([...service.logs().matchAll(/"pid":(\d+)[^\n]*"msg":"bitmap_aggregator_listening"/g)].map((m) => Number(m[1])));
    await waitFor(() => listening().size === 2, { description: 'two bitmap_aggregator_listening lines' });
    const workers = workerPids(service.pid);
    expect([...listening()].sort()).toEqual(workers.sort());
    await waitFor(async () => (await groupMembers()) === 2, { timeoutMs: 60_000, description: 'both workers in the consumer group' });

    const projectId = 'workers';
    const end = Date.now();
    const ledger = workload(projectId, 6000, 10, end, 5);
    const range = `from=${encodeURIComponent(new Date(end - 11 * 86_400_000).toISOString())}&to=${encodeURIComponent(new Date(end).toISOString())}`;
    const get = async (path: string) => (await (await fetch(`${service.url}/internal/projects/${projectId}/${path}`)).json()) as { total: number };

    await sendEvents(producer, topics.eventsEnriched, ledger);
    await waitFor(async () => (await get(`totals?${range}`)).total > 0, { timeoutMs: 60_000, description: 'projection started' });
    process.kill(workers[0]!, 'SIGKILL');
    await waitFor(() => workerPids(service.pid).length === 2 && !workerPids(service.pid).includes(workers[0]!), { timeoutMs: 30_000, description: 'the killed worker replaced' });

    await waitFor(() => caughtUp(kafka, groupId, topics.eventsEnriched), { timeoutMs: 120_000, description: 'caught up after the kill' });
    expect((await get(`totals?${range}`)).total).toBe(ledger.length);
    expect((await get(`totals?${range}&dim=event:signup`)).total).toBe(ledger.filter((e) => e.name === 'signup').length);
    expect((await get(`uniques?${range}`)).total).toBe(peopleOf(ledger));
    expect(await service.stop()).toBe(0);
    processes.service = undefined;
  });
});
