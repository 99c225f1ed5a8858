import { z } from 'zod';
import { PROJECT_ID_PATTERN, campaignContext, eventContext, eventType, isoTimestamp, pageContext, projectId } from './common';

/*
 * Hand-written checks of the topic contracts for the consumers' hot path (see
 * isPlainEnrichedEvent, isPlainRawEvent): each answers true only for a value its zod schema
 * accepts and returns unchanged, so the caller may skip zod; anything else goes through zod,
 * which gives the reason or the normalised copy. Property tests hold them to zod's answers.
 */

// Enums, patterns and limits come from the zod schemas themselves, so the two cannot drift apart.
const EVENT_TYPES = new Set<string>(eventType.options);
/** zod's own pattern for `z.iso.datetime({ offset: true })`; without it, no fast path. */
const ISO_TIMESTAMP: RegExp | undefined = (isoTimestamp as unknown as { _zod?: { def?: { pattern?: unknown } } })._zod?.def?.pattern instanceof RegExp
  ? ((isoTimestamp as unknown as { _zod: { def: { pattern: RegExp } } })._zod.def.pattern)
  : undefined;

/** Field → maximum length of the (optional) string fields of a zod object schema. */
function stringLimits(schema: z.ZodObject): Record<string, number> {
  const limits: Record<string, number> = {};
  for (const [key, field] of Object.entries(schema.shape)) {
    const inner = field instanceof z.ZodOptional ? field.unwrap() : field;
    if (inner instanceof z.ZodString) limits[key] = inner.maxLength ?? Infinity;
  }
  return limits;
}

/** The typed parts of Segment's context with their limits; other keys pass through as zod's `.loose()` does. */
const CONTEXT_STRINGS = stringLimits(eventContext);
const PAGE_STRINGS = stringLimits(pageContext);
const CAMPAIGN_STRINGS = stringLimits(campaignContext);
const LIBRARY_STRINGS = stringLimits(eventContext.shape.library.unwrap());

export function isPlainContext(value: unknown): boolean {
  if (!isObject(value)) return false;
  const c = value as Record<string, unknown>;
  for (const key in c) {
    if (!Object.prototype.hasOwnProperty.call(c, key)) return false;
    const v = c[key];
    if (key in CONTEXT_STRINGS) {
      if (!isString(v, 0, CONTEXT_STRINGS[key])) return false;
    } else if (key === 'page') {
      if (!isLooseWithStrings(v, PAGE_STRINGS)) return false;
    } else if (key === 'campaign') {
      if (!isLooseWithStrings(v, CAMPAIGN_STRINGS)) return false;
    } else if (key === 'library') {
      if (!isLooseWithStrings(v, LIBRARY_STRINGS)) return false;
    } else if (key === 'screen') {
      if (!isObject(v)) return false;
      const s = v as Record<string, unknown>;
      if (('width' in s && !isFiniteNumber(s.width)) || ('height' in s && !isFiniteNumber(s.height))) return false;
    } else if (v === undefined) {
      return false;
    }
  }
  return true;
}

function isLooseWithStrings(value: unknown, limits: Record<string, number>): boolean {
  if (!isObject(value)) return false;
  const o = value as Record<string, unknown>;
  for (const key in o) {
    if (!Object.prototype.hasOwnProperty.call(o, key)) return false;
    if (key in limits ? !isString(o[key], 0, limits[key]) : o[key] === undefined) return false;
  }
  return true;
}

export function isObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.getPrototypeOf(value) === Object.prototype;
}
export function isString(value: unknown, min = 0, max = Infinity): boolean {
  return typeof value === 'string' && value.length >= min && value.length <= max;
}
export function isNullableString(value: unknown, max = Infinity): boolean {
  return value === null || isString(value, 0, max);
}
export function isIndex(value: unknown): boolean {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}
function isFiniteNumber(value: unknown): boolean {
  return typeof value === 'number' && Number.isFinite(value);
}
export function isTimestamp(value: unknown): boolean {
  return ISO_TIMESTAMP !== undefined && typeof value === 'string' && ISO_TIMESTAMP.test(value);
}
/** A plain object whose own keys are all in `known`, at least `required` of them. */
export function hasOnlyKeys(value: unknown, known: Set<string>, required: number): boolean {
  if (!isObject(value)) return false;
  const o = value as Record<string, unknown>;
  let keys = 0;
  for (const key in o) {
    if (!Object.prototype.hasOwnProperty.call(o, key) || !known.has(key)) return false;
    keys++;
  }
  return keys >= required;
}

/** The fields raw and enriched events share, with the same limits (common.ts). */
export function hasPlainEventBasics(e: Record<string, unknown>): boolean {
  return (
    isString(e.messageId, 1, 256) &&
    isString(e.projectId, projectId.minLength ?? 0, projectId.maxLength ?? Infinity) && PROJECT_ID_PATTERN.test(e.projectId as string) &&
    EVENT_TYPES.has(e.type as string) &&
    isNullableString(e.category, 256) &&
    isObject(e.properties) &&
    isObject(e.traits) &&
    isPlainContext(e.context)
  );
}
