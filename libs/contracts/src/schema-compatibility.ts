/*
 * Is a new version of a topic's JSON Schema a compatible change of the published one? Two
 * promises, both needed by a consumer of a topic that keeps weeks of records:
 * - every record the published schema accepts is still accepted (a consumer on the new schema
 *   replays the retained topic): no type narrowed, no limit tightened, no enum value removed,
 *   no optional field made required, no new required field, no closed object;
 * - every field the published schema promises is still there as it was (code written against it
 *   keeps working): no field removed, no required field made optional, no JSON type added to a
 *   field (a reader of `string` is not ready for `null`).
 * Allowed: new optional fields, new enum values (consumers must treat an unknown value as
 * "other"), looser limits, changed descriptions and defaults. Anything else needs a new topic
 * version (docs/consuming.md, "Versions").
 *
 * Works on the JSON Schema subset zod's toJSONSchema writes (no $ref, no allOf, no conditionals);
 * any other keyword is an error, never a silent pass.
 */

export interface BreakingChange {
  /** Where, as `value.context.page.url`, `value.mergedVisitorIndexes[]`, `headers.*`. */
  path: string;
  change: string;
}

type Schema = Record<string, unknown> | boolean;
type Variants = 'any' | Map<string, Record<string, unknown>>;

const ANNOTATIONS = new Set(['$schema', '$id', '$comment', 'title', 'description', 'default', 'examples', 'deprecated', 'readOnly', 'writeOnly']);
const TYPES = new Set(['string', 'number', 'integer', 'boolean', 'null', 'array', 'object']);
const SUPPORTED = new Set([
  ...ANNOTATIONS,
  'type', 'enum', 'const', 'anyOf', 'oneOf',
  'properties', 'required', 'additionalProperties', 'propertyNames', 'minProperties', 'maxProperties',
  'items', 'minItems', 'maxItems', 'uniqueItems',
  'minLength', 'maxLength', 'pattern', 'format',
  'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf',
]);

/** The breaking changes from `published` to `next`; empty when `next` is a compatible change. */
export function breakingChanges(published: Schema, next: Schema): BreakingChange[] {
  const out: BreakingChange[] = [];
  compare(published, next, '', out);
  return out;
}

function asObject(schema: Schema, path: string): Record<string, unknown> {
  if (schema === true) return {};
  if (schema === false) return { not: {} };
  for (const keyword of Object.keys(schema)) if (!SUPPORTED.has(keyword)) throw new Error(`unsupported JSON Schema keyword "${keyword}" at ${path || '(root)'}`);
  return schema;
}

function typeOfValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

/** A schema as JSON type → the constraints on values of that type ('any' accepts every value). */
function variantsOf(schema: Schema, path: string): Variants {
  if (schema === false) return new Map();
  const s = asObject(schema, path);
  const alternatives = (s.anyOf ?? s.oneOf) as Schema[] | undefined;
  if (alternatives) {
    const extra = Object.keys(s).filter((k) => !ANNOTATIONS.has(k) && k !== 'anyOf' && k !== 'oneOf');
    if (extra.length) throw new Error(`unsupported: ${extra.join(', ')} beside anyOf at ${path || '(root)'}`);
    const merged = new Map<string, Record<string, unknown>>();
    for (const alternative of alternatives) {
      const variants = variantsOf(alternative, path);
      if (variants === 'any') return 'any';
      for (const [type, constraints] of variants) {
        if (merged.has(type)) throw new Error(`unsupported: two alternatives of type ${type} at ${path || '(root)'}`);
        merged.set(type, constraints);
      }
    }
    return merged;
  }
  const values = (s.enum as unknown[] | undefined) ?? ('const' in s ? [s.const] : undefined);
  let types: string[] | undefined = s.type === undefined ? undefined : Array.isArray(s.type) ? (s.type as string[]) : [s.type as string];
  if (!types && values) types = [...new Set(values.map(typeOfValue))];
  if (!types) return 'any';
  const variants = new Map<string, Record<string, unknown>>();
  for (const type of types) {
    if (!TYPES.has(type)) throw new Error(`unknown type "${type}" at ${path || '(root)'}`);
    // Each type keeps only the enum values of its own kind (an integer value is a number too).
    const own = values?.filter((v) => typeOfValue(v) === type || (type === 'number' && typeOfValue(v) === 'integer'));
    variants.set(type, own ? { ...s, enum: own } : s);
  }
  return variants;
}

function compare(published: Schema, next: Schema, path: string, out: BreakingChange[]): void {
  const before = variantsOf(published, path);
  const after = variantsOf(next, path);
  const at = path || '(root)';
  if (before === 'any') {
    if (after !== 'any') out.push({ path: at, change: `type narrowed: any value was allowed, now only ${[...after.keys()].join(' | ') || 'none'}` });
    return;
  }
  if (after === 'any') {
    out.push({ path: at, change: `type widened from ${[...before.keys()].join(' | ')} to any value` });
    return;
  }
  // Every integer is a number: integer → number widens (readers of integers get fractions) but narrows nothing.
  const counterpart = (type: string) => after.get(type) ?? (type === 'integer' ? after.get('number') : undefined);
  for (const type of before.keys()) if (!counterpart(type)) out.push({ path: at, change: `type narrowed: ${type} no longer allowed` });
  for (const type of after.keys()) if (!before.has(type)) out.push({ path: at, change: `type widened: ${type} now allowed, which readers of the published version do not expect` });
  for (const [type, constraints] of before) {
    const now = counterpart(type);
    if (now) compareConstraints(type, constraints, now, path, out);
  }
}

