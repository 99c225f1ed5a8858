import { EXIT_OPEN } from './dimensions.handler';
import type { ProjectedEvent } from './projection.handler';
import type { ProjectSettings } from './range.handler';
import { labelOf, toLocal, weekLabelOf } from './time-buckets.handler';

/**
 * Exit pages from a stream (docs/bitmaps.md, "Exit pages"). A session's exit page is the page of
 * its last pageview, which moves while the session goes on. Each visitor's open session is kept
 * (its id, start, last pageview time and page); its exit bit lives in `exitOpen:<page>` at the
 * buckets of the session's start and is cleared and set again when the page moves. When the
 * visitor's next session starts, the ended session's exit is final: set once in `exitPage:<page>`.
 */
export interface OpenSession {
  sessionId: string;
  startMs: number;
  /** Time of the session's last pageview (or of its first event while it has none). */
  lastMs: number;
  page: string | null;
}

/** One event of a visitor, in stream order: its session and, for a pageview, its (capped) page. */
export interface SessionStep {
  visitor: number;
  utcMs: number;
  sessionId: string;
  page: string | null;
}

export interface ExitPlan {
  /** Exits that are final: set `exitPage:<page>` at the session's start. */
  ended: Array<{ visitor: number; utcMs: number; page: string }>;
  /** Visitors whose open session changed: the stored state before and the state to store. */
  moved: Map<number, { before: OpenSession | null; after: OpenSession }>;
}

export function encodeOpen(s: OpenSession): string {
  return JSON.stringify([s.sessionId, s.startMs, s.lastMs, s.page]);
}

export function decodeOpen(text: string | null | undefined): OpenSession | null {
  if (!text) return null;
  try {
    const [sessionId, startMs, lastMs, page] = JSON.parse(text) as [string, number, number, string | null];
    return { sessionId, startMs, lastMs, page };
  } catch {
    return null;
  }
}

/**
 * Runs the steps over the stored open sessions. A step of the open session moves its page when
 * it is a pageview not older than the last one; a step of another, newer session ends the open
 * one; a step older than the open session's start (a late event the identity service gave a
 * one-off session) is a session of its own that has ended: its page is its exit.
 */
export function planExits(stored: ReadonlyMap<number, OpenSession | null>, steps: SessionStep[]): ExitPlan {
  const ended: ExitPlan['ended'] = [];
  // Each visitor's open session as the steps go, a copy of the stored one changed in place (one object per visitor, not per step).
  const current = new Map<number, OpenSession | null>();
  for (const step of steps) {
    let s = current.get(step.visitor);
    if (s === undefined) {
      const saved = stored.get(step.visitor) ?? null;
      current.set(step.visitor, (s = saved && { ...saved }));
    }
    if (!s || (step.sessionId !== s.sessionId && step.utcMs >= s.startMs)) {
      if (s?.page) ended.push({ visitor: step.visitor, utcMs: s.startMs, page: s.page });
      current.set(step.visitor, { sessionId: step.sessionId, startMs: step.utcMs, lastMs: step.utcMs, page: step.page });
    } else if (step.sessionId === s.sessionId) {
      if (step.page !== null && step.utcMs >= s.lastMs) {
        s.lastMs = step.utcMs;
        s.page = step.page;
      }
    } else if (step.page !== null) ended.push({ visitor: step.visitor, utcMs: step.utcMs, page: step.page });
  }
  const moved: ExitPlan['moved'] = new Map();
  for (const [visitor, after] of current) {
    const before = stored.get(visitor) ?? null;
    if (after && (!before || before.sessionId !== after.sessionId || before.page !== after.page || before.lastMs !== after.lastMs || before.startMs !== after.startMs)) {
      moved.set(visitor, { before, after });
    }
  }
  return { ended, moved };
}

/** What an exit plan writes: bits to set (as events to plan), bits to clear first, states to store. */
export interface ExitWrites {
  events: ProjectedEvent[];
  clears: Array<{ dim: string; label: string; visitor: number }>;
  states: Map<number, string>;
}

/**
 * Bits for an exit plan. An ended session's exit is set in `exitPage:`; its bit in `exitOpen:` is
 * left as it is (it says the same). So a clear is needed only when the open session itself moves
 * to another page — and a clear that also hits an ended session's bit in `exitOpen:` (same
 * visitor, page and bucket) loses nothing, the ended exit being in `exitPage:` too. Reads OR the two.
 */
export function exitWrites(plan: ExitPlan, settings: ProjectSettings): ExitWrites {
  const events: ProjectedEvent[] = plan.ended.map((e) => ({ visitor: e.visitor, utcMs: e.utcMs, dims: [`exitPage:${e.page}`], fine: 0, ids: [] }));
  const clears: ExitWrites['clears'] = [];
  const states = new Map<number, string>();
  for (const [visitor, { before, after }] of plan.moved) {
    states.set(visitor, encodeOpen(after));
    const sameSession = before?.sessionId === after.sessionId;
    if (sameSession && before!.page === after.page) continue;
    if (sameSession && before!.page) {
      for (const label of keptLabels(before!.startMs, settings)) clears.push({ dim: `${EXIT_OPEN}:${before!.page}`, label, visitor });
    }
    if (after.page) events.push({ visitor, utcMs: after.startMs, dims: [`${EXIT_OPEN}:${after.page}`], fine: 0, ids: [] });
  }
  return { events, clears, states };
}

/** The labels of the buckets an exit bit of a session started at `utcMs` is in. */
function keptLabels(utcMs: number, settings: ProjectSettings): string[] {
  // Exit pages are day-only dimensions: month, week and day keys.
  const local = toLocal(utcMs, settings.timeZone);
  const label = labelOf(local, 'day');
  return [label.slice(0, 7), weekLabelOf(local), label];
}
