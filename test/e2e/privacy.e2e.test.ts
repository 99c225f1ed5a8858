import { createHash, randomBytes, randomInt, randomUUID } from 'node:crypto';
import { Client } from 'pg';
import type { KafkaMessage } from 'kafkajs';
import { erasureIdHash } from '@sightline/contracts';
import { fetchTopicOffsets } from '@sightline/kafka';
import { createTestDatabase, readCommitted, startService, testInfra, testKafka, testRedis, uniqueId, waitFor, type ServiceProcess, type TestDatabase } from '@sightline/testing';
import { api, basic, bearer, startStack, type Stack } from './stack';

jest.setTimeout(240_000);

/**
 * Issue #16 finding 7g, the privacy promise of docs/identity.md ("What is kept where"): after
 * events with a known IP and userId went through every service and that visitor was erased,
 * neither survives anywhere but where the table says, for as long as it says.
 */

/** Where a needle may still be found, each with the retention docs/identity.md gives it. */
type Place = string;

async function topicTexts(namespace: string): Promise<Map<Place, string>> {
  const admin = testKafka().admin();
  await admin.connect();
  const topics = (await admin.listTopics()).filter((t) => t.startsWith(namespace));
  await admin.disconnect();
  const out = new Map<Place, string>();
  for (const topic of topics) {
    const name = topic.slice(namespace.length);
    const offsets = await fetchTopicOffsets(testKafka(), topic);
    const messages: KafkaMessage[] = offsets.some((o) => BigInt(o.high) > BigInt(o.low)) ? await readCommitted(topic, 60_000) : [];
    const part = (what: string, text: string) => out.set(`${name} ${what}`, (out.get(`${name} ${what}`) ?? '') + text + '\n');
    part('keys', '');
    for (const m of messages) {
      part('keys', m.key?.toString('utf8') ?? '');
      const value = m.value?.toString('utf8') ?? '';
      // A DLQ record carries its payload in base64: decode it so that it is searched too.
      const payload = /"payloadBase64":"([^"]+)"/.exec(value)?.[1];
      part('values', payload ? `${value}\n${Buffer.from(payload, 'base64').toString('utf8')}` : value);
      part('headers', Object.entries(m.headers ?? {}).map(([k, v]) => `${k}=${Array.isArray(v) ? v.join(',') : String(v)}`).join('\n'));
    }
  }
  return out;
}

/** Every row of every table of a database, as Postgres's text form of the row. */
async function databaseTexts(label: string, url: string): Promise<Map<Place, string>> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const tables = await client.query<{ name: string }>(`SELECT quote_ident(schemaname) || '.' || quote_ident(tablename) AS name FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')`);
    const out = new Map<Place, string>();
    for (const { name } of tables.rows) {
      const rows = await client.query<{ row: string }>(`SELECT t::text AS row FROM ${name} t`);
      out.set(`${label} ${name}`, rows.rows.map((r) => r.row).join('\n'));
    }
    return out;
  } finally {
    await client.end();
  }
}

/** Every key of the stack's Redis prefix, and every string, hash, set and sorted set in them. */
async function redisTexts(prefix: string): Promise<Map<Place, string>> {
  const redis = testRedis();
  const out = new Map<Place, string>();
  try {
    let cursor = '0';
    const keys: string[] = [];
    do {
      const [next, batch] = await redis.scan(cursor, 'MATCH', `*${prefix}*`, 'COUNT', 1000);
      cursor = next;
      keys.push(...batch);
    } while (cursor !== '0');
    out.set('redis keys', keys.join('\n'));
    const values: string[] = [];
    for (const key of keys) {
      const type = await redis.type(key);
      if (type === 'string') values.push((await redis.getBuffer(key))?.toString('latin1') ?? '');
      else if (type === 'hash') values.push(JSON.stringify(await redis.hgetall(key)));
      else if (type === 'set') values.push((await redis.smembers(key)).join('\n'));
      else if (type === 'zset') values.push((await redis.zrange(key, 0, -1)).join('\n'));
      else if (type === 'list') values.push((await redis.lrange(key, 0, -1)).join('\n'));
    }
    out.set('redis values', values.join('\n'));
    return out;
  } finally {
    redis.disconnect();
  }
}

