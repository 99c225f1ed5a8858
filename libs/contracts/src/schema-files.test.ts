import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { compareWithBaselines, describeReports, generatedSchemaFiles, incompatibleWithPublished, PUBLISHED_DIR_NAME, REGENERATE_COMMAND, SCHEMAS_DIR, staleSchemaFiles } from './schema-files';
import { TOPICS } from './topics';
import { TOPIC_CONTRACTS } from './topic-contracts';

// What `make test` holds the committed JSON Schemas to (libs/contracts/schemas/, docs/consuming.md "Schemas").
describe('libs/contracts/schemas', () => {
  it(`is what the zod contracts generate now (else run \`${REGENERATE_COMMAND}\`)`, () => {
    const stale = staleSchemaFiles();
    if (stale.length) throw new Error(`stale topic schemas: ${stale.join(', ')}: run \`${REGENERATE_COMMAND}\` and commit the result`);
  });

  it('has one file per topic, named by its versioned name, with its $id and title', () => {
    const generated = generatedSchemaFiles();
    expect([...generated.keys()].sort()).toEqual(Object.values(TOPICS).sort());
    for (const topic of Object.values(TOPICS)) {
      const doc = JSON.parse(readFileSync(join(SCHEMAS_DIR, `${topic}.json`), 'utf8'));
      expect(doc).toMatchObject({ $schema: 'https://json-schema.org/draft/2020-12/schema', $id: `urn:sightline:topic:${topic}`, title: topic, required: ['key', 'value', 'headers'] });
      expect(doc.description).toEqual(expect.any(String));
    }
  });

  it('is backward compatible with every published baseline (a breaking change needs a new topic version)', () => {
    const broken = incompatibleWithPublished();
    if (broken.length) throw new Error(`breaking changes to published topic schemas:\n${describeReports(broken)}`);
  });

  it('has a published baseline for every topic', () => {
    const published = Object.values(TOPICS).filter((topic) => {
      try {
        return readFileSync(join(SCHEMAS_DIR, PUBLISHED_DIR_NAME, `${topic}.json`), 'utf8').length > 0;
      } catch {
        return false;
      }
    });
    expect(published.sort()).toEqual(Object.values(TOPICS).sort());
  });
});

describe('the compatibility check against a baseline', () => {
  // A baseline made from today's contract, and a "next" generated after a breaking zod change:
  // the check must name it, as it would for a real edit of libs/contracts.
  it('fails a zod change that drops a field or narrows a type, and passes one that adds an optional field', () => {
    const value = TOPIC_CONTRACTS.eventsDlq.value as z.ZodObject;
    const asFiles = (schema: z.ZodType) => new Map([['events.dlq.v1', `${JSON.stringify({ type: 'object', properties: { value: z.toJSONSchema(schema, { io: 'input' }) } })}\n`]]);
    const compare = (schema: z.ZodType) => compareWithBaselines(asFiles(value), asFiles(schema));
    expect(compare(value.extend({ reason: z.string().optional() }))).toEqual([]);
    expect(describeReports(compare(value.omit({ failedAt: true })))).toBe('events.dlq.v1:\n  value.failedAt: field removed');
    expect(describeReports(compare(value.extend({ topic: z.enum(['a', 'b']) })))).toBe('events.dlq.v1:\n  value.topic: values restricted to ["a","b"]');
  });
});
