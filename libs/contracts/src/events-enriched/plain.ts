import { hasOnlyKeys, hasPlainEventBasics, isIndex, isNullableString, isString, isTimestamp } from '../plain';
import { deviceInfo, type EnrichedEventParsed } from './index';

/**
 * A hand-written check of the enriched-event contract for the projections' hot path: true only
 * for a value that `enrichedEventValue` accepts *and* returns unchanged (every key known, none
 * defaulted), so the caller may use the value itself as the parsed event. Anything else — an
 * invalid event, an unknown key, a missing `mergedVisitorIndexes` — answers false and goes
 * through zod, which gives the reason or the normalised copy. zod costs ~3.5 µs per event here,
 * this ~0.6 µs; the property test holds it to zod's answers.
 */
export function isPlainEnrichedEvent(value: unknown): value is EnrichedEventParsed {
  if (!hasOnlyKeys(value, TOP_KEYS, TOP_KEYS.size)) return false;
  const e = value as Record<string, unknown>;
  return (
    hasPlainEventBasics(e) &&
    isString(e.name, 1, 256) &&
    isNullableString(e.anonymousId) &&
    isNullableString(e.userId) &&
    isString(e.visitorId, 1) &&
    isIndex(e.visitorIndex) &&
    Array.isArray(e.mergedVisitorIndexes) && (e.mergedVisitorIndexes as unknown[]).every(isIndex) &&
    isString(e.sessionId, 1) &&
    typeof e.isNewVisitor === 'boolean' &&
    typeof e.isNewSession === 'boolean' &&
    isTimestamp(e.timestamp) &&
    isTimestamp(e.receivedAt) &&
    isPlainDevice(e.device) &&
    isNullableString(e.country) &&
    isNullableString(e.referrerDomain) &&
    isNullableString(e.source) &&
    isNullableString(e.medium) &&
    isNullableString(e.campaign) &&
    isNullableString(e.entryPage) &&
    isNullableString(e.previousExitPage) &&
    typeof e.isBot === 'boolean'
  );
}

const TOP_KEYS = new Set([
  'messageId', 'projectId', 'type', 'name', 'category', 'properties', 'traits', 'anonymousId', 'userId', 'visitorId',
  'visitorIndex', 'mergedVisitorIndexes', 'sessionId', 'isNewVisitor', 'isNewSession', 'timestamp', 'receivedAt', 'context',
  'device', 'country', 'referrerDomain', 'source', 'medium', 'campaign', 'entryPage', 'previousExitPage', 'isBot',
]);
const DEVICE_TYPES = new Set<string>(deviceInfo.shape.deviceType.options);
const DEVICE_KEYS = new Set(['browser', 'browserVersion', 'os', 'deviceType']);

function isPlainDevice(value: unknown): boolean {
  if (!hasOnlyKeys(value, DEVICE_KEYS, DEVICE_KEYS.size)) return false;
  const d = value as Record<string, unknown>;
  return isNullableString(d.browser) && isNullableString(d.browserVersion) && isNullableString(d.os) && DEVICE_TYPES.has(d.deviceType as string);
}