/** Whether a consumer group has committed every message of `topics` (a rebuild has caught up). */
async function caughtUp(groupId: string, topics: string[]): Promise<boolean> {
  const admin = testKafka().admin();
  await admin.connect();
  try {
    for (const topic of topics) {
      const high = await fetchTopicOffsets(testKafka(), topic);
      const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
      for (const p of high) {
        const at = committed?.partitions.find((c) => c.partition === p.partition)?.offset ?? '-1';
        if (BigInt(p.high) > BigInt(p.low) && BigInt(at) < BigInt(p.high)) return false;
      }
    }
    return true;
  } finally {
    await admin.disconnect();
  }
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** The places holding `needle`. */
function placesWith(texts: Map<Place, string>, needle: string): Place[] {
  return [...texts].filter(([, text]) => text.includes(needle)).map(([place]) => place).sort();
}

describe('issue #16 finding 7: an IP and an erased id survive nowhere but where docs/identity.md says', () => {
  let stack: Stack;
  const secret = randomBytes(32).toString('hex');
  beforeAll(async () => {
    // The ingest trusts the test as its proxy, so X-Forwarded-For sets the visitor's IP.
    // One erased-id key for the gateway and the three erasure consumers, as make up and compose set it.
    const erasure = { ERASURE_ID_SECRET: secret };
    stack = await startStack('privacy', { ingest: { TRUSTED_PROXIES: '127.0.0.1' }, gateway: erasure, 'session-fingerprint': erasure, 'bitmap-aggregator': erasure, query: erasure });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('after ingest, enrichment, both projections and an erasure through the gateway', async () => {
    const ip = `203.0.113.${randomInt(100, 250)}`;
    const userId = `erase-me-${randomUUID()}`;
    const anonymousId = `anon-${randomUUID()}`;
    const gateway = stack.services.gateway.url;

    const email = `${uniqueId('privacy')}@example.test`;
    const password = 'correct horse battery staple';
    const account = await api<{ account: { id: string } }>('POST', `${gateway}/v1/accounts`, { body: { name: 'privacy', email, password } });
    expect(account.status).toBe(201);
    const admin = basic(email, password);
    const project = await api<{ project: { id: string; writeKey: string } }>('POST', `${gateway}/v1/accounts/${account.body.account.id}/projects`, { auth: admin, body: { name: 'privacy' } });
    expect(project.status).toBe(201);
    const { id: projectId, writeKey } = project.body.project;
    const key = await api<{ key: { secret: string } }>('POST', `${gateway}/v1/projects/${projectId}/keys`, { auth: admin, body: { name: 'privacy' } });

    // A browser visit from the known IP: anonymous first, then the login, then a cookieless hit.
    const page = { url: 'https://shop.test/cart', path: '/cart', referrer: 'https://search.test/?q=x', title: 'Cart' };
    const ua = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';
    const collect = (batch: unknown[]) =>
      fetch(`${stack.services.ingest.url}/collect`, {
        method: 'POST',
        headers: { 'content-type': 'text/plain', 'x-forwarded-for': ip, 'user-agent': ua, 'accept-language': 'fr-CH,fr;q=0.9' },
        body: JSON.stringify({ writeKey, sentAt: new Date().toISOString(), batch }),
      });
    const now = () => new Date().toISOString();
    expect((await collect([{ type: 'page', messageId: randomUUID(), anonymousId, timestamp: now(), context: { page } }])).status).toBe(200);
    expect((await collect([{ type: 'identify', messageId: randomUUID(), anonymousId, userId, traits: { plan: 'pro' }, timestamp: now(), context: { page } }])).status).toBe(200);
    expect((await collect([{ type: 'track', event: 'Checkout', messageId: randomUUID(), userId, properties: { total: 12 }, timestamp: now(), context: { page } }])).status).toBe(200);
    expect((await collect([{ type: 'page', messageId: randomUUID(), timestamp: now(), context: { page } }])).status).toBe(200);
    // Someone else, who stays.
    const bystander = `bystander-${randomUUID()}`;
    expect((await collect([{ type: 'track', event: 'Browse', messageId: randomUUID(), anonymousId: bystander, timestamp: now(), context: { page } }])).status).toBe(200);

    // Both projections know the person before the erasure.
    await waitFor(async () => (await api('GET', `${gateway}/v1/projects/${projectId}/visitors/${encodeURIComponent(userId)}`, { auth: bearer(key.body.key.secret) })).status === 200, { timeoutMs: 90_000, description: 'query knows the visitor' });
    await waitFor(async () => (await api('GET', `${gateway}/v1/projects/${projectId}/visitors/${encodeURIComponent(bystander)}`, { auth: bearer(key.body.key.secret) })).status === 200, { timeoutMs: 90_000, description: 'query knows the bystander' });
    const from = new Date(Date.now() - 86_400_000).toISOString();
    const to = new Date(Date.now() + 3_600_000).toISOString();
    const visitors = async () => (await api<{ total: number }>('GET', `${gateway}/v1/projects/${projectId}/unique-visitors?from=${from}&to=${to}&event=Checkout`, { auth: bearer(key.body.key.secret) })).body.total;
    await waitFor(async () => (await visitors()) === 1, { timeoutMs: 90_000, description: 'the aggregator counts the visitor' });

    // The person's visitor rows in the identity store: one, or two when the fingerprint met the
    // userId's events before the identify that links it to the anonymousId (the raw events of the
    // two ids are keyed apart, so their partitions can be read in either order) and merged them.
    const identity = new Client({ connectionString: stack.env['session-fingerprint'].DATABASE_URL });
    await identity.connect();
    const personRows = async () =>
      (
        await identity.query<{ visitor_index: number }>(
          `SELECT v.visitor_index FROM visitors v WHERE v.project_id = $1 AND (v.visitor_index IN (SELECT visitor_index FROM visitor_aliases WHERE project_id = $1 AND alias_id = ANY($2))
             OR v.merged_into IN (SELECT visitor_index FROM visitor_aliases WHERE project_id = $1 AND alias_id = ANY($2))) ORDER BY 1`,
          [projectId, [`u:${userId}`, `a:${anonymousId}`]],
        )
      ).rows.map((r) => r.visitor_index);
    const person = await personRows();
    expect(person.length).toBeGreaterThanOrEqual(1);
    console.log(`privacy: the person's visitor rows before the erasure ${JSON.stringify(person)}`);

    const erased = await api<{ statusUrl: string }>('DELETE', `${gateway}/v1/projects/${projectId}/visitors/${encodeURIComponent(userId)}`, { auth: admin });
    expect(erased.status).toBe(202);

    // Every store applied it: the query store's status, the aggregator's count, the identity row.
    await waitFor(async () => (await api<{ status: string }>('GET', `${gateway}${erased.body.statusUrl}`, { auth: admin })).body.status === 'erased', { timeoutMs: 90_000, description: 'query applied the erasure' });
    await waitFor(async () => (await visitors()) === 0, { timeoutMs: 90_000, description: 'the aggregator applied the erasure' });
    // Exactly the person's rows are erased (not the bystander's, not the cookieless visitor's).
    const erasedRows = async () => (await identity.query<{ visitor_index: number }>(`SELECT visitor_index FROM visitors WHERE project_id = $1 AND erased ORDER BY 1`, [projectId])).rows.map((r) => r.visitor_index);
    await waitFor(async () => JSON.stringify(await erasedRows()) === JSON.stringify(person), { timeoutMs: 90_000, description: `the fingerprint applied the erasure to the person's rows ${JSON.stringify(person)}` });
    expect(await personRows()).toEqual([]);
    await identity.end();

    const texts = new Map<Place, string>([
      ...(await topicTexts(stack.namespace)),
      ...(await databaseTexts('identity', stack.env['session-fingerprint'].DATABASE_URL!)),
      ...(await databaseTexts('query', stack.env.query.DATABASE_URL!)),
      ...(await databaseTexts('gateway', stack.env.gateway.DATABASE_URL!)),
      ...(await redisTexts(stack.env['bitmap-aggregator'].REDIS_KEY_PREFIX!)),
    ]);
    // The search sees what was sent.
    expect(texts.get('events.raw.v1 values')).toContain(userId);

    // The IP: only in the raw topic's values (the fingerprint's input), kept RAW_RETENTION_DAYS (7).
    expect(placesWith(texts, ip)).toEqual(['events.raw.v1 values']);
    // The erased userId: in the raw topic (7 days) and the enriched topic (ENRICHED_RETENTION_DAYS, 30)
    // only — nowhere in any store, nor in the erasure request (issue #16 finding 7c), nor any other topic.
    expect(placesWith(texts, userId)).toEqual(['events.enriched.v1 values', 'events.raw.v1 keys', 'events.raw.v1 values']);
    // Its earlier anonymousId (which the erasure request did not name) likewise: the stores find it by the visitor.
    expect(placesWith(texts, anonymousId)).toEqual(['events.enriched.v1 values', 'events.raw.v1 keys', 'events.raw.v1 values']);

    // Finding 7c: no unkeyed SHA-256 of an erased id anywhere (a dictionary of ids reverses those), in
    // any form a store has used: (project, id), (project, alias id), the id alone.
    const forms = (id: string) => [`${projectId}\n${id}`, `${projectId}\nu:${id}`, `${projectId}\na:${id}`, id];
    for (const id of [userId, anonymousId]) for (const form of forms(id)) expect({ form, places: placesWith(texts, sha256(form)) }).toEqual({ form, places: [] });
    // The keyed hash HMAC-SHA-256(ERASURE_ID_SECRET, project "\n" id) only where docs/identity.md says:
    // the request, the gateway's erasure row, the event store's erased ids; the identity store keeps
    // the keyed hash of the alias id (`u:` + userId) instead.
    const keyed = (id: string) => erasureIdHash(secret, projectId, id);
    expect(placesWith(texts, keyed(userId))).toEqual(['erasures.v1 values', 'gateway public.erasures', 'query public.erased_ids']);
    // The earlier anonymousId: in the request only if the profile named it; the event store adds every id it knew.
    expect(placesWith(texts, keyed(anonymousId)).filter((place) => place !== 'erasures.v1 values')).toEqual(['query public.erased_ids']);
    expect(placesWith(texts, keyed(`u:${userId}`))).toEqual(['identity public.erased_ids']);
    expect(placesWith(texts, keyed(`a:${anonymousId}`))).toEqual(['identity public.erased_ids']);

    // Replay: both projections rebuilt from the topics (new databases, new consumer groups) apply the
    // erasure from the keyed hashes and indexes alone, whichever topic they read first.
    const rebuilt = await rebuild(stack);
    try {
      await waitFor(() => caughtUp(rebuilt.groups.query, [`${stack.namespace}events.enriched.v1`, `${stack.namespace}erasures.v1`]), { timeoutMs: 120_000, description: 'rebuilt query caught up' });
      await waitFor(() => caughtUp(rebuilt.groups.aggregator, [`${stack.namespace}events.enriched.v1`, `${stack.namespace}erasures.v1`]), { timeoutMs: 120_000, description: 'rebuilt aggregator caught up' });
      const after = new Map<Place, string>([...(await databaseTexts('rebuilt query', rebuilt.queryDb.url)), ...(await redisTexts(rebuilt.redisPrefix))]);
      expect(after.get('rebuilt query public.events')).toContain(bystander);
      for (const id of [userId, anonymousId]) expect(placesWith(after, id)).toEqual([]);
      // The same counts as the live projections: the erased person is in neither.
      const range = `from=${from}&to=${to}`;
      const uniques = async (url: string) => ((await api<{ total: number }>('GET', `${url}/internal/projects/${projectId}/uniques?${range}`)).body as { total: number }).total;
      const live = await uniques(stack.services['bitmap-aggregator'].url);
      expect(live).toBeGreaterThanOrEqual(1); // the bystander
      expect(await uniques(rebuilt.aggregator.url)).toBe(live);
      const stored = await eventCount(stack.env.query.DATABASE_URL!, projectId);
      expect(stored).toBeGreaterThanOrEqual(1);
      expect(await eventCount(rebuilt.queryDb.url, projectId)).toBe(stored);
    } finally {
      await rebuilt.stop();
    }
  });
});

async function eventCount(url: string, projectId: string): Promise<number> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return Number((await client.query<{ n: string }>('SELECT count(*) AS n FROM events WHERE project_id = $1', [projectId])).rows[0]!.n);
  } finally {
    await client.end();
  }
}

/** A second query service and aggregator of the stack's topics, on new stores and consumer groups: a rebuild by replay. */
async function rebuild(stack: Stack): Promise<{ query: ServiceProcess; aggregator: ServiceProcess; queryDb: TestDatabase; redisPrefix: string; groups: { query: string; aggregator: string }; stop(): Promise<void> }> {
  const queryDb = await createTestDatabase('privacy_rebuilt');
  const redisPrefix = `${uniqueId('privacy-rebuilt')}:`;
  const groups = { query: `${stack.namespace}query-rebuilt`, aggregator: `${stack.namespace}bitmap-aggregator-rebuilt` };
  // Each on a port of its own (the stack's env names the live ones).
  const { PORT: _queryPort, ...queryEnv } = stack.env.query;
  const { PORT: _aggregatorPort, ...aggregatorEnv } = stack.env['bitmap-aggregator'];
  const query = await startService('query', { ...queryEnv, DATABASE_URL: queryDb.url, CONSUMER_GROUP_ID: groups.query });
  const aggregator = await startService('bitmap-aggregator', { ...aggregatorEnv, REDIS_URL: testInfra.redisUrl, REDIS_KEY_PREFIX: redisPrefix, CONSUMER_GROUP_ID: groups.aggregator });
  return {
    query,
    aggregator,
    queryDb,
    redisPrefix,
    groups,
    async stop() {
      await Promise.all([query.stop(), aggregator.stop()]);
      await queryDb.drop();
    },
  };
}
