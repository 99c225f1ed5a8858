import { parseConfig } from '@sightline/config';
import { config } from '../config';
import type { GatewayDeps } from './deps';
import { allRoutes } from './index';
import { buildOpenApi } from './openapi';

describe('OpenAPI document', () => {
  const deps = { config: parseConfig(config.schema, {}) } as GatewayDeps;
  const routes = allRoutes(deps);
  const doc = buildOpenApi(routes, { version: 'test' });

  it('is OpenAPI 3.1 and lists every route with its method', () => {
    expect(doc.openapi).toBe('3.1.0');
    for (const route of routes) expect(doc.paths?.[route.path]?.[route.method]).toBeDefined();
    const documented = Object.values(doc.paths ?? {}).reduce((n, item) => n + Object.keys(item as object).length, 0);
    expect(documented).toBe(routes.length);
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
