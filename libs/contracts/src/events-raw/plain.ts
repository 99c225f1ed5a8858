import { hasOnlyKeys, hasPlainEventBasics, isNullableString, isString, isTimestamp } from '../plain';
import type { RawEvent } from './index';

/**
 * The session-fingerprint service's hot-path check of `rawEventValue`: true only for a raw event
 * that zod accepts and returns unchanged (every key known, `request.clientKind` present), so the
 * value itself is the parsed event; anything else goes through zod. The property test holds it
 * to zod's answers.
 */
export function isPlainRawEvent(value: unknown): value is RawEvent & { request: { clientKind: 'browser' | 'server' } } {
  if (!hasOnlyKeys(value, TOP_KEYS, TOP_KEYS.size)) return false;
  const e = value as Record<string, unknown>;
  return (
    hasPlainEventBasics(e) &&
    isNullableId(e.event) &&
    isNullableId(e.anonymousId) &&
    isNullableId(e.userId) &&
    isNullableId(e.previousId) &&
    isNullableId(e.groupId) &&
    (e.originalTimestamp === null || isTimestamp(e.originalTimestamp)) &&
    (e.sentAt === null || isTimestamp(e.sentAt)) &&
    isTimestamp(e.receivedAt) &&
    isTimestamp(e.timestamp) &&
    isPlainRequest(e.request)
  );
}

const TOP_KEYS = new Set([
  'messageId', 'projectId', 'type', 'event', 'category', 'properties', 'traits', 'anonymousId', 'userId', 'previousId', 'groupId',
  'context', 'originalTimestamp', 'sentAt', 'receivedAt', 'timestamp', 'request',
]);
const REQUEST_KEYS = new Set(['ip', 'userAgent', 'acceptLanguage', 'dnt', 'gpc', 'clientKind']);

function isNullableId(value: unknown): boolean {
  return value === null || isString(value, 1, 256);
}

function isPlainRequest(value: unknown): boolean {
  if (!hasOnlyKeys(value, REQUEST_KEYS, REQUEST_KEYS.size)) return false;
  const r = value as Record<string, unknown>;
  return (
    isNullableString(r.ip, 64) && isNullableString(r.userAgent, 1024) && isNullableString(r.acceptLanguage, 512) &&
    typeof r.dnt === 'boolean' && typeof r.gpc === 'boolean' && (r.clientKind === 'browser' || r.clientKind === 'server')
  );
}
