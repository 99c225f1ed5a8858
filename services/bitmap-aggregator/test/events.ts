import type { EnrichedEventParsed } from '@sightline/contracts';

/** A valid enriched event with everything the projection reads; override what a test varies. */
export function enrichedEvent(overrides: Partial<EnrichedEventParsed> & Pick<EnrichedEventParsed, 'projectId' | 'visitorIndex' | 'timestamp'>): EnrichedEventParsed {
  return {
    messageId: `m-${overrides.visitorIndex}-${overrides.timestamp}-${Math.random().toString(36).slice(2)}`,
    type: 'track',
    name: 'click',
    category: null,
    properties: {},
    traits: {},
    anonymousId: null,
    userId: null,
    visitorId: `v-${overrides.visitorIndex}`,
    mergedVisitorIndexes: [],
    sessionId: `s-${overrides.visitorIndex}`,
    isNewVisitor: false,
    isNewSession: false,
    receivedAt: overrides.timestamp,
    context: {},
    device: { browser: 'Firefox', browserVersion: '140', os: 'Linux', deviceType: 'desktop' },
    country: null,
    referrerDomain: null,
    source: null,
    medium: null,
    campaign: null,
    entryPage: null,
    previousExitPage: null,
    isBot: false,
    ...overrides,
  };
}
