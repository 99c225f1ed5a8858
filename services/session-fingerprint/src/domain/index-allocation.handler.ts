import type { LedgerEntry } from './enrich-batch.handler';
import { sessionIdOf } from './fingerprint.handler';
import type { ProjectIdentity, VisitorRecord } from './identity.handler';

/** A session a batch started: its id is derived from the visitor index it was started under. */
export interface StartedSession {
  projectId: string;
  visitorIndex: number;
  at: number;
  sessionId: string;
}

/** Rows of one project a batch writes. */
export interface WriteSet {
  /** Visitors whose identity columns changed (full row write), and new visitors. */
  visitors: VisitorRecord[];
  /** Visitors whose session and last-seen time only moved on. */
  sessions: VisitorRecord[];
  /** In the order they happened (a chain ends at the last survivor). */
  merges: Array<{ absorbed: number; canonical: number }>;
  aliases: Array<{ aliasId: string; index: number }>;
  ledger: LedgerEntry[];
}

/**
 * What one project's batch writes, split by whether it names an index the batch handed out:
 * `early` is written before the project's counter is taken, `late` after (those rows need the
 * final indexes, known only once the counter is held).
 */
export interface ProjectWrites {
  projectId: string;
  /** The counter as the batch loaded it: resolution handed out `provisionalBase …` + `count - 1`. */
  provisionalBase: number;
  count: number;
  early: WriteSet;
  late: WriteSet;
  /** Sessions started under a provisional index (their ids change with a rebase). */
  provisionalSessions: StartedSession[];
}

const emptyWrites = (): WriteSet => ({ visitors: [], sessions: [], merges: [], aliases: [], ledger: [] });

/**
 * Splits what `state` changed (after `enrichBatch`) into rows that name no new index (written
 * while other batches of the project run) and rows that do (written once the counter is held).
 */
export function splitWrites(state: ProjectIdentity, ledger: LedgerEntry[], started: StartedSession[]): ProjectWrites {
  const base = state.loadedNextIndex;
  const isNew = (i: number | null) => i !== null && i >= base;
  const provisionalSessions = started.filter((s) => s.projectId === state.projectId && isNew(s.visitorIndex));
  const newSessionIds = new Set(provisionalSessions.map((s) => s.sessionId));
  const visitorIsLate = (v: VisitorRecord) => isNew(v.index) || isNew(v.mergedInto) || (v.session !== null && newSessionIds.has(v.session.sessionId));
  const early = emptyWrites();
  const late = emptyWrites();
  for (const index of state.dirtyVisitors) {
    const visitor = state.visitors.get(index)!;
    const into = visitorIsLate(visitor) ? late : early;
    (state.identityChanged.has(index) || isNew(index) ? into.visitors : into.sessions).push(visitor);
  }
  const mergesAreLate = state.merges.some((m) => isNew(m.absorbed) || isNew(m.canonical));
  (mergesAreLate ? late : early).merges.push(...state.merges);
  for (const [aliasId, index] of state.newAliases) (isNew(index) ? late : early).aliases.push({ aliasId, index });
  for (const entry of ledger) {
    if (entry.projectId !== state.projectId) continue;
    const entryIsLate = isNew(entry.visitorIndex) || entry.mergedIndexes.some(isNew) || newSessionIds.has(entry.sessionId);
    (entryIsLate ? late : early).ledger.push(entry);
  }
  return { projectId: state.projectId, provisionalBase: base, count: state.nextIndex - base, early, late, provisionalSessions };
}

/**
 * Moves the batch's new indexes from the provisional base to `base` (the counter as the batch
 * took it), in place: the late rows, their session ids (derived from the index), and through
 * the shared ledger entries the records the batch produces. Everything the split left early
 * names no new index, so nothing else changes.
 */
export function rebase(writes: ProjectWrites, base: number): void {
  const delta = base - writes.provisionalBase;
  if (delta === 0) return;
  const shift = (i: number) => (i >= writes.provisionalBase ? i + delta : i);
  const sessions = new Map(writes.provisionalSessions.map((s) => [s.sessionId, sessionIdOf(s.projectId, shift(s.visitorIndex), s.at)]));
  const sessionOf = (id: string) => sessions.get(id) ?? id;
  const { late } = writes;
  for (const visitor of new Set([...late.visitors, ...late.sessions])) {
    visitor.index = shift(visitor.index);
    if (visitor.mergedInto !== null) visitor.mergedInto = shift(visitor.mergedInto);
    if (visitor.session) visitor.session.sessionId = sessionOf(visitor.session.sessionId);
  }
  late.merges = late.merges.map((m) => ({ absorbed: shift(m.absorbed), canonical: shift(m.canonical) }));
  late.aliases = late.aliases.map((a) => ({ aliasId: a.aliasId, index: shift(a.index) }));
  for (const entry of late.ledger) {
    entry.visitorIndex = shift(entry.visitorIndex);
    entry.mergedIndexes = entry.mergedIndexes.map(shift);
    entry.sessionId = sessionOf(entry.sessionId);
  }
  writes.provisionalBase = base;
}
