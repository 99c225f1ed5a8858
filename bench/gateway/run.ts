// Gateway benchmark, printed figures (never asserted):
//   node scripts/run-ts.mjs bench/gateway/run.ts [--events N] [--quick] [--rounds 200]
// The real bitmap-aggregator, query service and gateway run as processes on a fresh namespace,
// databases and Redis prefix (bench/stack.ts). N enriched events (N/10 visitors, 90 days, the query bench's
// event mix) go to events.enriched.v1, both projections consume them, then:
//  - 90-day unique visitors directly from the aggregator, through the gateway with a read key and
//    with a signed-in session, in turn for --rounds rounds: the gateway's own cost per read;
//  - a 3-step funnel (view_item → add_to_cart → purchase, 7-day window) through the gateway
//    (aggregator candidates + query matching) vs the query service directly.
import { cpus, totalmem } from 'node:os';
import { readFileSync } from 'node:fs';
import { enrichedEventKeyOf, type EnrichedEvent } from '@sightline/contracts';
import { createProducer } from '@sightline/kafka';
import { deleteKeys, testInfra, testKafka, testNamespace, testRedis, uniqueId, waitFor, type ServiceProcess, benchArgs } from '@sightline/testing';
import { json, startStack } from '../stack';

const cli = benchArgs();
const arg = cli.number;
const quick = cli.quick;
const EVENTS = arg('events', quick ? 100_000 : 1_000_000);
const VISITORS = Math.max(10, Math.round(EVENTS / 10));
const DAY = 86_400_000;
const END = Math.floor(Date.now() / DAY) * DAY - DAY;
const START = END - 90 * DAY;
const NAMES: Array<[string, number]> = [
  ['$pageview', 0.4], ['view_item', 0.15], ['search', 0.1], ['click', 0.1], ['login', 0.08],
  ['add_to_cart', 0.06], ['purchase', 0.03], ['checkout', 0.03], ['share', 0.03], ['signup', 0.02],
];
const UA = 'Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0';

