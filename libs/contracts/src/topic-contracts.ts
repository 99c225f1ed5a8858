import { z } from 'zod';
import { projectId } from './common';
import { erasureValue } from './erasures';
import { dlqValue } from './events-dlq';
import { enrichedEventValue } from './events-enriched';
import { rawEventKey, rawEventValue } from './events-raw';
import { projectConfigValue, projectKey } from './projects';
import { TOPICS, type TopicId } from './topics';

/*
 * The topics as a public interface: for each one the zod schemas of its key, value and headers,
 * from which the JSON Schemas under libs/contracts/schemas/ are generated (never hand-copied;
 * libs/contracts/scripts/schemas.ts) and which the gateway serves at /schemas/<topic>.json.
 * Keys and header values are UTF-8 strings on the wire, values are UTF-8 JSON.
 */

/** W3C trace context (`libs/telemetry`): present when the producer was tracing. Other headers may be added. */
const traceContext = {
  traceparent: z
    .string()
    .regex(/^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}/)
    .optional()
    .meta({ description: 'W3C traceparent of the trace this record belongs to (from the ingest request on)' }),
  tracestate: z.string().optional().meta({ description: 'W3C tracestate, when the trace has one' }),
  baggage: z.string().optional().meta({ description: 'W3C baggage, when the trace has one' }),
};

export const traceHeaders = z.object(traceContext).catchall(z.string());

/** What the shared consumer wrapper (libs/kafka batch-consumer) puts on a dead-lettered record. */
export const dlqHeaders = z
  .object({
    ...traceContext,
    'x-dlq-reason': z.string().max(500).meta({ description: 'why the record failed (the first 500 characters)' }),
    'x-dlq-source-topic': z.string().min(1).meta({ description: 'the topic the failed record was read from' }),
    'x-dlq-source-partition': z.string().regex(/^\d+$/).meta({ description: 'its partition, decimal' }),
    'x-dlq-source-offset': z.string().regex(/^\d+$/).meta({ description: 'its offset, decimal' }),
  })
  .catchall(z.string());

/** `projectId:visitorIndex` (enrichedEventKeyOf): every event of one visitor is in one partition. */
export const enrichedEventKey = z.string().regex(/^[A-Za-z0-9_-]{1,64}:(0|[1-9]\d*)$/);

export interface TopicContract {
  /** The versioned name without the namespace prefix (`sightline.` by default). */
  topic: string;
  description: string;
  key: z.ZodType;
  value: z.ZodType;
  headers: z.ZodType;
}

export const TOPIC_CONTRACTS: Readonly<Record<TopicId, TopicContract>> = {
  projects: {
    topic: TOPICS.projects,
    description: 'Project settings (compacted): the latest value per project is its configuration; a null value (tombstone) deletes the project. Internal to Sightline.',
    key: projectKey.meta({ description: 'the projectId' }),
    value: projectConfigValue.nullable().meta({ description: 'the project configuration, or null when the project was deleted' }),
    headers: traceHeaders,
  },
  eventsRaw: {
    topic: TOPICS.eventsRaw,
    description: 'Events as ingest accepted them, with the request facts the fingerprint needs (IP included). Internal to Sightline: read events.enriched.v1 instead.',
    key: rawEventKey.meta({ description: '`projectId:` then the userId, anonymousId or alias previousId, or `fp:` and a keyed hash of IP and User-Agent' }),
    value: rawEventValue,
    headers: traceHeaders,
  },
  eventsEnriched: {
    topic: TOPICS.eventsEnriched,
    description: 'Every accepted event with its visitor (visitorId, visitorIndex, merges), session and enrichment, without the IP: the topic for consumers. At least once: deduplicate on (projectId, messageId).',
    key: enrichedEventKey.meta({ description: '`projectId:visitorIndex`: one visitor\'s events are in one partition, in order' }),
    value: enrichedEventValue,
    headers: traceHeaders,
  },
  eventsDlq: {
    topic: TOPICS.eventsDlq,
    description: 'Records a Sightline consumer could not process, with the reason; request facts (IP, Accept-Language, User-Agent) cleared. For operators.',
    key: z.string().nullable().meta({ description: 'the failed record\'s key (a legacy plain IP/User-Agent key becomes `projectId:fp:redacted`)' }),
    value: dlqValue,
    headers: dlqHeaders,
  },
  erasures: {
    topic: TOPICS.erasures,
    description: 'Right-to-erasure requests: every consumer that stored anything about the visitor must delete it.',
    key: projectId.meta({ description: 'the projectId' }),
    value: erasureValue,
    headers: traceHeaders,
  },
};

const JSON_SCHEMA_DIALECT = 'https://json-schema.org/draft/2020-12/schema';

/** `$id` of a topic's schema: a stable name, the same whichever gateway serves the file. */
export function topicSchemaId(topic: string): string {
  return `urn:sightline:topic:${topic}`;
}

function jsonSchemaOf(schema: z.ZodType): Record<string, unknown> {
  // Input mode: what a producer may write (fields with defaults may be absent in older records).
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { target: 'draft-2020-12', io: 'input', unrepresentable: 'throw', reused: 'inline', cycles: 'throw' });
  return rest;
}

/**
 * One topic's record as a JSON Schema (2020-12) document: an object with `key`, `value` and
 * `headers`, each a self-contained schema (no `$ref`), so a consumer can validate a whole
 * record or take `properties.value` alone.
 */
export function topicJsonSchema(id: TopicId): Record<string, unknown> {
  const contract = TOPIC_CONTRACTS[id];
  return {
    $schema: JSON_SCHEMA_DIALECT,
    $id: topicSchemaId(contract.topic),
    title: contract.topic,
    description: `${contract.description} Topic name: the deployment's namespace (default \`sightline.\`) + \`${contract.topic}\`. Keys and header values are UTF-8 strings, values UTF-8 JSON.`,
    type: 'object',
    properties: {
      key: jsonSchemaOf(contract.key),
      value: jsonSchemaOf(contract.value),
      headers: jsonSchemaOf(contract.headers),
    },
    required: ['key', 'value', 'headers'],
  };
}

/** Every topic's schema document, by topic name (`events.enriched.v1` → document). */
export function topicJsonSchemas(): Record<string, Record<string, unknown>> {
  return Object.fromEntries((Object.keys(TOPIC_CONTRACTS) as TopicId[]).map((id) => [TOPIC_CONTRACTS[id].topic, topicJsonSchema(id)]));
}
