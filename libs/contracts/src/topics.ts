/** Versioned topic names. The namespace prefix is configurable (default `sightline.`). */
export const TOPICS = {
  projects: 'projects.v1',
  eventsRaw: 'events.raw.v1',
  eventsEnriched: 'events.enriched.v1',
  eventsDlq: 'events.dlq.v1',
  erasures: 'erasures.v1',
} as const;

export type TopicId = keyof typeof TOPICS;

export function topicName(namespace: string, topic: TopicId): string {
  return `${namespace}${TOPICS[topic]}`;
}

export type TopicNames = { readonly [K in TopicId]: string };

export function topicNames(namespace: string): TopicNames {
  const entries = (Object.keys(TOPICS) as TopicId[]).map((id) => [id, topicName(namespace, id)]);
  return Object.freeze(Object.fromEntries(entries)) as TopicNames;
}