function hash(n: number): number {
  let h = Math.imul(n ^ 0x9e3779b9, 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}
function nameOf(g: number): string {
  const r = (hash(g * 7 + 3) % 10_000) / 10_000;
  let acc = 0;
  for (const [name, weight] of NAMES) if (r < (acc += weight)) return name;
  return 'share';
}

function eventAt(projectId: string, g: number): EnrichedEvent {
  const visitorIndex = hash(g) % VISITORS;
  // Time order with up to 10 minutes of jitter, all inside [START, END).
  const ts = new Date(START + Math.floor((g / EVENTS) * (90 * DAY - 600_000)) + (hash(g + 1) % 600_000)).toISOString();
  const name = nameOf(g);
  return {
    messageId: `m${g}`, projectId, type: name === '$pageview' ? 'page' : 'track', name, category: null, properties: {},
    traits: { plan: visitorIndex % 4 === 0 ? 'pro' : 'free' }, anonymousId: `a-${visitorIndex}`, userId: null, visitorId: `v-${visitorIndex}`, visitorIndex,
    mergedVisitorIndexes: [], sessionId: `s-${visitorIndex}-${ts.slice(0, 10)}`, isNewVisitor: false, isNewSession: false, timestamp: ts, receivedAt: ts,
    context: { userAgent: UA }, device: { browser: 'Firefox', browserVersion: '140', os: 'Linux', deviceType: 'desktop' }, country: 'FR',
    referrerDomain: null, source: null, medium: null, campaign: null, entryPage: null, previousExitPage: null, isBot: false,
  };
}

async function timed(times: number, fn: () => Promise<unknown>) {
  const samples: number[] = [];
  let value: unknown;
  for (let i = 0; i < times; i++) {
    const t = performance.now();
    value = await fn();
    samples.push(performance.now() - t);
  }
  const s = [...samples].sort((a, b) => a - b);
  return { value, p50: s[Math.ceil(s.length / 2) - 1]!, p95: s[Math.min(s.length - 1, Math.ceil(s.length * 0.95) - 1)]! };
}
const fmt = (ms: number) => (ms < 1000 ? `${ms.toFixed(1)} ms` : `${(ms / 1000).toFixed(2)} s`);

async function main() {
  const cpu = readFileSync('/proc/cpuinfo', 'utf8').match(/model name\s*:\s*(.*)/)?.[1] ?? cpus()[0]?.model;
  console.log(`machine: ${cpus().length} cores (${cpu}), ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM; shared with other work, so figures are indicative`);
  const namespace = testNamespace('bench_gw');
  const prefix = `${uniqueId('bench_gw')}:`;
  const kafka = testKafka('bench-gateway');
  const stack = await startStack({ name: 'bench_gw', namespace, redisUrl: testInfra.redisUrl, redisPrefix: prefix });
  const { aggregator, query, gateway, topics } = stack;
  const project = { id: stack.projectId };
  const redis = testRedis();
  try {
    const bearer = { authorization: `Bearer ${stack.readKey}` };

    console.log(`data: ${EVENTS.toLocaleString('en')} enriched events, ${VISITORS.toLocaleString('en')} visitors, 90 days, into ${topics.eventsEnriched}`);
    const producer = createProducer(kafka);
    await producer.start();
    const loadStart = performance.now();
    for (let lo = 0; lo < EVENTS; lo += 5000) {
      const messages = [];
      for (let g = lo; g < Math.min(EVENTS, lo + 5000); g++) {
        const event = eventAt(project.id, g);
        messages.push({ key: enrichedEventKeyOf(event), value: event });
      }
      await producer.send(topics.eventsEnriched, messages);
    }
    await producer.stop();
    const range = { from: new Date(START).toISOString(), to: new Date(END).toISOString() };
    const at = (svc: ServiceProcess, what: string) => `${svc.url}/internal/projects/${project.id}/${what}`;
    await waitFor(async () => (await json<{ total: number }>(`${at(aggregator, 'totals')}?from=${range.from}&to=${range.to}`)).total === EVENTS, { timeoutMs: 30 * 60_000, intervalMs: 1000, description: 'aggregator caught up' });
    await waitFor(async () => (await json<{ total: number }>(`${at(query, 'counts')}?from=${range.from}&to=${range.to}`)).total === EVENTS, { timeoutMs: 30 * 60_000, intervalMs: 1000, description: 'query caught up' });
    console.log(`both projections caught up in ${((performance.now() - loadStart) / 1000).toFixed(1)} s (produce + consume)`);

    const qs = `from=${range.from}&to=${range.to}`;
    // The gateway's own cost on a read: the same 90-day count asked directly of the aggregator, through
    // the gateway with the read key, and with a signed-in session, in turn (so they share the machine's
    // noise); the overhead is the median of the per-round differences.
    const signIn = await fetch(`${gateway.url}/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(stack.admin) });
    const session = { cookie: signIn.headers.get('set-cookie')!.split(';')[0]! };
    // The same gateway without its lookup caches (LOOKUP_CACHE_MS=0): every request looks its key or
    // session, project and role up in Postgres, as before the caches.
    const uncached = await stack.startGateway({ LOOKUP_CACHE_MS: '0' });
    const uv = (svc: ServiceProcess, headers: Record<string, string>) => () => json<{ total: number }>(`${svc.url}/v1/projects/${project.id}/unique-visitors?${qs}`, { headers });
    const paths = {
      direct: () => json<{ total: number }>(`${at(aggregator, 'uniques')}?${qs}`),
      key: uv(gateway, bearer),
      session: uv(gateway, session),
      keyUncached: uv(uncached, bearer),
      sessionUncached: uv(uncached, session),
    };
    type Path = keyof typeof paths;
    const samples = Object.fromEntries(Object.keys(paths).map((k) => [k, [] as number[]])) as Record<Path, number[]>;
    const totals = new Set<number>();
    for (let i = 0; i < arg('rounds', 200) + 10; i++) {
      for (const which of Object.keys(paths) as Path[]) {
        const t = performance.now();
        totals.add((await paths[which]()).total);
        if (i >= 10) samples[which].push(performance.now() - t); // 10 warm-up rounds
      }
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.ceil(xs.length / 2) - 1]!;
    const p = (xs: number[]) => `p50 ${fmt(median(xs))} (p95 ${fmt([...xs].sort((a, b) => a - b)[Math.ceil(xs.length * 0.95) - 1]!)})`;
    const overhead = (which: Path) => `${fmt(median(samples[which].map((x, i) => x - samples.direct[i]!)))} (${(median(samples[which]) / median(samples.direct)).toFixed(2)}× the direct p50)`;
    console.log(`90-day unique visitors (${[...totals].join(' / ')}${totals.size > 1 ? ': DIFFERENT ANSWERS' : ''}), ${samples.direct.length} rounds in turn: aggregator direct ${p(samples.direct)}; gateway with the read key ${p(samples.key)}, with a session ${p(samples.session)}; without lookup caches: key ${p(samples.keyUncached)}, session ${p(samples.sessionUncached)}`);
    console.log(`  gateway overhead (median of per-round differences from direct): read key ${overhead('key')}, session ${overhead('session')}; without lookup caches: key ${overhead('keyUncached')}, session ${overhead('sessionUncached')}`);
    const seriesGateway = await timed(20, () => json(`${gateway.url}/v1/projects/${project.id}/unique-visitors?${qs}&interval=day`, { headers: bearer }));
    console.log(`90-day daily series through the gateway: p50 ${fmt(seriesGateway.p50)} (p95 ${fmt(seriesGateway.p95)})`);

    const funnel = { ...range, steps: [{ event: 'view_item' }, { event: 'add_to_cart' }, { event: 'purchase' }], windowSeconds: 7 * 86400, order: 'sequential' };
    // One warm-up each, so no path pays for cold caches the others then enjoy.
    await json(`${gateway.url}/v1/projects/${project.id}/funnels/query`, { method: 'POST', headers: { 'content-type': 'application/json', ...bearer }, body: JSON.stringify(funnel) });
    await json(at(query, 'funnels'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(funnel) });
    const fGateway = await timed(5, () => json<{ steps: Array<{ count: number }> }>(`${gateway.url}/v1/projects/${project.id}/funnels/query`, { method: 'POST', headers: { 'content-type': 'application/json', ...bearer }, body: JSON.stringify(funnel) }));
    const cand = await timed(5, () => json<{ count: number; visitorIndexes: number[] }>(at(aggregator, 'candidates'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...range, dims: ['event:view_item'] }) }));
    const candidates = (cand.value as { visitorIndexes: number[] }).visitorIndexes;
    const fDirect = await timed(5, () => json<{ steps: Array<{ count: number }> }>(at(query, 'funnels'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...funnel, candidateVisitorIndexes: candidates }) }));
    const fAlone = await timed(5, () => json<{ steps: Array<{ count: number }> }>(at(query, 'funnels'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(funnel) }));
    const counts = (r: { value: unknown }) => (r.value as { steps: Array<{ count: number }> }).steps.map((s) => s.count).join(' / ');
    console.log(`funnel (3 steps, 7-day window, 90 days): gateway p50 ${fmt(fGateway.p50)} (p95 ${fmt(fGateway.p95)}), counts ${counts(fGateway)}`);
    console.log(`  direct: aggregator candidates p50 ${fmt(cand.p50)} (${candidates.length.toLocaleString('en')} visitors) + query with them p50 ${fmt(fDirect.p50)} = ${fmt(cand.p50 + fDirect.p50)}`);
    console.log(`  direct: query alone (no candidates) p50 ${fmt(fAlone.p50)}, counts ${counts(fAlone)}`);
    const cheapest = Math.min(cand.p50 + fDirect.p50, fAlone.p50);
    console.log(`  gateway overhead over the cheaper direct path p50 ${fmt(fGateway.p50 - cheapest)} (auth, two aggregator counts to choose the path, JSON)`);
    if (counts(fAlone) !== counts(fGateway)) console.log('  WARNING: gateway and query-alone counts differ');
  } finally {
    await stack.stop();
    await deleteKeys(redis, `${prefix}*`).catch(() => 0);
    redis.disconnect();
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteTopics({ topics: Object.values(topics) }).catch(() => undefined);
    await admin.disconnect();
  }
  console.log(`load average at the end: ${readFileSync('/proc/loadavg', 'utf8').trim()}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
