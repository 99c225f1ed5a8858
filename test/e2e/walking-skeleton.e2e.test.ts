import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { json, readAll, waitFor } from '@sightline/testing';
import { api, basic, bearer, createProject, startStack, type DemoProject, type Stack } from './stack';

// The foundation's promise, end to end through five real processes, Kafka, Postgres and
// Redis: what ingest acknowledged is counted exactly once, even across restarts. The events
// come as a server SDK sends them (Node's own User-Agent, which isbot classes as a bot): the
// sender's agent must not make the visitors bots.
const DAY = 86_400_000;
const today = Math.floor(Date.now() / DAY) * DAY;
const day1 = today - 3 * DAY;
const day2 = today - 2 * DAY;

interface Sent {
  userId: string;
  timestamp: number;
}

function eventsFor(visitors: number[], count: number, seed: number): Sent[] {
  // Every visitor appears at least once; the rest are spread deterministically over both days.
  const out: Sent[] = [];
  for (let i = 0; i < count; i++) {
    const visitor = visitors[i % visitors.length]!;
    const onDay2 = visitor % 3 === 0 ? (i + seed) % 2 === 0 : visitor % 3 === 1;
    out.push({ userId: `user-${visitor}`, timestamp: (onDay2 ? day2 : day1) + ((i * 7919 + seed) % DAY) });
  }
  return out;
}

function expected(ledger: Sent[]) {
  const all = new Set(ledger.map((e) => e.userId));
  const d1 = new Set(ledger.filter((e) => e.timestamp < day2).map((e) => e.userId));
  const d2 = new Set(ledger.filter((e) => e.timestamp >= day2).map((e) => e.userId));
  return { total: all.size, series: [d1.size, d2.size] };
}

describe('walking skeleton: ingest → fingerprint → aggregator/query → gateway', () => {
  let stack: Stack;
  let project: DemoProject;
  const ledger: Sent[] = [];

  async function send(events: Sent[]) {
    for (let i = 0; i < events.length; i += 100) {
      const batch = events.slice(i, i + 100).map((e, j) => ({
        type: 'track',
        event: j % 5 === 0 ? 'signup' : 'page_view',
        userId: e.userId,
        messageId: `m-${ledger.length + i + j}`,
        timestamp: new Date(e.timestamp).toISOString(),
        properties: { n: ledger.length + i + j },
      }));
      const res = await api('POST', `${stack.services.ingest.url}/v1/batch`, { auth: basic(project.writeKey), body: { batch } });
      expect(res.status).toBe(200);
    }
    ledger.push(...events);
  }

  async function uniques() {
    const from = new Date(day1).toISOString();
    const to = new Date(day2 + DAY).toISOString();
    const res = await api<{ total: number; series: Array<{ start: string; count: number }> }>(
      'GET',
      `${stack.services.gateway.url}/v1/projects/${project.projectId}/unique-visitors?from=${from}&to=${to}&interval=day`,
      { auth: bearer(project.readKey) },
    );
    if (res.status !== 200) throw new Error(`unique-visitors answered ${res.status}: ${JSON.stringify(res.body)}`);
    return { total: res.body.total, series: res.body.series.map((s) => s.count) };
  }

  /** Polls until the count equals the ledger's answer; on time-out the last answer shows the difference. */
  async function settledUniques(want: { total: number; series: number[] }) {
    let last: unknown = null;
    try {
      return await waitFor(async () => {
        const u = await uniques();
        last = u;
        return u.total === want.total && u.series.join() === want.series.join() ? u : null;
      }, { timeoutMs: 90_000, description: `uniques ${JSON.stringify(want)}` });
    } catch (err) {
      const logs = Object.values(stack.services).map((svc) => `--- ${svc.name}\n${svc.logs().slice(-3000)}`).join('\n');
      throw new Error(`${(err as Error).message}; last answer ${JSON.stringify(last)}\n${logs}`);
    }
  }

  beforeAll(async () => {
    stack = await startStack('skeleton');
    project = await createProject(stack.services.gateway.url, 'skeleton');
    // The write key reaches ingest through projects.v1: an empty track is a 400 once the key is known.
    await waitFor(async () => (await api('POST', `${stack.services.ingest.url}/v1/track`, { auth: basic(project.writeKey), body: {} })).status === 400, {
      timeoutMs: 10_000,
      description: 'write key known at ingest',
    });
  });
  afterAll(() => stack?.stop());

  it('runs every service on the Node.js major the repo pins (.nvmrc)', async () => {
    const pinned = readFileSync(join(__dirname, '..', '..', '.nvmrc'), 'utf8').trim();
    for (const svc of Object.values(stack.services)) {
      const res = await api<{ service: string; node: string }>('GET', `${svc.url}/healthz`);
      expect({ service: res.body.service, major: res.body.node.split('.')[0] }).toEqual({ service: svc.name, major: pinned });
    }
  });

  it('counts 300 visitors from 1,000 events across 2 days exactly', async () => {
    await send(eventsFor(Array.from({ length: 300 }, (_, i) => i), 1000, 1));
    const want = expected(ledger);
    expect(want.total).toBe(300);
    expect(await settledUniques(want)).toEqual(want);
  });

  it('stays exact when the aggregator is killed and the fingerprint service restarts mid-stream', async () => {
    const next = eventsFor(Array.from({ length: 200 }, (_, i) => 200 + i), 1000, 2);
    await send(next.slice(0, 400));
    await stack.restart('bitmap-aggregator', 'SIGKILL');
    await send(next.slice(400, 700));
    await stack.restart('session-fingerprint', 'SIGTERM');
    await send(next.slice(700));
    await stack.restart('session-fingerprint', 'SIGKILL');

    const want = expected(ledger);
    expect(want.total).toBe(400);
    expect(await settledUniques(want)).toEqual(want);

    // No visitor re-indexed: each user has exactly one visitor index, and indexes are not shared.
    const enriched = await waitFor(async () => {
      const records = await readAll(`${stack.namespace}events.enriched.v1`);
      const ids = new Set(records.map((m) => json<{ messageId: string }>(m).messageId));
      return ids.size >= 2000 ? records : null;
    }, { timeoutMs: 60_000, description: '2,000 distinct enriched messages' });
    const indexesByUser = new Map<string, Set<number>>();
    for (const record of enriched) {
      const event = json<{ userId: string; visitorIndex: number }>(record);
      if (!indexesByUser.has(event.userId)) indexesByUser.set(event.userId, new Set());
      indexesByUser.get(event.userId)!.add(event.visitorIndex);
    }
    expect(indexesByUser.size).toBe(400);
    expect([...indexesByUser.values()].every((s) => s.size === 1)).toBe(true);
    expect(new Set([...indexesByUser.values()].map((s) => [...s][0])).size).toBe(400);
  });
});
