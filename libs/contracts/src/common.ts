import { z } from 'zod';

export const isoTimestamp = z.iso.datetime({ offset: true });
export const jsonObject = z.record(z.string(), z.unknown());

export const PROJECT_ID_PATTERN = /^[A-Za-z0-9_-]+$/;
export const projectId = z.string().min(1).max(64).regex(PROJECT_ID_PATTERN, 'letters, digits, _ and - only');

export const eventType = z.enum(['track', 'page', 'screen', 'identify', 'alias', 'group']);
export type EventType = z.infer<typeof eventType>;

export const pageContext = z
  .object({
    url: z.string().max(4096).optional(),
    path: z.string().max(4096).optional(),
    referrer: z.string().max(4096).optional(),
    title: z.string().max(1024).optional(),
    search: z.string().max(4096).optional(),
  })
  .loose();

export const campaignContext = z
  .object({
    source: z.string().max(256).optional(),
    medium: z.string().max(256).optional(),
    name: z.string().max(256).optional(),
    term: z.string().max(256).optional(),
    content: z.string().max(256).optional(),
  })
  .loose();

/** Segment's context object: the parts Sightline reads are typed, the rest passes through. */
export const eventContext = z
  .object({
    userAgent: z.string().max(1024).optional(),
    locale: z.string().max(64).optional(),
    timezone: z.string().max(64).optional(),
    page: pageContext.optional(),
    campaign: campaignContext.optional(),
    library: z.object({ name: z.string().max(128), version: z.string().max(64) }).partial().loose().optional(),
    screen: z.object({ width: z.number(), height: z.number() }).partial().loose().optional(),
  })
  .loose();
export type EventContext = z.infer<typeof eventContext>;

/**
 * The event name every projection uses: track events keep their name, the other types get
 * reserved `$` names so that they can be counted and used as funnel steps too.
 */
export function eventNameOf(type: EventType, event: string | null | undefined): string {
  switch (type) {
    case 'track':
      return event ?? '$unnamed';
    case 'page':
      return '$pageview';
    case 'screen':
      return '$screen';
    case 'identify':
      return '$identify';
    case 'alias':
      return '$alias';
    case 'group':
      return '$group';
  }
}
