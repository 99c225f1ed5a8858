// Soak benchmark (issue #17 §6), printed figures and PASS/FAIL per target (never a test):
//   node scripts/run-ts.mjs bench/soak/run.ts [--rate=5000] [--minutes=10] [--batch=50] [--connections=32] [--visitors=20000]
//   (`--rate 5000` works too; --quick or BENCH_QUICK=1: 1 minute at 1,000 events/s, a smoke run)
// The whole system as processes (built dist/, NODE_ENV=production) on its own topic namespace,
// databases and Redis prefix, loopback only: ingest → session-fingerprint → bitmap-aggregator and
// query → gateway. A steady open-loop rate goes through ingest's HTTP batch endpoint (a timer sends
// the batches that are due, whatever the answers; a request's latency counts from when it was due,
// so queueing in the client is in it; at most 2 s of batches wait, later ones are skipped and counted). Every minute: RSS of each service (its process tree: cluster
// workers included), consumer lag per group (records, and seconds of events at the sent rate), p99
// of the ingest requests and of a 1-day unique-visitors read through the gateway (polled 5×/s).
// At the end it waits until both projections hold every acknowledged event, then checks the totals
// and the unique visitors against what it sent (it knows each acknowledged event's visitor).
// Targets: memory growth over the last 5 minutes < 10 % (per service; the last half of the run when
// shorter than 10 minutes), max lag < 5 s of events, counts exact.
import { Agent, request } from 'node:http';
import { cpus, totalmem } from 'node:os';
import { readdirSync, readFileSync } from 'node:fs';
import { createTestDatabase, deleteKeys, startService, testInfra, testKafka, testNamespace, testRedis, uniqueId, waitFor, type ServiceProcess } from '@sightline/testing';
import { readGroupLag } from '@sightline/kafka';
import { json, startStack } from '../stack';

