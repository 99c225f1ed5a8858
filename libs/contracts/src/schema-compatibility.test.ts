import { breakingChanges } from './schema-compatibility';
import { topicJsonSchema } from './topic-contracts';

// A small published schema in the shapes zod writes: required and optional fields, a nullable
// field (anyOf), a type array, an enum, limits, an array, a nested open object and a typed catch-all.
const published = () => ({
  $id: 'urn:test',
  type: 'object',
  properties: {
    id: { type: 'string', minLength: 1, maxLength: 256 },
    kind: { type: 'string', enum: ['track', 'page'] },
    category: { anyOf: [{ type: 'string', maxLength: 256 }, { type: 'null' }] },
    userId: { type: ['string', 'null'] },
    index: { type: 'integer', minimum: 0 },
    merged: { type: 'array', items: { type: 'integer', minimum: 0 } },
    note: { type: 'string' },
    context: { type: 'object', properties: { url: { type: 'string', maxLength: 4096 } } },
    headers: { type: 'object', properties: { traceparent: { type: 'string' } }, additionalProperties: { type: 'string' } },
    properties: { type: 'object', propertyNames: { type: 'string' }, additionalProperties: {} },
  },
  required: ['id', 'kind', 'category', 'userId', 'index', 'context', 'headers', 'properties'],
});
type Doc = ReturnType<typeof published> & Record<string, unknown>;

/** The published schema after `edit`, and the changes found between them. */
function changesAfter(edit: (doc: Doc) => void) {
  const next = published() as Doc;
  edit(next);
  return breakingChanges(published(), next);
}
const props = (doc: Doc) => doc.properties as Record<string, Record<string, unknown>>;

describe('breakingChanges: each breaking change is found, at its path', () => {
  it.each<[string, (doc: Doc) => void, string, RegExp]>([
    ['a field removed', (d) => delete props(d).note, 'note', /field removed/],
    ['a required field removed', (d) => { delete props(d).index; d.required = d.required.filter((n) => n !== 'index'); }, 'index', /field removed/],
    ['a nested field removed', (d) => delete (props(d).context!.properties as Record<string, unknown>).url, 'context.url', /field removed/],
    ['an optional field made required', (d) => d.required.push('note'), 'note', /optional field made required/],
    ['a new required field', (d) => { props(d).added = { type: 'string' }; d.required.push('added'); }, 'added', /new required field/],
    ['a required field made optional', (d) => (d.required = d.required.filter((n) => n !== 'kind')), 'kind', /made optional/],
    ['a nullable field made non-null (anyOf → one type)', (d) => (props(d).category = { type: 'string', maxLength: 256 }), 'category', /type narrowed: null/],
    ['a nullable field made non-null (type array → one type)', (d) => (props(d).userId = { type: 'string' }), 'userId', /type narrowed: null/],
    ['a field made nullable (readers do not expect null)', (d) => (props(d).id = { type: ['string', 'null'], minLength: 1, maxLength: 256 }), 'id', /type widened: null/],
    ['integer widened to number', (d) => (props(d).index = { type: 'number', minimum: 0 }), 'index', /type widened: number/],
    ['an enum value removed', (d) => (props(d).kind = { type: 'string', enum: ['track'] }), 'kind', /enum value removed: "page"/],
    ['a free string restricted to an enum', (d) => (props(d).note = { type: 'string', enum: ['a'] }), 'note', /values restricted/],
    ['maxLength lowered', (d) => (props(d).id = { type: 'string', minLength: 1, maxLength: 100 }), 'id', /maxLength lowered from 256 to 100/],
    ['minLength raised', (d) => (props(d).id = { type: 'string', minLength: 2, maxLength: 256 }), 'id', /minLength raised/],
    ['a pattern added', (d) => (props(d).note = { type: 'string', pattern: '^a' }), 'note', /pattern "\^a" added/],
    ['a format added', (d) => (props(d).note = { type: 'string', format: 'date-time' }), 'note', /format "date-time" added/],
    ['minimum raised', (d) => (props(d).index = { type: 'integer', minimum: 1 }), 'index', /minimum raised/],
    ['a maximum added', (d) => (props(d).index = { type: 'integer', minimum: 0, maximum: 10 }), 'index', /maximum lowered from none to 10/],
    ['array items narrowed', (d) => (props(d).merged = { type: 'array', items: { type: 'integer', minimum: 5 } }), 'merged[]', /minimum raised/],
    ['maxItems added', (d) => (props(d).merged = { type: 'array', items: { type: 'integer', minimum: 0 }, maxItems: 3 }), 'merged', /maxItems lowered/],
    ['an object closed', (d) => (props(d).context!.additionalProperties = false), 'context', /no longer allowed/],
    ['a catch-all narrowed', (d) => (props(d).headers!.additionalProperties = { type: 'string', maxLength: 10 }), 'headers.*', /maxLength lowered/],
    ['a free value narrowed', (d) => (props(d).properties!.additionalProperties = { type: 'string' }), 'properties.*', /type narrowed: any value/],
    ['a new header field narrower than the catch-all', (d) => ((props(d).headers!.properties as Record<string, unknown>).x = { type: 'string', pattern: '^\\d+$' }), 'headers.x', /pattern/],
  ])('%s', (_name, edit, path, change) => {
    const changes = changesAfter(edit);
    expect(changes).toEqual([{ path, change: expect.stringMatching(change) }]);
  });
});

