// Gateway benchmark, printed figures (never asserted):
//   node scripts/run-ts.mjs bench/gateway/run.ts [--events N] [--quick]
// The real bitmap-aggregator, query service and gateway run as processes on a fresh namespace,
// databases and Redis prefix. N enriched events (N/10 visitors, 90 days, the query bench's
// event mix) go to events.enriched.v1, both projections consume them, then:
//  - 90-day unique visitors through the gateway (read key) vs the aggregator directly;
//  - a 3-step funnel (view_item → add_to_cart → purchase, 7-day window) through the gateway
//    (aggregator candidates + query matching) vs the query service directly.
import { cpus, totalmem } from 'node:os';
import { readFileSync } from 'node:fs';
import { enrichedEventKeyOf, topicNames, type EnrichedEvent } from '@sightline/contracts';
import { createProducer, ensureTopics, standardTopicSpecs } from '@sightline/kafka';
import { createTestDatabase, deleteKeys, startService, testInfra, testKafka, testNamespace, testRedis, uniqueId, waitFor, type ServiceProcess, benchArgs } from '@sightline/testing';

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

async function json<T>(url: string, init: RequestInit = {}): Promise<T> {
  const res = await fetch(url, init);
  if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${url} → ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
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
  const [gatewayDb, eventsDb] = await Promise.all([createTestDatabase('bench_gw'), createTestDatabase('bench_gw_events')]);
  const kafka = testKafka('bench-gateway');
  const topics = topicNames(namespace);
  await ensureTopics(kafka, standardTopicSpecs(topics));
  const common = { TOPIC_NAMESPACE: namespace, KAFKA_BROKERS: testInfra.kafkaBrokers.join(','), LOG_LEVEL: 'warn', NODE_ENV: 'production' };
  const services: ServiceProcess[] = [];
  const redis = testRedis();
  try {
    const aggregator = await startService('bitmap-aggregator', { ...common, REDIS_URL: testInfra.redisUrl, REDIS_KEY_PREFIX: prefix });
    const query = await startService('query', { ...common, DATABASE_URL: eventsDb.url });
    services.push(aggregator, query);
    const gateway = await startService('gateway', { ...common, DATABASE_URL: gatewayDb.url, AGGREGATOR_URL: aggregator.url, QUERY_URL: query.url, RATE_LIMIT_PER_SECOND: '100000', RATE_LIMIT_BURST: '100000' });
    services.push(gateway);

    const admin = { email: `${uniqueId('bench')}@example.com`, password: 'bench password 1' };
    const auth = `Basic ${Buffer.from(`${admin.email}:${admin.password}`).toString('base64')}`;
    const post = (path: string, body: unknown, headers: Record<string, string> = {}) => json<any>(`${gateway.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) }); // eslint-disable-line @typescript-eslint/no-explicit-any
    const account = await post('/v1/accounts', { name: 'Bench', ...admin });
    const project = (await post(`/v1/accounts/${account.account.id}/projects`, { name: 'Bench' }, { authorization: auth })).project;
    const readKey = (await post(`/v1/projects/${project.id}/keys`, { name: 'bench' }, { authorization: auth })).key.secret;
    const bearer = { authorization: `Bearer ${readKey}` };

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
    const viaGateway = await timed(5, () => json(`${gateway.url}/v1/projects/${project.id}/unique-visitors?${qs}`, { headers: bearer }));
    const uvGateway = await timed(50, () => json<{ total: number }>(`${gateway.url}/v1/projects/${project.id}/unique-visitors?${qs}`, { headers: bearer }));
    const uvDirect = await timed(50, () => json<{ total: number }>(`${at(aggregator, 'uniques')}?${qs}`));
    void viaGateway;
    const seriesGateway = await timed(20, () => json(`${gateway.url}/v1/projects/${project.id}/unique-visitors?${qs}&interval=day`, { headers: bearer }));
    const total = (uvGateway.value as { total: number }).total;
    console.log(`90-day unique visitors (${total.toLocaleString('en')}): gateway p50 ${fmt(uvGateway.p50)} (p95 ${fmt(uvGateway.p95)}), aggregator direct p50 ${fmt(uvDirect.p50)}; gateway overhead p50 ${fmt(uvGateway.p50 - uvDirect.p50)}`);
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
    await Promise.all(services.map((s) => s.stop()));
    await deleteKeys(redis, `${prefix}*`).catch(() => 0);
    redis.disconnect();
    await Promise.all([gatewayDb.drop(), eventsDb.drop()]);
  }
  console.log(`load average at the end: ${readFileSync('/proc/loadavg', 'utf8').trim()}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