function option(name: string, fallback: number): number {
  const argv = process.argv.slice(2);
  const eq = argv.find((a) => a.startsWith(`--${name}=`));
  const i = argv.indexOf(`--${name}`);
  const raw = eq ? eq.slice(name.length + 3) : i >= 0 ? argv[i + 1] : undefined;
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name}: must be a positive number, got ${JSON.stringify(raw)}`);
  return value;
}
const quick = process.argv.includes('--quick') || process.env.BENCH_QUICK === '1';
const RATE = option('rate', quick ? 1000 : 5000);
const MINUTES = Math.round(option('minutes', quick ? 1 : 10));
const BATCH = Math.round(option('batch', 50));
const CONNECTIONS = Math.round(option('connections', 32));
/** Requests waiting for an answer at most (2 s of batches, at least 64); a batch due beyond that is not sent and counted as skipped, so an overloaded system bounds the run instead of queueing in the client. */
const MAX_IN_FLIGHT = Math.max(64, Math.round((2 * option('rate', quick ? 1000 : 5000)) / option('batch', 50)));
const VISITORS = Math.round(option('visitors', 20_000));
const MINUTE = 60_000;
const UA = 'Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0';
const NAMES = ['$pageview', 'view_item', 'search', 'add_to_cart', 'purchase'];

const percentile = (xs: number[], p: number) => {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(s.length * p) - 1))]!;
};
const ms = (x: number) => (Number.isNaN(x) ? '-' : x < 1000 ? `${x.toFixed(0)} ms` : `${(x / 1000).toFixed(2)} s`);
const mib = (kb: number) => `${(kb / 1024).toFixed(0)} MiB`;
const loadavg = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

/** VmRSS (kB) of a process and all its descendants (cluster workers, worker processes). */
function treeRss(root: number): { kb: number; processes: number } {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // The command name (field 2) is in parentheses and may hold spaces: the ppid follows the last ')'.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      (children.get(ppid) ?? children.set(ppid, []).get(ppid)!).push(Number(entry));
    } catch {
      // exited meanwhile
    }
  }
  let kb = 0;
  let processes = 0;
  for (const queue = [root]; queue.length; ) {
    const pid = queue.pop()!;
    try {
      kb += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
      processes++;
    } catch {
      continue;
    }
    queue.push(...(children.get(pid) ?? []));
  }
  return { kb, processes };
}

async function main() {
  const cpu = readFileSync('/proc/cpuinfo', 'utf8').match(/model name\s*:\s*(.*)/)?.[1] ?? cpus()[0]?.model;
  console.log(`soak: ${RATE.toLocaleString('en')} events/s for ${MINUTES} min through ingest /v1/batch (batches of ${BATCH}, ${CONNECTIONS} keep-alive connections, ${VISITORS.toLocaleString('en')} visitors), loopback`);
  console.log(`date: ${new Date().toISOString()}; machine: ${cpus().length} vCPU (${cpu}; a shared 2-vCPU VM, other work running), ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, Node ${process.version}; load average at start ${loadavg()}`);

  const namespace = testNamespace('bench_soak');
  const prefix = `${uniqueId('bench_soak')}:`;
  const kafka = testKafka('bench-soak');
  // The project's rate limit well above the load (the gateway takes 20,000/s at most): the soak measures the pipeline, not the limiter.
  const limit = Math.min(20_000, RATE * 4);
  const stack = await startStack({ name: 'bench_soak', namespace, redisUrl: testInfra.redisUrl, redisPrefix: prefix, project: { rateLimit: { eventsPerSecond: limit, burst: limit } } });
  const identityDb = await createTestDatabase('bench_soak_identity');
  const extra: ServiceProcess[] = [];
  const redis = testRedis();
  const admin = kafka.admin();
  await admin.connect();
  const agent = new Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  try {
    const common = { TOPIC_NAMESPACE: namespace, KAFKA_BROKERS: testInfra.kafkaBrokers.join(','), LOG_LEVEL: 'warn', NODE_ENV: 'production', ERASURE_ID_SECRET: 'bench-only erasure id secret, 32+ chars' };
    // A generous start time: this shared machine is often overloaded.
    extra.push(await startService('session-fingerprint', { ...common, DATABASE_URL: identityDb.url }, { readyTimeoutMs: 180_000 }));
    extra.push(await startService('ingest', common, { readyTimeoutMs: 180_000 }));
    const [fingerprint, ingest] = extra as [ServiceProcess, ServiceProcess];
    const services: ServiceProcess[] = [ingest, fingerprint, stack.aggregator, stack.query, stack.gateway];
    const basic = { authorization: `Basic ${Buffer.from(`${stack.admin.email}:${stack.admin.password}`).toString('base64')}` };
    const { writeKey } = (await json<{ project: { writeKey: string } }>(`${stack.gateway.url}/v1/projects/${stack.projectId}`, { headers: basic })).project;
    const ingestAuth = `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`;
    // Ingest learns the project from projects.v1: an empty batch is 400 once the key is known (401 before), and stores nothing.
    await waitFor(async () => (await fetch(`${ingest.url}/v1/batch`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: ingestAuth }, body: '{"batch":[]}' })).status === 400, { timeoutMs: 60_000, description: 'ingest knows the write key' });

    // A fixed 24-hour window around the run for the 1-day unique-visitors read and the totals.
    const hour = 3_600_000;
    const from = new Date(Math.floor(Date.now() / hour) * hour - 12 * hour).toISOString();
    const to = new Date(Date.parse(from) + 24 * hour).toISOString();
    const range = `from=${from}&to=${to}`;
    const groups = ['session-fingerprint', 'bitmap-aggregator', 'query'].map((service) => ({ service, groupId: `${namespace}${service}`, topics: [service === 'session-fingerprint' ? stack.topics.eventsRaw : stack.topics.eventsEnriched] }));

    // The load: event g is visitor g % VISITORS; the visitors of acknowledged events are marked.
    const acknowledgedVisitor = new Uint8Array(VISITORS);
    let sentEvents = 0;
    let acknowledged = 0;
    let inFlight = 0;
    const statuses = new Map<string, number>();
    let ingestLatencies: number[] = [];
    const post = (body: string) =>
      new Promise<number>((resolve) => {
        const req = request(`${ingest.url}/v1/batch`, { method: 'POST', agent, headers: { 'content-type': 'application/json', authorization: ingestAuth, 'content-length': Buffer.byteLength(body) } }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        });
        req.on('error', () => resolve(0));
        req.end(body);
      });
    let skippedEvents = 0;
    const sendBatch = (first: number, dueAt: number) => {
      if (inFlight >= MAX_IN_FLIGHT) {
        skippedEvents += BATCH;
        return;
      }
      sentEvents += BATCH;
      const batch = Array.from({ length: BATCH }, (_, j) => {
        const g = first + j;
        const v = g % VISITORS;
        return { type: 'track', event: NAMES[g % NAMES.length], userId: `soak-${v}`, messageId: `soak-${g}`, properties: { g }, context: { userAgent: UA } };
      });
      inFlight++;
      void post(JSON.stringify({ batch })).then((status) => {
        inFlight--;
        ingestLatencies.push(performance.now() - dueAt);
        statuses.set(String(status), (statuses.get(String(status)) ?? 0) + 1);
        if (status !== 200) return;
        acknowledged += BATCH;
        for (let j = 0; j < BATCH; j++) acknowledgedVisitor[(first + j) % VISITORS] = 1;
      });
    };

    // The 1-day unique-visitors read through the gateway with the read key, 5 times a second.
    let uniqueLatencies: number[] = [];
    let uniqueErrors = 0;
    let running = true;
    const poller = (async () => {
      while (running) {
        const t = performance.now();
        const res = await fetch(`${stack.gateway.url}/v1/projects/${stack.projectId}/unique-visitors?${range}`, { headers: { authorization: `Bearer ${stack.readKey}` } }).catch(() => null);
        await res?.arrayBuffer().catch(() => null);
        if (res?.ok) uniqueLatencies.push(performance.now() - t);
        else uniqueErrors++;
        await new Promise((r) => setTimeout(r, Math.max(0, 200 - (performance.now() - t))));
      }
    })();

    // Lag every 2 s, RSS every 5 s.
    const readLags = async () => Promise.all(groups.map(async (g) => (await readGroupLag(admin, g.groupId, g.topics)).reduce((sum, p) => sum + p.lag, 0)));
    let lagMax = [0, 0, 0];
    let lagLast = [0, 0, 0];
    let runLagMax = 0;
    const lagTimer = setInterval(() => {
      void readLags().then((lags) => {
        lagLast = lags;
        lagMax = lagMax.map((m, i) => Math.max(m, lags[i]!));
        runLagMax = Math.max(runLagMax, ...lags);
      }, () => undefined);
    }, 2000);
    let rssSamples: number[][] = [];
    const sampleRss = () => rssSamples.push(services.map((s) => treeRss(s.pid).kb));
    const rssTimer = setInterval(sampleRss, 5000);
    const rssByMinute: number[][] = []; // mean RSS (kB) per service, per minute

    console.log(`services (pid: processes in its tree): ${services.map((s) => `${s.name} ${s.pid}: ${treeRss(s.pid).processes}`).join(', ')}`);
    console.log('min | sent ev/s | acked ev/s | ingest p99 | in flight | 1-day uniques p99 (reads) | lag records (max in the minute, as s of events): fingerprint / aggregator / query | RSS: ' + services.map((s) => s.name).join(' / ') + ' | load');
    // Ctrl-C (or SIGTERM) ends the load early and still stops the services and drops the databases.
    let interrupted = false;
    const interrupt = () => {
      interrupted = true;
      console.log('interrupted: stopping the load, then cleaning up');
    };
    process.once('SIGINT', interrupt).once('SIGTERM', interrupt);
    const start = performance.now();
    let batchesSent = 0;
    let minute = 0;
    let minuteAcked = 0;
    let minuteSent = 0;
    await new Promise<void>((resolve) => {
      const tick = setInterval(() => {
        const elapsed = performance.now() - start;
        const due = Math.min(Math.floor((Math.min(elapsed, MINUTES * MINUTE) * RATE) / 1000 / BATCH), Math.floor((MINUTES * MINUTE * RATE) / 1000 / BATCH));
        for (; batchesSent < due && !interrupted; batchesSent++) {
          sendBatch(batchesSent * BATCH, start + ((batchesSent + 1) * BATCH * 1000) / RATE);
        }
        if (elapsed >= (minute + 1) * MINUTE) {
          minute++;
          sampleRss();
          const mean = services.map((_, i) => rssSamples.reduce((sum, s) => sum + s[i]!, 0) / rssSamples.length);
          rssByMinute.push(mean);
          const lagText = lagMax.map((l) => `${l.toLocaleString('en')} (${(l / RATE).toFixed(1)} s)`).join(' / ');
          console.log(
            `${String(minute).padStart(3)} | ${((sentEvents - minuteSent) / 60).toFixed(0)} | ${((acknowledged - minuteAcked) / 60).toFixed(0)} | ${ms(percentile(ingestLatencies, 0.99))} (${ingestLatencies.length} req) | ${inFlight} | ${ms(percentile(uniqueLatencies, 0.99))} (${uniqueLatencies.length}) | ${lagText} | ${mean.map(mib).join(' / ')} | ${loadavg()}`,
          );
          minuteSent = sentEvents;
          minuteAcked = acknowledged;
          ingestLatencies = [];
          uniqueLatencies = [];
          rssSamples = [];
          lagMax = [...lagLast];
        }
        if ((minute >= MINUTES || interrupted) && inFlight === 0) {
          clearInterval(tick);
          resolve();
        }
      }, 5);
    });
    running = false;
    await poller;
    clearInterval(rssTimer);
    console.log(`requests by status: ${[...statuses].map(([s, n]) => `${s}: ${n}`).join(', ')}; events skipped with ${MAX_IN_FLIGHT} requests waiting: ${skippedEvents.toLocaleString('en')}; unique-visitors reads failed: ${uniqueErrors}`);
    if (interrupted) {
      clearInterval(lagTimer);
      return;
    }

    // Drain: both projections hold every acknowledged event and every group has committed to the end (15 min at most).
    const drainStart = performance.now();
    const totals = async () => ({
      aggregator: (await json<{ total: number }>(`${stack.aggregator.url}/internal/projects/${stack.projectId}/totals?${range}`)).total,
      query: (await json<{ total: number }>(`${stack.query.url}/internal/projects/${stack.projectId}/counts?${range}`)).total,
    });
    let last = { aggregator: -1, query: -1 };
    await waitFor(
      async () => {
        if (interrupted) return true;
        last = await totals();
        return last.aggregator >= acknowledged && last.query >= acknowledged && (await readLags()).every((lag) => lag === 0);
      },
      { timeoutMs: 15 * MINUTE, intervalMs: 1000, description: `both projections at ${acknowledged} events and no lag` },
    ).catch(() => undefined);
    clearInterval(lagTimer);
    if (interrupted) {
      console.log('interrupted while draining: no verdicts');
      return;
    }
    // A moment more: anything beyond what was acknowledged (a 503 that reached Kafka anyway) shows too.
    await new Promise((r) => setTimeout(r, 3000));
    last = await totals();
    const finalLag = await readLags();
    const uniques = (await json<{ total: number }>(`${stack.gateway.url}/v1/projects/${stack.projectId}/unique-visitors?${range}`, { headers: { authorization: `Bearer ${stack.readKey}` } })).total;
    const expectedUniques = acknowledgedVisitor.reduce((sum, x) => sum + x, 0);
    console.log(`drained in ${((performance.now() - drainStart) / 1000).toFixed(1)} s after the load; lag at the end (records): ${finalLag.join(' / ')}`);

    // Targets.
    const window = Math.min(5, Math.floor(MINUTES / 2));
    const first = rssByMinute[rssByMinute.length - 1 - window];
    const lastRss = rssByMinute[rssByMinute.length - 1]!;
    const growth = first ? services.map((_, i) => lastRss[i]! / first[i]! - 1) : [];
    const memoryOk = growth.length > 0 && growth.every((g) => g < 0.1);
    const lagSeconds = runLagMax / RATE;
    const countsOk = last.aggregator === acknowledged && last.query === acknowledged && uniques === expectedUniques;
    const pct = (x: number) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)} %`;
    const verdict = (ok: boolean) => (ok ? 'PASS' : 'FAIL');
    console.log(`${window < 1 ? 'n/a (run shorter than 2 min)' : verdict(memoryOk)} memory flat: RSS growth over the last ${window} min (mean of minute ${rssByMinute.length - window} → mean of minute ${rssByMinute.length}) ${services.map((s, i) => `${s.name} ${growth[i] === undefined ? '-' : pct(growth[i]!)}`).join(', ')} (target < +10 % each${window < 5 ? `; ${window} min, not 5: the run is ${MINUTES} min` : ''})`);
    console.log(`${verdict(lagSeconds < 5)} lag bounded: max ${runLagMax.toLocaleString('en')} records = ${lagSeconds.toFixed(2)} s of events at ${RATE.toLocaleString('en')}/s (target < 5 s; sampled every 2 s)`);
    console.log(`${verdict(countsOk)} counts exact: acknowledged ${acknowledged.toLocaleString('en')} events (sent ${sentEvents.toLocaleString('en')}); aggregator total ${last.aggregator.toLocaleString('en')}, query total ${last.query.toLocaleString('en')}; 1-day unique visitors ${uniques.toLocaleString('en')}, expected ${expectedUniques.toLocaleString('en')}`);
    console.log(`load average at the end: ${loadavg()}`);
  } finally {
    agent.destroy();
    await Promise.all(extra.map((s) => s.stop()));
    await stack.stop();
    await identityDb.drop().catch(() => undefined);
    await deleteKeys(redis, `${prefix}*`).catch(() => 0);
    redis.disconnect();
    await admin.deleteTopics({ topics: Object.values(stack.topics) }).catch(() => undefined);
    await admin.disconnect();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
