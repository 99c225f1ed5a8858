import { createHash } from 'node:crypto';
import { z } from 'zod';
import { topicJsonSchemas } from '@sightline/contracts';
import { HttpError } from '@sightline/http';
import type { GatewayDeps } from './deps';
import { route } from './route';

// The event topics' contracts for internal consumers in any language (docs/consuming.md): the
// JSON Schemas that libs/contracts/schemas/ holds, built from the same zod schemas at start.
// Public (they describe no tenant's data), and cacheable: they change only with a deployment.

const CACHE = 'public, max-age=3600';

const schemaDocument = z
  .record(z.string(), z.unknown())
  .meta({ description: 'a JSON Schema (2020-12) document: `properties.key`, `properties.value` and `properties.headers` describe a record of the topic' });

const schemaIndex = z.object({
  topics: z.array(
    z.object({
      topic: z.string().meta({ description: 'versioned name, without the deployment\'s namespace prefix (default `sightline.`)' }),
      $id: z.string(),
      description: z.string(),
      url: z.string().meta({ description: 'path of its schema on this gateway' }),
    }),
  ),
});

/** A strong validator of the exact document served. */
const etagOf = (body: unknown) => `"${createHash('sha256').update(JSON.stringify(body)).digest('base64url').slice(0, 27)}"`;

export function topicSchemaRoutes(_deps: GatewayDeps) {
  const documents = topicJsonSchemas();
  const index = {
    topics: Object.entries(documents).map(([topic, doc]) => ({ topic, $id: String(doc.$id), description: String(doc.description), url: `/schemas/${topic}.json` })),
  };
  const indexEtag = etagOf(index);
  const etags = new Map(Object.entries(documents).map(([topic, doc]) => [topic, etagOf(doc)]));
  return [
    route({
      method: 'get',
      operationId: 'listTopicSchemas',
      path: '/schemas',
      summary: 'The event topics with a published contract, and where each one\'s JSON Schema is',
      tags: ['schemas'],
      access: { kind: 'public' },
      responses: { 200: { description: 'the topics (`/schemas/` answers the same)', schema: schemaIndex } },
      handle: async () => ({ body: index, headers: { 'Cache-Control': CACHE, ETag: indexEtag } }),
    }),
    route({
      method: 'get',
      operationId: 'getTopicSchema',
      path: '/schemas/{topic}.json',
      summary: 'The JSON Schema (2020-12) of one topic\'s records: key, value and headers',
      tags: ['schemas'],
      access: { kind: 'public' },
      params: z.object({ topic: z.string().max(100).meta({ description: `a versioned topic name: ${Object.keys(documents).join(', ')}` }) }),
      responses: { 200: { description: 'the schema, as committed under libs/contracts/schemas/', schema: schemaDocument } },
      handle: async ({ params }) => {
        const doc = Object.hasOwn(documents, params.topic) ? documents[params.topic] : undefined;
        if (!doc) throw HttpError.notFound(`no schema for topic ${JSON.stringify(params.topic)}: the topics are ${Object.keys(documents).join(', ')} (GET /schemas)`);
        return { body: doc, headers: { 'Cache-Control': CACHE, ETag: etags.get(params.topic)! } };
      },
    }),
  ];
}
