import { parseConfig } from '@sightline/config';
import { config } from '../config';
import type { GatewayDeps } from './deps';
import { allRoutes } from './index';
import { buildOpenApi } from './openapi';

describe('OpenAPI document', () => {
  const deps = { config: parseConfig(config.schema, {}) } as GatewayDeps;
  const routes = allRoutes(deps);
  const doc = buildOpenApi(routes, { version: 'test', serverUrl: 'https://sightline.example' });

  it('is OpenAPI 3.1 and lists every route with its method', () => {
    expect(doc.openapi).toBe('3.1.0');
    const inDocument = routes.filter((r) => r.inDocument !== false);
    for (const route of inDocument) expect(doc.paths?.[route.path]?.[route.method]).toBeDefined();
    const documented = Object.values(doc.paths ?? {}).reduce((n, item) => n + Object.keys(item as object).length, 0);
    expect(documented).toBe(inDocument.length);
    expect(doc.servers).toEqual([{ url: 'https://sightline.example' }]);
  });

  it('names every operation once, readably (client generators name methods by it)', () => {
    const ids = Object.values(doc.paths ?? {}).flatMap((item) => Object.values(item as Record<string, { operationId?: string }>).map((op) => op.operationId));
    expect(ids.every((id) => typeof id === 'string' && /^[a-z][A-Za-z]+$/.test(id))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('describes the path parameters, query parameters and bodies the routes validate', () => {
    const uv = doc.paths!['/v1/projects/{projectId}/unique-visitors'].get!;
    const names = (uv.parameters as Array<{ name: string; in: string }>).map((p) => `${p.in}:${p.name}`).sort();
    expect(names).toEqual(expect.arrayContaining(['path:projectId', 'query:from', 'query:to', 'query:event', 'query:interval', 'query:filter']));
    const signup = doc.paths!['/v1/accounts'].post!;
    const schema = (signup.requestBody as { content: Record<string, { schema: { properties: object } }> }).content['application/json'].schema;
    expect(Object.keys(schema.properties).sort()).toEqual(['email', 'name', 'password']);
    expect(Object.keys(doc.components?.securitySchemes ?? {}).sort()).toEqual(['basic', 'readKey', 'session']);
  });

  it('has no duplicate method + path', () => {
    const seen = new Set(routes.map((r) => `${r.method} ${r.path}`));
    expect(seen.size).toBe(routes.length);
  });
});
