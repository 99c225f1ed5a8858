import { OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import type { RouteDef } from './route';

const errorSchema = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    field: z.string().optional(),
    fields: z.array(z.object({ path: z.string(), reason: z.string() })).optional(),
  }),
});

const errorReplies: Record<number, string> = {
  400: 'invalid input; `error.field` names the first bad field',
  401: 'missing or invalid credentials',
  403: 'the caller may see the resource but not do this',
  404: 'not found, or not the caller’s',
  429: 'rate limited; see Retry-After',
  503: 'a dependency is unavailable; see Retry-After',
};

function security(def: RouteDef): Array<Record<string, string[]>> {
  switch (def.access.kind) {
    case 'public':
      return [];
    case 'project':
      return def.access.keys ? [{ readKey: [] }, { basic: [] }, { session: [] }] : [{ basic: [] }, { session: [] }];
    default:
      return [{ basic: [] }, { session: [] }];
  }
}

export const OPENAPI_VERSION = '1.0.0';

/** OpenAPI 3.1 built from the very zod schemas the routes validate with. */
export function buildOpenApi(routes: RouteDef[], info: { version: string; serverUrl: string }) {
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', 'basic', { type: 'http', scheme: 'basic', description: 'member email and password' });
  registry.registerComponent('securitySchemes', 'readKey', { type: 'http', scheme: 'bearer', description: 'a project read key' });
  registry.registerComponent('securitySchemes', 'session', { type: 'apiKey', in: 'cookie', name: 'sightline_session' });
  for (const def of routes) {
    if (def.inDocument === false) continue;
    const responses: Record<number, { description: string; content?: Record<string, { schema: z.ZodType }> }> = {};
    for (const [status, reply] of Object.entries(def.responses)) {
      // A route's own error reply (a 400 that names a limit) has the common error body.
      const schema = reply.schema ?? (Number(status) >= 400 ? errorSchema : undefined);
      responses[Number(status)] = {
        description: reply.description,
        ...(schema ? { content: { [reply.text ? 'text/plain' : 'application/json']: { schema } } } : {}),
      };
    }
    for (const [status, description] of Object.entries(errorReplies)) {
      if (def.access.kind === 'public' && (status === '401' || status === '403')) continue;
      responses[Number(status)] ??= { description, content: { 'application/json': { schema: errorSchema } } };
    }
    if (def.body) responses[415] = { description: 'the body is not JSON (or a form, where one is accepted)', content: { 'application/json': { schema: errorSchema } } };
    registry.registerPath({
      method: def.method,
      path: def.path,
      operationId: def.operationId,
      summary: def.summary,
      tags: def.tags,
      security: security(def),
      request: {
        ...(def.params ? { params: def.params } : {}),
        ...(def.query ? { query: def.query } : {}),
        ...(def.body ? { body: { required: true, content: { 'application/json': { schema: def.body }, ...(def.forms ? { 'application/x-www-form-urlencoded': { schema: def.body } } : {}) } } } : {}),
      },
      responses,
    });
  }
  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: { title: 'Sightline public API', version: info.version, description: 'Accounts, projects, keys, unique visitors, funnels and the event log.' },
    servers: [{ url: info.serverUrl }],
  });
}
