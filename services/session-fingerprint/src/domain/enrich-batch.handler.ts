import { eventNameOf, type EnrichedEvent, type RawEvent } from '@sightline/contracts';
import { userAgentFacts, type Attribution } from './enrich.handler';
import { markIdentityChanged, resolveVisitor, type ProjectIdentity } from './identity.handler';
import type { StartedSession } from './index-allocation.handler';
import type { PreparedEvent } from './prepare.handler';
import { placeInSession } from './session.handler';

/** What an earlier run enriched a message to (replays reuse it verbatim). */
export interface LedgerEntry {
  projectId: string;
  messageId: string;
  visitorIndex: number;
  visitorId: string;
  sessionId: string;
  isNewVisitor: boolean;
  isNewSession: boolean;
  mergedIndexes: number[];
  entryPage: string | null;
  previousExitPage: string | null;
  receivedAt: string;
  /** Where the raw record was read from (null on rows older than the columns). */
  sourcePartition: number | null;
  sourceOffset: string | null;
}

/** The events.raw partition and offset a raw event was read from. */
export interface RawSource {
  partition: number;
  offset: string;
}

export const DUPLICATE_MESSAGE_ID = 'duplicate messageId';

export const ledgerKey = (projectId: string, messageId: string) => `${projectId}\n${messageId}`;

/** What the identity transaction decided for one event; turned into the record after commit. */
export type Decision =
  | { kind: 'enriched'; event: RawEvent; entry: LedgerEntry; traits: Record<string, unknown>; attribution: Attribution; replayed: boolean }
  | { kind: 'drop'; reason: string }
  | { kind: 'dlq'; reason: string };

export interface EnrichBatchResult {
  decisions: Decision[];
  /** Ledger rows to write for events enriched for the first time. */
  newLedger: LedgerEntry[];
  /** Sessions started by the batch (their ids follow the index when new indexes are rebased). */
  startedSessions: StartedSession[];
}

/**
 * The enriched record. Drops the transient request facts (IP, Accept-Language, DNT/GPC) and
 * anything else that must not travel on; the IP's country (when a country database is
 * configured) is all that is kept of it. Runs after the commit, outside the project lock.
 */
export function toEnriched({ event, entry, traits, attribution }: Extract<Decision, { kind: 'enriched' }>, countryOf?: (ip: string | null) => string | null): EnrichedEvent {
  // A server SDK's own User-Agent says nothing of the visitor (and reads as a bot): only the
  // one the client put in context describes the visitor then.
  const visitorAgent = event.request.clientKind === 'server' ? (event.context.userAgent ?? null) : (event.request.userAgent ?? event.context.userAgent);
  const ua = userAgentFacts(visitorAgent);
  return {
    messageId: event.messageId,
    projectId: event.projectId,
    type: event.type,
    name: eventNameOf(event.type, event.event),
    category: event.category,
    properties: event.properties,
    traits,
    anonymousId: event.anonymousId,
    userId: event.userId,
    visitorId: entry.visitorId,
    visitorIndex: entry.visitorIndex,
    mergedVisitorIndexes: entry.mergedIndexes,
    sessionId: entry.sessionId,
    isNewVisitor: entry.isNewVisitor,
    isNewSession: entry.isNewSession,
    timestamp: new Date(event.timestamp).toISOString(),
    receivedAt: new Date(event.receivedAt).toISOString(),
    context: event.context,
    device: ua.device,
    country: countryOf ? countryOf(event.request.ip) : null,
    ...attribution,
    entryPage: entry.entryPage,
    previousExitPage: entry.previousExitPage,
    isBot: ua.isBot,
  };
}

function currentTraits(state: ProjectIdentity | undefined, index: number): Record<string, unknown> {
  const visitor = state?.visitors.get(index);
  if (!visitor) return {};
  return visitor.mergedInto === null ? visitor.traits : (state!.visitors.get(visitor.mergedInto)?.traits ?? visitor.traits);
}

