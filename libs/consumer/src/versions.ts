import { TOPICS, enrichedEventKeyOf, enrichedEventValue, erasureValue, isPlainEnrichedEvent, type EnrichedEventParsed, type Erasure } from '@sightline/contracts';
import type { z } from 'zod';

/**
 * The versions of events.enriched this kit reads, each with its topic and its decoder. A new
 * version goes beside v1 here (its topic suffix, its zod schema from libs/contracts), and
 * `SightlineEvent` becomes a union told apart by `version`: a consumer compiled against the
 * kit sees at once which fields it must handle. During the period when both versions are
 * produced, a consumer reads one of them (`versions`), then moves to the new one.
 */
export const ENRICHED_VERSIONS = {
  v1: { topic: TOPICS.eventsEnriched, decode: (data: unknown) => parseWith(enrichedEventValue, data, isPlainEnrichedEvent) },
} as const;

export type EnrichedVersion = keyof typeof ENRICHED_VERSIONS;
export const SUPPORTED_VERSIONS = Object.keys(ENRICHED_VERSIONS) as EnrichedVersion[];
export const LATEST_VERSION: EnrichedVersion = 'v1';

/** An enriched event as the kit delivers it, by version. */
export type SightlineEvent = { version: 'v1'; event: EnrichedEventParsed };
export type { EnrichedEventParsed as EnrichedEventV1, Erasure };
/** HMAC-SHA-256(ERASURE_ID_SECRET, projectId "\n" id): hash the ids you hold to find them among an erasure's `idHashes`. */
export { erasureIdHash } from '@sightline/contracts';

export type Decoded<T> = { ok: true; value: T } | { ok: false; reason: string };

function parseWith<S extends z.ZodType>(schema: S, data: unknown, isPlain?: (value: unknown) => value is z.infer<S>): Decoded<z.infer<S>> {
  if (isPlain?.(data)) return { ok: true, value: data };
  const parsed = schema.safeParse(data);
  if (parsed.success) return { ok: true, value: parsed.data };
  return { ok: false, reason: parsed.error.issues.map((i) => `${i.path.join('.') || '(value)'}: ${i.message}`).join('; ') };
}

function parseJson(value: Buffer | null): Decoded<unknown> {
  if (!value) return { ok: false, reason: '(value): empty' };
  try {
    return { ok: true, value: JSON.parse(value.toString('utf8')) };
  } catch (err) {
    return { ok: false, reason: `(value): invalid JSON: ${(err as Error).message}` };
  }
}

/** Value and key of one events.enriched record; the key must be the one the producer derives (`projectId:visitorIndex`). */
export function decodeEnriched(version: EnrichedVersion, key: Buffer | null, value: Buffer | null): Decoded<SightlineEvent> {
  const json = parseJson(value);
  if (!json.ok) return json;
  const decoded = ENRICHED_VERSIONS[version].decode(json.value);
  if (!decoded.ok) return decoded;
  const expected = enrichedEventKeyOf(decoded.value);
  const actual = key?.toString('utf8') ?? null;
  if (actual !== expected) return { ok: false, reason: `(key): ${JSON.stringify(actual)} is not the event's projectId:visitorIndex ${JSON.stringify(expected)}` };
  return { ok: true, value: { version, event: decoded.value } };
}

export function decodeErasure(value: Buffer | null): Decoded<Erasure> {
  const json = parseJson(value);
  return json.ok ? parseWith(erasureValue, json.value) : json;
}

/** The at-least-once dedupe key: one per event, the same in every redelivery, replay and version. */
export function dedupeKeyOf(event: { projectId: string; messageId: string }): string {
  return `${event.projectId}:${event.messageId}`;
}
