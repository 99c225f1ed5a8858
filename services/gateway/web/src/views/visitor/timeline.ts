// The profile's timeline: the visitor's recent events grouped under their sessions, newest first.
// Pure, for the unit tests.

export interface ProfileEvent {
  messageId: string;
  name: string;
  timestamp: string;
  sessionId: string | null;
  pagePath?: string | null;
  [k: string]: unknown;
}
export interface ProfileSession {
  sessionId: string;
  startedAt: string;
  endedAt: string;
  entryPage?: string | null;
  [k: string]: unknown;
}
export interface TimelineGroup {
  key: string;
  session: ProfileSession | null;
  events: ProfileEvent[];
}

/** Sessions newest first, each with its events newest first; events of no known session in their own group, placed by time. */
export function groupTimeline(sessions: ProfileSession[], events: ProfileEvent[]): TimelineGroup[] {
  const byId = new Map<string, TimelineGroup>();
  const groups: TimelineGroup[] = [];
  for (const s of sessions) {
    const g = { key: `s:${s.sessionId}`, session: s, events: [] };
    byId.set(s.sessionId, g);
    groups.push(g);
  }
  const loose = new Map<string, TimelineGroup>();
  for (const e of events) {
    const g = e.sessionId ? byId.get(e.sessionId) : undefined;
    if (g) g.events.push(e);
    else {
      const key = `x:${e.sessionId ?? ''}`;
      let l = loose.get(key);
      if (!l) {
        l = { key, session: null, events: [] };
        loose.set(key, l);
        groups.push(l);
      }
      l.events.push(e);
    }
  }
  const time = (g: TimelineGroup) => (g.session ? Date.parse(g.session.startedAt) : Math.max(...g.events.map((e) => Date.parse(e.timestamp))));
  for (const g of groups) g.events.sort((a, b) => Date.parse(b.timestamp) - Date.parse(a.timestamp));
  return groups.sort((a, b) => time(b) - time(a));
}
