import type { EnrichedEventParsed } from '@sightline/contracts';

export interface EventSeed {
  projectId: string;
  messageId: string;
  visitorIndex: number;
  name: string;
  timestamp: string;
  sessionId?: string;
  properties?: Record<string, unknown>;
  traits?: Record<string, unknown>;
  category?: string | null;
  path?: string;
  userId?: string | null;
  mergedVisitorIndexes?: number[];
  receivedAt?: string;
}

/** A complete enriched event with plain defaults, for tests and benchmarks. */
export function enrichedEvent(seed: EventSeed): EnrichedEventParsed {
  return {
    messageId: seed.messageId,
    projectId: seed.projectId,
    type: seed.name === '$pageview' ? 'page' : seed.name === '$identify' ? 'identify' : 'track',
    name: seed.name,
    category: seed.category ?? null,
    properties: seed.properties ?? {},
    traits: seed.traits ?? {},
    anonymousId: `anon-${seed.visitorIndex}`,
    userId: seed.userId ?? null,
    visitorId: `v-${seed.visitorIndex}`,
    visitorIndex: seed.visitorIndex,
    mergedVisitorIndexes: seed.mergedVisitorIndexes ?? [],
    sessionId: seed.sessionId ?? `s-${seed.visitorIndex}`,
    isNewVisitor: false,
    isNewSession: false,
    timestamp: seed.timestamp,
    receivedAt: seed.receivedAt ?? seed.timestamp,
    context: seed.path ? { page: { path: seed.path } } : {},
    device: { browser: 'Firefox', browserVersion: '140', os: 'Linux', deviceType: 'desktop' },
    country: 'FR',
    referrerDomain: null,
    source: null,
    medium: null,
    campaign: null,
    entryPage: null,
    previousExitPage: null,
    isBot: false,
  };
}
