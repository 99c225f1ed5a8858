import { HttpError } from '@sightline/http';

/** Keyset position of the event log: event time in microseconds since epoch (exact) and messageId. */
export interface EventCursor {
  us: string;
  id: string;
}

export function encodeCursor(value: unknown): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}

function decodeJson(cursor: string): unknown {
  if (!/^[A-Za-z0-9_-]+$/.test(cursor)) throw new Error('not base64url');
  return JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
}

function malformed(): HttpError {
  return HttpError.badRequest('invalid cursor: pass back a nextCursor exactly as returned', [{ path: 'cursor', reason: 'malformed cursor' }]);
}

export function decodeEventCursor(cursor: string): EventCursor {
  try {
    const v = decodeJson(cursor) as Partial<EventCursor>;
    if (typeof v?.us === 'string' && /^-?\d{1,20}$/.test(v.us) && typeof v.id === 'string') return { us: v.us, id: v.id };
  } catch {
    // fall through to the 400
  }
  throw malformed();
}

/** Session list keyset: start time in microseconds and sessionId. */
export function decodeSessionCursor(cursor: string): EventCursor {
  return decodeEventCursor(cursor);
}

/** Funnel visitor lists page by visitor index. */
export function decodeIndexCursor(cursor: string): number {
  try {
    const v = decodeJson(cursor);
    if (typeof v === 'number' && Number.isInteger(v) && v >= 0) return v;
  } catch {
    // fall through to the 400
  }
  throw malformed();
}
