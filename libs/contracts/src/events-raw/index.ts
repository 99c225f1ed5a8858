import { createHmac } from 'node:crypto';
import { z } from 'zod';
import { eventContext, eventType, isoTimestamp, jsonObject, projectId } from '../common';

/** Facts of the HTTP request that the fingerprint needs. Never written to a store. */
export const requestFacts = z.object({
  ip: z.string().max(64).nullable(),
  userAgent: z.string().max(1024).nullable(),
  acceptLanguage: z.string().max(512).nullable(),
  dnt: z.boolean(),
  gpc: z.boolean(),
  /**
   * Who sent the request. A browser's User-Agent is the visitor's; a server SDK's (Segment's
   * node, python, go libraries, curl) is the sender's, so only `context.userAgent` describes
   * the visitor then. Records written before this field was added came from both: `browser`
   * keeps their old reading.
   */
  clientKind: z.enum(['browser', 'server']).default('browser'),
});
export type RequestFacts = z.input<typeof requestFacts>;

export const rawEventValue = z.object({
  messageId: z.string().min(1).max(256),
  projectId,
  type: eventType,
  /** Event name for track, page or screen name for page/screen. */
  event: z.string().min(1).max(256).nullable(),
  category: z.string().max(256).nullable(),
  properties: jsonObject,
  traits: jsonObject,
  anonymousId: z.string().min(1).max(256).nullable(),
  userId: z.string().min(1).max(256).nullable(),
  /** alias: the id being merged into userId. */
  previousId: z.string().min(1).max(256).nullable(),
  groupId: z.string().min(1).max(256).nullable(),
  context: eventContext,
  originalTimestamp: isoTimestamp.nullable(),
  sentAt: isoTimestamp.nullable(),
  receivedAt: isoTimestamp,
  /** Corrected event time: receivedAt − (sentAt − originalTimestamp) when sentAt is given. */
  timestamp: isoTimestamp,
  request: requestFacts,
});
// The input type: producers may omit fields that have defaults (older producers did).
export type RawEvent = z.input<typeof rawEventValue>;

/**
 * Key `projectId:(userId or anonymousId or previousId or fp:<keyed hash>)`; keeps a visitor's
 * order. A cookieless event is keyed by HMAC-SHA-256(secret, IP ‖ User-Agent), 128 bits in hex:
 * the same browser still lands on one partition, and no IP is in a key (keys outlive values
 * in logs, DLQ records and broker tools; an unkeyed hash of an IPv4 is reversed by brute force).
 */
export const rawEventKey = z.string().min(1);

export function rawEventKeyOf(event: Pick<RawEvent, 'projectId' | 'userId' | 'anonymousId' | 'previousId' | 'request'>, secret: string): string {
  const id = event.userId ?? event.anonymousId ?? event.previousId ?? `fp:${rawKeyFingerprint(secret, event.request.ip ?? '', event.request.userAgent ?? '')}`;
  return `${event.projectId}:${id}`;
}

/** The keyed hash of a cookieless raw event's key (see rawEventKeyOf). */
export function rawKeyFingerprint(secret: string, ip: string, userAgent: string): string {
  return createHmac('sha256', secret).update(ip).update('\u0000').update(userAgent).digest('hex').slice(0, 32);
}

/**
 * Clock-skew correction from Segment's semantics: the client's clock may be wrong, but the
 * interval between the event and its sending is right.
 */
export function correctedTimestamp(receivedAt: Date, originalTimestamp: Date | null, sentAt: Date | null): Date {
  if (!originalTimestamp) return receivedAt;
  if (!sentAt) return originalTimestamp;
  return new Date(receivedAt.getTime() - (sentAt.getTime() - originalTimestamp.getTime()));
}