/**
 * A ledger hit from another raw record than the one the ledger was written for: the client sent
 * the message twice (a retry after a 503 whose first attempt had landed, a resent beacon). Its
 * first copy was produced already, and downstream totals count enriched offsets, so a second
 * record would count the event twice. Rows from before the source columns cannot tell: they are
 * treated as redeliveries, as they were.
 */
export function isClientDuplicate(known: LedgerEntry, source: RawSource): boolean {
  if (known.sourcePartition === null || known.sourceOffset === null) return false;
  return known.sourcePartition !== source.partition || BigInt(known.sourceOffset) !== BigInt(source.offset);
}

/**
 * Enriches a batch in its order against the loaded identity state (mutating it). An event the
 * ledger already knows from the same raw offset (a replay, a redelivery after a crash) gets
 * exactly the ids it got the first time and is produced again (the first attempt may never have
 * been); one it knows from another offset, or seen earlier in this batch, is a client duplicate
 * and dropped. Every other event is resolved, sessionised and added to the ledger.
 * `sources[i]` is where `prepared[i]` was read from.
 */
export function enrichBatch(prepared: PreparedEvent[], sources: RawSource[], projects: Map<string, ProjectIdentity>, ledger: Map<string, LedgerEntry>): EnrichBatchResult {
  const newLedger: LedgerEntry[] = [];
  const startedSessions: StartedSession[] = [];
  const decisions = prepared.map((item, i): Decision => {
    if (item.kind === 'drop' || item.kind === 'dlq') return item;
    const from = sources[i]!;
    const known = ledger.get(ledgerKey(item.event.projectId, item.event.messageId));
    if (known && isClientDuplicate(known, from)) return { kind: 'drop', reason: DUPLICATE_MESSAGE_ID };
    if (known) return { kind: 'enriched', event: item.event, entry: known, traits: currentTraits(projects.get(known.projectId), known.visitorIndex), attribution: item.source.attribution, replayed: true };
    if (item.kind === 'unresolvable') return { kind: 'drop', reason: item.reason };
    const state = projects.get(item.event.projectId)!;
    const resolved = resolveVisitor(state, item.identity);
    if (resolved.kind === 'erased') return { kind: 'drop', reason: 'visitor_erased' };
    const visitor = state.visitors.get(resolved.index)!;
    if (!item.anonymousMode && Object.keys(item.event.traits).length > 0) {
      visitor.traits = { ...visitor.traits, ...item.event.traits };
      markIdentityChanged(state, resolved.index);
    }
    const source = item.source;
    const session = placeInSession(
      visitor.session,
      { projectId: item.event.projectId, visitorIndex: resolved.index, at: item.at, campaignKey: source.campaignKey, page: source.page },
      { timeoutMinutes: item.project.sessionTimeoutMinutes, splitAtMidnight: item.project.sessionSplitAtMidnight, timeZone: item.project.timeZone },
    );
    visitor.session = session.next;
    if (session.isNewSession) startedSessions.push({ projectId: item.event.projectId, visitorIndex: resolved.index, at: item.at, sessionId: session.sessionId });
    const entry: LedgerEntry = {
      projectId: item.event.projectId,
      messageId: item.event.messageId,
      visitorIndex: resolved.index,
      visitorId: visitor.visitorId,
      sessionId: session.sessionId,
      isNewVisitor: resolved.isNewVisitor,
      isNewSession: session.isNewSession,
      mergedIndexes: resolved.mergedIndexes,
      entryPage: session.entryPage,
      previousExitPage: session.previousExitPage,
      receivedAt: item.event.receivedAt,
      sourcePartition: from.partition,
      sourceOffset: from.offset,
    };
    ledger.set(ledgerKey(entry.projectId, entry.messageId), entry);
    newLedger.push(entry);
    return { kind: 'enriched', event: item.event, entry, traits: visitor.traits, attribution: source.attribution, replayed: false };
  });
  return { decisions, newLedger, startedSessions };
}