const num = (value: unknown): number | undefined => (typeof value === 'number' ? value : undefined);

/** A lower bound that may only go down (undefined = none) and an upper bound that may only go up. */
function checkBounds(before: Record<string, unknown>, after: Record<string, unknown>, lower: string[], upper: string[], path: string, out: BreakingChange[]): void {
  for (const keyword of lower) {
    const [b, a] = [num(before[keyword]), num(after[keyword])];
    if (a !== undefined && (b === undefined || a > b)) out.push({ path, change: `${keyword} raised from ${b ?? 'none'} to ${a}` });
  }
  for (const keyword of upper) {
    const [b, a] = [num(before[keyword]), num(after[keyword])];
    if (a !== undefined && (b === undefined || a < b)) out.push({ path, change: `${keyword} lowered from ${b ?? 'none'} to ${a}` });
  }
}

function checkSame(before: Record<string, unknown>, after: Record<string, unknown>, keywords: string[], path: string, out: BreakingChange[]): void {
  for (const keyword of keywords) {
    if (after[keyword] === undefined || after[keyword] === before[keyword]) continue;
    out.push({ path, change: before[keyword] === undefined ? `${keyword} ${JSON.stringify(after[keyword])} added` : `${keyword} changed from ${JSON.stringify(before[keyword])} to ${JSON.stringify(after[keyword])}` });
  }
}

function compareConstraints(type: string, before: Record<string, unknown>, after: Record<string, unknown>, path: string, out: BreakingChange[]): void {
  const at = path || '(root)';
  const newValues = after.enum as unknown[] | undefined;
  if (newValues) {
    const oldValues = before.enum as unknown[] | undefined;
    if (!oldValues) out.push({ path: at, change: `values restricted to ${JSON.stringify(newValues)}` });
    else {
      const kept = new Set(newValues.map((v) => JSON.stringify(v)));
      const removed = oldValues.filter((v) => !kept.has(JSON.stringify(v)));
      if (removed.length) out.push({ path: at, change: `enum value${removed.length > 1 ? 's' : ''} removed: ${removed.map((v) => JSON.stringify(v)).join(', ')}` });
    }
  }
  switch (type) {
    case 'string':
      checkBounds(before, after, ['minLength'], ['maxLength'], at, out);
      checkSame(before, after, ['pattern', 'format'], at, out);
      return;
    case 'number':
    case 'integer':
      checkBounds(before, after, ['minimum', 'exclusiveMinimum'], ['maximum', 'exclusiveMaximum'], at, out);
      checkSame(before, after, ['multipleOf'], at, out);
      return;
    case 'array':
      checkBounds(before, after, ['minItems'], ['maxItems'], at, out);
      if (after.uniqueItems === true && before.uniqueItems !== true) out.push({ path: at, change: 'uniqueItems added' });
      compare((before.items as Schema | undefined) ?? true, (after.items as Schema | undefined) ?? true, `${path}[]`, out);
      return;
    case 'object':
      compareObjects(before, after, path, out);
      return;
  }
}

function compareObjects(before: Record<string, unknown>, after: Record<string, unknown>, path: string, out: BreakingChange[]): void {
  const at = path || '(root)';
  const child = (name: string) => (path ? `${path}.${name}` : name);
  const oldProps = (before.properties ?? {}) as Record<string, Schema>;
  const newProps = (after.properties ?? {}) as Record<string, Schema>;
  const oldRequired = new Set((before.required ?? []) as string[]);
  const newRequired = new Set((after.required ?? []) as string[]);
  const oldExtra = (before.additionalProperties as Schema | undefined) ?? true;
  const newExtra = (after.additionalProperties as Schema | undefined) ?? true;

  for (const [name, schema] of Object.entries(oldProps)) {
    if (!(name in newProps)) {
      out.push({ path: child(name), change: 'field removed' });
      continue;
    }
    compare(schema, newProps[name]!, child(name), out);
    if (oldRequired.has(name) && !newRequired.has(name)) out.push({ path: child(name), change: 'required field made optional (readers rely on it being there)' });
    if (!oldRequired.has(name) && newRequired.has(name)) out.push({ path: child(name), change: 'optional field made required' });
  }
  for (const [name, schema] of Object.entries(newProps)) {
    if (name in oldProps) continue;
    if (newRequired.has(name)) out.push({ path: child(name), change: 'new required field (published records lack it)' });
    // Under a typed catch-all (headers: any name, string values) a new field must still accept what the catch-all did.
    else if (oldExtra !== true && variantsOf(oldExtra, child(name)) !== 'any') compare(oldExtra, schema, child(name), out);
  }
  for (const name of newRequired) if (!(name in newProps) && !oldRequired.has(name)) out.push({ path: child(name), change: 'new required field (published records lack it)' });

  if (newExtra === false && oldExtra !== false) out.push({ path: at, change: 'other fields no longer allowed (additionalProperties: false)' });
  else if (newExtra !== false && oldExtra !== false) compare(oldExtra, newExtra, child('*'), out);
  const stringKeys = { type: 'string' };
  compare((before.propertyNames as Schema | undefined) ?? stringKeys, (after.propertyNames as Schema | undefined) ?? stringKeys, `${child('*')} (name)`, out);
  checkBounds(before, after, ['minProperties'], ['maxProperties'], at, out);
}
