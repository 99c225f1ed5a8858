import { z } from 'zod';
import { eventContext, eventType, isoTimestamp, jsonObject, projectId } from '../common';

export const deviceInfo = z.object({
  browser: z.string().nullable(),
  browserVersion: z.string().nullable(),
  os: z.string().nullable(),
  deviceType: z.enum(['desktop', 'mobile', 'tablet', 'bot', 'other']),
});
export type DeviceInfo = z.infer<typeof deviceInfo>;

export const enrichedEventValue = z.object({
  messageId: z.string().min(1).max(256),
  projectId,
  type: eventType,
  /** Projection name: track name, or `$pageview`, `$screen`, `$identify`, `$alias`, `$group`. */
  name: z.string().min(1).max(256),
  category: z.string().max(256).nullable(),
  properties: jsonObject,
  /** The visitor's traits as known after this event (identify traits merged in). */
  traits: jsonObject,
  anonymousId: z.string().nullable(),
  userId: z.string().nullable(),
  visitorId: z.string().min(1),
  visitorIndex: z.number().int().nonnegative(),
  /**
   * Set when this event merged another visitor into this one (identify/alias): projections
   * treat the merged index as this visitor from the merge on.
   */
  mergedVisitorIndexes: z.array(z.number().int().nonnegative()).default([]),
  sessionId: z.string().min(1),
  isNewVisitor: z.boolean(),
  isNewSession: z.boolean(),
  timestamp: isoTimestamp,
  receivedAt: isoTimestamp,
  context: eventContext,
  device: deviceInfo,
  country: z.string().nullable(),
  referrerDomain: z.string().nullable(),
  source: z.string().nullable(),
  medium: z.string().nullable(),
  campaign: z.string().nullable(),
  entryPage: z.string().nullable(),
  /** On the first event of a session, the exit page of the visitor's previous session. */
  previousExitPage: z.string().nullable(),
  isBot: z.boolean(),
});
export type EnrichedEvent = z.input<typeof enrichedEventValue>;
export type EnrichedEventParsed = z.infer<typeof enrichedEventValue>;

export function enrichedEventKeyOf(event: Pick<EnrichedEvent, 'projectId' | 'visitorIndex'>): string {
  return `${event.projectId}:${event.visitorIndex}`;
}
