/**
 * FizzStat's tracker fields, sent to `/collect` as `{event_type, value, data, url?, referrer?,
 * view_key?, client_hash?}`, mapped onto Segment messages:
 * - `view` (a page view; its referrer in `referrer`) and `entry` (external referrer in `value`) → page
 * - `exit` / `edit` (outbound-link click, the link in `value`) → track `$outbound` {url, ...data}
 * - anything else, from `fizzstat.event(type, value, data)` → track `type` {value, ...data}
 */
export const OUTBOUND_EVENT = '$outbound';

function isRecord(value: unknown): value is Record<string, unknown> {
  return !!value && typeof value === 'object' && !Array.isArray(value);
}

export function isFizzStatMessage(message: unknown): message is Record<string, unknown> {
  return isRecord(message) && typeof message.event_type === 'string' && message.type === undefined;
}

function dataProperties(data: unknown): Record<string, unknown> {
  if (data === undefined || data === null) return {};
  return isRecord(data) ? data : { data };
}

const text = (value: unknown) => (typeof value === 'string' && value ? value : undefined);

export function fromFizzStat(message: Record<string, unknown>, pageUrl: string | undefined): Record<string, unknown> {
  const type = String(message.event_type);
  const url = text(message.url) ?? pageUrl;
  const context = {
    ...(isRecord(message.context) ? message.context : {}),
    page: { ...(url ? { url } : {}), ...(text(message.referrer) ? { referrer: message.referrer } : {}) },
    ...(message.view_key !== undefined || message.client_hash !== undefined ? { fizzstat: { viewKey: message.view_key, clientHash: message.client_hash } } : {}),
  };
  const base = {
    messageId: message.messageId,
    anonymousId: message.anonymousId,
    userId: message.userId,
    timestamp: message.timestamp,
    context,
  };
  switch (type) {
    case 'view':
      return { ...base, type: 'page', properties: dataProperties(message.data) };
    case 'entry':
      return { ...base, type: 'page', context: { ...context, page: { ...context.page, ...(text(message.value) ? { referrer: message.value } : {}) } }, properties: dataProperties(message.data) };
    case 'exit':
    case 'edit':
      return { ...base, type: 'track', event: OUTBOUND_EVENT, properties: { url: message.value, ...dataProperties(message.data) } };
    default:
      return { ...base, type: 'track', event: type, properties: { value: message.value, ...dataProperties(message.data) } };
  }
}