it('reports a changed type as one narrowed and one widened', () => {
  expect(changesAfter((d) => (props(d).index = { type: 'string' }))).toEqual([
    { path: 'index', change: 'type narrowed: integer no longer allowed' },
    { path: 'index', change: 'type widened: string now allowed, which readers of the published version do not expect' },
  ]);
});

describe('breakingChanges: compatible changes pass', () => {
  it.each<[string, (doc: Doc) => void]>([
    ['nothing changed', () => undefined],
    ['a new optional field', (d) => (props(d).added = { type: 'string' })],
    ['a new optional nested field', (d) => ((props(d).context!.properties as Record<string, unknown>).title = { type: 'string' })],
    ['a new optional header (as the catch-all allows)', (d) => ((props(d).headers!.properties as Record<string, unknown>).tracestate = { type: 'string' })],
    ['an enum value added', (d) => (props(d).kind = { type: 'string', enum: ['track', 'page', 'screen'] })],
    ['maxLength raised', (d) => (props(d).id = { type: 'string', minLength: 1, maxLength: 1000 })],
    ['minLength dropped', (d) => (props(d).id = { type: 'string', maxLength: 256 })],
    ['minimum dropped', (d) => (props(d).index = { type: 'integer' })],
    ['descriptions, titles, defaults and $id changed', (d) => {
      d.$id = 'urn:other';
      props(d).id!.description = 'now documented';
      props(d).merged!.default = [];
      d.title = 't';
    }],
    ['anyOf written as a type array', (d) => (props(d).category = { type: ['string', 'null'], maxLength: 256 })],
  ])('%s', (_name, edit) => {
    expect(changesAfter(edit)).toEqual([]);
  });
});

describe('breakingChanges: what it cannot judge is an error, never a pass', () => {
  it.each([
    ['$ref', { $ref: '#/$defs/x' }],
    ['allOf', { allOf: [{ type: 'string' }] }],
    ['if', { if: { type: 'string' }, then: { minLength: 1 } }],
  ])('%s', (keyword, schema) => {
    expect(() => breakingChanges({ type: 'object', properties: { a: { type: 'string' } } }, { type: 'object', properties: { a: schema } })).toThrow(`unsupported JSON Schema keyword "${keyword}" at a`);
  });
});

describe('breakingChanges on the real contracts', () => {
  it('finds nothing between a topic schema and itself', () => {
    expect(breakingChanges(topicJsonSchema('eventsEnriched'), topicJsonSchema('eventsEnriched'))).toEqual([]);
  });

  it('finds a removed enriched field, a narrowed key and a removed device type', () => {
    const next = topicJsonSchema('eventsEnriched') as { properties: Record<string, { properties?: Record<string, Record<string, unknown>>; pattern?: string }> };
    const value = next.properties.value!.properties!;
    delete value.sessionId;
    (value.device!.properties as Record<string, { enum: string[] }>).deviceType!.enum = ['desktop', 'mobile', 'tablet', 'other'];
    next.properties.key!.pattern = '^[a-z]+:\\d+$';
    expect(breakingChanges(topicJsonSchema('eventsEnriched'), next)).toEqual([
      { path: 'key', change: expect.stringMatching(/^pattern changed/) },
      { path: 'value.sessionId', change: 'field removed' },
      { path: 'value.device.deviceType', change: 'enum value removed: "bot"' },
    ]);
  });
});
