import { readdirSync, readFileSync } from 'node:fs';
import { get } from 'node:http';
import { join } from 'node:path';
import { startTestGateway, type TestGateway } from '../test-support/gateway-harness';

// The topics' JSON Schemas as an internal consumer fetches them: no credentials, the committed
// files' content (the oracle: libs/contracts/schemas/ read from disk), cacheable.
const schemasDir = join(__dirname, '..', '..', '..', '..', 'libs', 'contracts', 'schemas');
const committed = new Map(readdirSync(schemasDir).filter((f) => f.endsWith('.json')).map((f) => [f.slice(0, -5), JSON.parse(readFileSync(join(schemasDir, f), 'utf8'))]));

/** Status of a GET with If-None-Match (fetch would add `Cache-Control: no-cache` to a conditional request). */
function conditionalGet(url: string, etag: string): Promise<number> {
  return new Promise((resolve, reject) => {
    get(url, { headers: { 'if-none-match': etag } }, (res) => {
      res.resume();
      resolve(res.statusCode!);
    }).on('error', reject);
  });
}

describe('GET /schemas', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway();
  });
  afterAll(() => gw.stop());

  it('lists every committed topic schema, with and without the trailing slash, to anyone', async () => {
    for (const path of ['/schemas', '/schemas/']) {
      const res = await fetch(`${gw.url}${path}`);
      expect(res.status).toBe(200);
      const body = (await res.json()) as { topics: Array<{ topic: string; url: string; $id: string }> };
      expect(body.topics.map((t) => t.topic).sort()).toEqual([...committed.keys()].sort());
      for (const t of body.topics) expect(t).toMatchObject({ url: `/schemas/${t.topic}.json`, $id: committed.get(t.topic).$id });
    }
  });

  it('serves each topic\'s schema as committed, cacheable, and answers 304 to its ETag', async () => {
    expect(committed.size).toBe(5);
    for (const [topic, doc] of committed) {
      const res = await fetch(`${gw.url}/schemas/${topic}.json`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      expect(res.headers.get('cache-control')).toBe('public, max-age=3600');
      expect(await res.json()).toEqual(doc);
      const etag = res.headers.get('etag')!;
      expect(etag).toMatch(/^"[A-Za-z0-9_-]+"$/);
      expect(await conditionalGet(`${gw.url}/schemas/${topic}.json`, etag)).toBe(304);
      expect(await conditionalGet(`${gw.url}/schemas/${topic}.json`, '"other"')).toBe(200);
    }
  });

  it('answers 404 naming the topics for an unknown one', async () => {
    for (const topic of ['events.enriched.v9', '__proto__', 'constructor']) {
      const res = await fetch(`${gw.url}/schemas/${topic}.json`);
      expect(res.status).toBe(404);
      const body = (await res.json()) as { error: { message: string } };
      expect(body.error.message).toContain('events.enriched.v1');
    }
  });

  it('is in the OpenAPI document as two public operations', async () => {
    const doc = (await (await fetch(`${gw.url}/openapi.json`)).json()) as { paths: Record<string, { get: { operationId: string; security: unknown[] } }> };
    expect(doc.paths['/schemas']!.get).toMatchObject({ operationId: 'listTopicSchemas', security: [] });
    expect(doc.paths['/schemas/{topic}.json']!.get).toMatchObject({ operationId: 'getTopicSchema', security: [] });
  });
});
