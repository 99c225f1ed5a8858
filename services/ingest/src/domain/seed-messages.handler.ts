import { z } from 'zod';

/**
 * The seeds' write requests as zod schemas and their mapping onto Segment messages, which
 * then go through the same validation, limits and durability as every other event.
 */
const name = z.string().min(1, 'required').max(256);

/** user_analytics `POST /analytics?timestamp=&user=&event=click|impression`. */
export const userAnalyticsQuery = z.object({
  timestamp: z.string().regex(/^\d{1,16}$/, 'must be a Unix time in milliseconds (values below 10^11 are read as seconds)'),
  user: name,
  event: name,
});

export function fromUserAnalytics(query: z.infer<typeof userAnalyticsQuery>): Record<string, unknown> {
  return { type: 'track', event: query.event, userId: query.user, timestamp: Number(query.timestamp), context: { library: { name: 'user_analytics' } } };
}

/** The Eye `POST /api/event/` body. */
export const theEyeEvent = z.object({
  session_id: name,
  category: name,
  name,
  data: z.record(z.string(), z.unknown()).default({}),
  timestamp: z.string().min(1, 'required'),
});

/** The Eye knows visitors only by session_id, so it is the anonymousId (and kept as context.sessionId). */
export function fromTheEye(event: z.infer<typeof theEyeEvent>): Record<string, unknown> {
  return {
    type: 'track',
    event: event.name,
    category: event.category,
    properties: event.data,
    anonymousId: event.session_id,
    timestamp: event.timestamp,
    context: { sessionId: event.session_id, library: { name: 'the-eye' } },
  };
}

const hiiTrackLibrary = { library: { name: 'hiitrack' } };

/** Without a visitor id (a cookie-less project's batch) the event is identified by its fingerprint downstream. */
export function hiiTrackEvent(eventName: string, visitorId: string | undefined): Record<string, unknown> {
  return { type: 'track', event: eventName, anonymousId: visitorId, context: hiiTrackLibrary };
}

/** A HiiTrack property (name + value) is a trait of the visitor: an identify event. */
export function hiiTrackProperties(properties: Array<[string, unknown]>, visitorId: string | undefined): Record<string, unknown> {
  return { type: 'identify', anonymousId: visitorId, traits: Object.fromEntries(properties), context: hiiTrackLibrary };
}

export type DecodeResult<T> = { ok: true; value: T } | { ok: false; reason: string };

/** HiiTrack sends JSON as base64 (standard or URL-safe) in query strings. */
export function decodeBase64Json(encoded: string): DecodeResult<unknown> {
  const text = Buffer.from(encoded, 'base64').toString('utf8');
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false, reason: 'must be base64-encoded JSON' };
  }
}

/** HiiTrack's batch `message`: `[[event names], [[property name, value], ...]]`. */
export function parseHiiTrackBatch(value: unknown): DecodeResult<{ events: string[]; properties: Array<[string, unknown]> }> {
  if (!Array.isArray(value) || value.length !== 2) return { ok: false, reason: 'must be a list of two values: event names, properties' };
  const [events, properties] = value as [unknown, unknown];
  if (!Array.isArray(events) || !events.every((e) => typeof e === 'string' && e.length > 0 && e.length <= 256)) return { ok: false, reason: 'event names must be a list of non-empty strings' };
  if (!Array.isArray(properties) || !properties.every((p) => Array.isArray(p) && p.length === 2 && typeof p[0] === 'string' && p[0].length > 0)) return { ok: false, reason: 'properties must be a list of [name, value] pairs' };
  return { ok: true, value: { events: events as string[], properties: properties as Array<[string, unknown]> } };
}

/** JSONP callback names are echoed into JavaScript, so only plain identifiers pass. */
export const jsonpCallback = z.string().regex(/^[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*$/, 'must be a JavaScript identifier').max(128);
