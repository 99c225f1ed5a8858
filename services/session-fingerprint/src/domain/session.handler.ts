import { sessionIdOf } from './fingerprint.handler';

/** A visitor's current session, as kept in the identity store. */
export interface SessionState {
  sessionId: string;
  startedAt: number;
  lastEventAt: number;
  campaignKey: string | null;
  entryPage: string | null;
  lastPage: string | null;
}

export interface SessionRules {
  timeoutMinutes: number;
  splitAtMidnight: boolean;
  timeZone: string;
}

export interface SessionEvent {
  projectId: string;
  visitorIndex: number;
  at: number;
  campaignKey: string | null;
  page: string | null;
}

export interface SessionDecision {
  sessionId: string;
  isNewSession: boolean;
  entryPage: string | null;
  previousExitPage: string | null;
  /** The state to store; unchanged for a late event. */
  next: SessionState | null;
}

const MAX_SESSION_MS = 24 * 3600_000;

const dayFormatters = new Map<string, Intl.DateTimeFormat>();
function localDay(at: number, timeZone: string): string {
  let format = dayFormatters.get(timeZone);
  if (!format) {
    try {
      format = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    } catch {
      format = new Intl.DateTimeFormat('en-CA', { timeZone: 'UTC', year: 'numeric', month: '2-digit', day: '2-digit' });
    }
    dayFormatters.set(timeZone, format);
  }
  return format.format(at);
}

/** Why the event cannot continue the current session, or null when it does. */
export function sessionBreak(state: SessionState, event: SessionEvent, rules: SessionRules): string | null {
  if (event.at - state.lastEventAt > rules.timeoutMinutes * 60_000) return 'timeout';
  if (event.at - state.startedAt >= MAX_SESSION_MS) return 'max_duration';
  if (rules.splitAtMidnight && localDay(event.at, rules.timeZone) !== localDay(state.lastEventAt, rules.timeZone)) return 'midnight';
  if (event.campaignKey !== null && event.campaignKey !== state.campaignKey) return 'campaign';
  return null;
}

function startSession(event: SessionEvent, previous: SessionState | null): SessionDecision {
  const next: SessionState = {
    sessionId: sessionIdOf(event.projectId, event.visitorIndex, event.at),
    startedAt: event.at,
    lastEventAt: event.at,
    campaignKey: event.campaignKey,
    entryPage: event.page,
    lastPage: event.page,
  };
  return { sessionId: next.sessionId, isNewSession: true, entryPage: event.page, previousExitPage: previous?.lastPage ?? null, next };
}

/**
 * Places one event in the visitor's sessions. In order events continue or break the current
 * session. A late event (older than the last one seen) joins the current session when it falls
 * inside it (or within the timeout before its start); an older one belongs to a session whose
 * state is gone, so it gets a one-off session of its own and leaves the state untouched.
 */
export function placeInSession(state: SessionState | null, event: SessionEvent, rules: SessionRules): SessionDecision {
  if (!state) return startSession(event, null);
  if (event.at < state.lastEventAt) {
    if (event.at >= state.startedAt - rules.timeoutMinutes * 60_000) {
      return { sessionId: state.sessionId, isNewSession: false, entryPage: state.entryPage, previousExitPage: null, next: state };
    }
    return { ...startSession(event, null), next: state };
  }
  if (sessionBreak(state, event, rules)) return startSession(event, state);
  const next: SessionState = { ...state, lastEventAt: event.at, lastPage: event.page ?? state.lastPage };
  return { sessionId: state.sessionId, isNewSession: false, entryPage: state.entryPage, previousExitPage: null, next };
}
