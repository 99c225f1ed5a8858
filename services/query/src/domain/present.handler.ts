import type { EventRow } from '../stores/event-log.store';
import type { SessionRow } from '../stores/session.store';
import { encodeCursor } from './cursor.handler';

type People = Map<number, { root: number; visitorId: string }>;

/** An event as the API shows it: the current person (after merges) and what was stored. */
export function presentEvent(row: EventRow, people: People) {
  const person = people.get(row.visitor_index);
  return {
    messageId: row.message_id,
    type: row.type,
    name: row.name,
    category: row.category,
    timestamp: row.timestamp.toISOString(),
    receivedAt: row.received_at.toISOString(),
    sessionId: row.session_id,
    visitorId: person?.visitorId ?? row.visitor_id,
    visitorIndex: person?.root ?? row.visitor_index,
    originalVisitorId: row.visitor_id,
    originalVisitorIndex: row.visitor_index,
    userId: row.user_id,
    anonymousId: row.anonymous_id,
    properties: row.properties,
    context: row.context,
    pagePath: row.page_path,
    referrerDomain: row.referrer_domain,
    source: row.source,
    medium: row.medium,
    campaign: row.campaign,
    country: row.country,
    browser: row.browser,
    os: row.os,
    deviceType: row.device_type,
    isBot: row.is_bot,
  };
}

export function presentSession(row: SessionRow, people: People) {
  const person = people.get(row.visitor_index);
  return {
    sessionId: row.session_id,
    visitorId: person?.visitorId ?? row.visitor_id,
    visitorIndex: person?.root ?? row.visitor_index,
    startedAt: row.started_at.toISOString(),
    endedAt: row.ended_at.toISOString(),
    durationSeconds: (row.ended_at.getTime() - row.started_at.getTime()) / 1000,
    entryPage: row.entry_page,
    exitPage: row.exit_page,
    pageCount: row.page_count,
    eventCount: row.event_count,
    referrerDomain: row.referrer_domain,
    source: row.source,
    medium: row.medium,
    campaign: row.campaign,
    deviceType: row.device_type,
    browser: row.browser,
    os: row.os,
    country: row.country,
  };
}

/** Trims the extra row fetched to detect a next page and builds its cursor. */
export function paginate<R>(rows: R[], limit: number, keyOf: (row: R) => { us: string; id: string }): { page: R[]; nextCursor: string | null } {
  if (rows.length <= limit) return { page: rows, nextCursor: null };
  const page = rows.slice(0, limit);
  return { page, nextCursor: encodeCursor(keyOf(page[page.length - 1]!)) };
}
