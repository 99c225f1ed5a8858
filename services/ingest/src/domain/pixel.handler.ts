/**
 * `GET /p.gif` query fields (for pages without JavaScript and for e-mails) into a Segment
 * message: `type` (default page), `event`, `name`, `url` (default: the Referer), `referrer`,
 * `title`, `path`, `userId`, `anonymousId`, `messageId`, `timestamp`, and `properties` /
 * `traits` as JSON strings. Unparsable JSON is passed on as a string so validation names it.
 */
type Query = Record<string, unknown>;

const text = (query: Query, name: string): string | undefined => {
  const value = query[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
};

function jsonField(query: Query, name: string): unknown {
  const raw = text(query, name);
  if (raw === undefined) return undefined;
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

export function pixelMessage(query: Query, referer: string | undefined): Record<string, unknown> {
  const page = Object.fromEntries(
    [
      ['url', text(query, 'url') ?? referer],
      ['referrer', text(query, 'referrer')],
      ['title', text(query, 'title')],
      ['path', text(query, 'path')],
    ].filter(([, v]) => v !== undefined),
  );
  return {
    type: text(query, 'type') ?? 'page',
    event: text(query, 'event'),
    name: text(query, 'name'),
    userId: text(query, 'userId'),
    anonymousId: text(query, 'anonymousId'),
    messageId: text(query, 'messageId'),
    timestamp: text(query, 'timestamp'),
    properties: jsonField(query, 'properties'),
    traits: jsonField(query, 'traits'),
    context: { page },
  };
}
