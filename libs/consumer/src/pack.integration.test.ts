import { execFileSync, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { enrichedEventKeyOf, erasureIdHash, topicNames, type EnrichedEventParsed } from '@sightline/contracts';
import { createProducer, ensureTopics, kafkaSaslFrom, standardTopicSpecs, toKafkajsSasl } from '@sightline/kafka';
import { testInfra, testKafka, testNamespace, uniqueId } from '@sightline/testing';

/*
 * `npm pack` of libs/consumer, installed into a directory outside the repository, required by
 * plain Node and compiled against by tsc, then run against the real broker. What it proves: the
 * tarball holds everything the kit needs besides its declared dependencies (no workspace
 * package is loaded at run time, nothing is resolved from the repository). What it does not:
 * that the registry serves kafkajs and zod — there is no network here, so when npm's cache
 * cannot install them offline, the declared dependencies are copied from the repository's
 * node_modules (the same versions `npm ci` installs) and the test says so in its log.
 */
// npm pack (esbuild and tsc), a tsc of the user's file and a broker round trip: slow on a loaded machine.
jest.setTimeout(240_000);

const root = resolve(__dirname, '..', '..', '..');
const kit = resolve(__dirname, '..');
const npm = (args: string[], cwd: string) => execFileSync('npm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

describe('libs/consumer as a package', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'sightline-consumer-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('npm pack gives a tarball that installs outside the repo, loads nothing from it, type-checks and consumes from the broker', async () => {
    const [packed] = JSON.parse(npm(['pack', '--json', '--pack-destination', dir], kit)) as Array<{ filename: string; files: Array<{ path: string }> }>;
    const files = packed!.files.map((f) => f.path);
    expect(files).toEqual(expect.arrayContaining(['package.json', 'dist/index.js', 'dist/types/consumer/src/index.d.ts', 'dist/types/contracts/src/index.d.ts']));
    expect(files.filter((f) => f.startsWith('src/'))).toEqual([]);
    const manifest = JSON.parse(readFileSync(join(kit, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    expect(Object.keys(manifest.dependencies).sort()).toEqual(['kafkajs', 'zod']);

    const app = join(dir, 'app');
    mkdirSync(app);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true }));
    const tarball = join(dir, packed!.filename);
    try {
      npm(['install', '--offline', '--no-audit', '--no-fund', tarball], app);
      console.log('installed with npm install --offline');
    } catch (err) {
      if (!/ENOTCACHED/.test(String((err as { stderr?: string }).stderr))) throw err;
      console.log('npm cache cannot install kafkajs and zod offline: unpacking the tarball and copying its declared dependencies from the repository');
      const target = join(app, 'node_modules', '@sightline', 'consumer');
      mkdirSync(target, { recursive: true });
      execFileSync('tar', ['-xzf', tarball, '-C', target, '--strip-components=1']);
      for (const dep of Object.keys(manifest.dependencies)) cpSync(join(root, 'node_modules', dep), join(app, 'node_modules', dep), { recursive: true, dereference: true });
    }

    // The declarations compile in a strict project of the user's (Node's types as any Node project has them).
    cpSync(join(root, 'node_modules', '@types', 'node'), join(app, 'node_modules', '@types', 'node'), { recursive: true, dereference: true });
    cpSync(join(root, 'node_modules', 'undici-types'), join(app, 'node_modules', 'undici-types'), { recursive: true, dereference: true });
    // skipLibCheck as `tsc --init` sets it (zod's own locale declarations need esModuleInterop):
    // the two @ts-expect-error lines fail the build if the kit's types or the contract's resolve to any.
    writeFileSync(join(app, 'check.ts'), [
      "import { createEventConsumer, type InvalidRecord } from '@sightline/consumer';",
      "const c = createEventConsumer({ kafka: { brokers: ['x:9092'] }, groupId: 'g', handleEvent: async (e) => {",
      '  // @ts-expect-error canonicalVisitorIndex is a number',
      '  const index: string = e.canonicalVisitorIndex;',
      '  // @ts-expect-error messageId (from the contract) is a string',
      '  const id: number = e.event.messageId;',
      '  void index; void id;',
      "}, handleErasure: async (e) => void e.erasure.projectId, onInvalid: (r: InvalidRecord) => void r.reason });",
      'void c;',
    ].join('\n'));
    const tsc = (args: string[]) => execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '--noEmit', '--strict', '--skipLibCheck', '--esModuleInterop', '--module', 'commonjs', '--target', 'es2022', '--types', 'node', ...args], { cwd: app, encoding: 'utf8', stdio: 'pipe' });
    tsc(['check.ts']);

    // Plain Node, from the app's own node_modules, against the broker: one event and one bad record.
    const namespace = testNamespace('pack');
    const topics = topicNames(namespace);
    await ensureTopics(testKafka(), standardTopicSpecs(topics));
    const projectId = uniqueId('pack');
    const now = new Date().toISOString();
    const event: EnrichedEventParsed = {
      messageId: randomUUID(), projectId, type: 'page', name: '$pageview', category: null, properties: {}, traits: {}, anonymousId: 'a1', userId: null,
      visitorId: 'a1', visitorIndex: 0, mergedVisitorIndexes: [], sessionId: 's', isNewVisitor: true, isNewSession: true, timestamp: now, receivedAt: now,
      context: { page: { path: '/' } }, device: { browser: null, browserVersion: null, os: null, deviceType: 'desktop' }, country: null, referrerDomain: null,
      source: null, medium: null, campaign: null, entryPage: '/', previousExitPage: null, isBot: false,
    };
    const producer = createProducer(testKafka());
    await producer.start();
    await producer.send(topics.eventsEnriched, [{ key: enrichedEventKeyOf(event), value: event }, { key: enrichedEventKeyOf(event), value: { ...event, visitorIndex: -1 } }]);
    await producer.stop();

    // the broker's credentials (admin, on the SASL broker of infra/kafka/start), as a user of the kit passes its own
    const settings = kafkaSaslFrom(testInfra.kafkaSaslEnv);
    const sasl = settings ? toKafkajsSasl(settings) : undefined;
    writeFileSync(join(app, 'consume.js'), `
      const { createEventConsumer, erasureIdHash } = require('@sightline/consumer');
      const out = { events: [], invalid: [], hash: erasureIdHash('s'.repeat(32), 'p', 'ann') };
      const c = createEventConsumer({
        kafka: { brokers: ${JSON.stringify(testInfra.kafkaBrokers)}, clientId: 'pack-test', logLevel: 0, ...${JSON.stringify(sasl ? { sasl } : {})} },
        groupId: ${JSON.stringify(uniqueId('pack-group'))}, namespace: ${JSON.stringify(namespace)},
        handleEvent: async (e) => { out.events.push(e.dedupeKey); await done(); },
        handleErasure: async () => {},
        onInvalid: async (r) => { out.invalid.push(r.reason); await done(); },
      });
      async function done() {
        if (out.events.length + out.invalid.length < 2) return;
        setImmediate(async () => {
          await c.stop();
          console.log(JSON.stringify({ ...out, loaded: Object.keys(require.cache) }));
          process.exit(0);
        });
      }
      c.start().catch((err) => { console.error(err); process.exit(1); });
    `);
    const child = spawn(process.execPath, ['consume.js'], { cwd: app, env: { PATH: process.env.PATH ?? '' }, stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const code = await new Promise<number | null>((resolveExit) => child.on('exit', resolveExit));
    expect(code).toBe(0);
    const result = JSON.parse(stdout.trim().split('\n').pop()!) as { events: string[]; invalid: string[]; hash: string; loaded: string[] };
    expect(result.hash).toBe(erasureIdHash('s'.repeat(32), 'p', 'ann'));
    expect(result.events).toEqual([`${projectId}:${event.messageId}`]);
    expect(result.invalid).toEqual([expect.stringContaining('visitorIndex')]);
    expect(result.loaded.filter((path) => !path.startsWith(app))).toEqual([]);
    expect(result.loaded).toEqual(expect.arrayContaining([join(app, 'node_modules', '@sightline', 'consumer', 'dist', 'index.js')]));
  });
});
