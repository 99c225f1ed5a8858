import type { SessionState } from './session.handler';

/** One visitor of a project, as the identity store keeps it. */
export interface VisitorRecord {
  index: number;
  /** Stable external id: the userId once known, else the first anonymousId, else `fp_<hash>`. */
  visitorId: string;
  userId: string | null;
  traits: Record<string, unknown>;
  firstSeenAt: number;
  lastSeenAt: number;
  /** Set when this visitor was absorbed into another one (identify/alias). */
  mergedInto: number | null;
  session: SessionState | null;
}

/** The slice of a project's identity store a batch works on, plus what the batch changed. */
export interface ProjectIdentity {
  projectId: string;
  nextIndex: number;
  /** Alias id (`u:`, `a:`, `f:` + id) → canonical visitor index; only the batch's ids are loaded. */
  aliases: Map<string, number>;
  visitors: Map<number, VisitorRecord>;
  /** Alias ids of the batch that belonged to an erased visitor. */
  erased: Set<string>;
  /** Visitors the batch touched (at least their last-seen time and session changed). */
  dirtyVisitors: Set<number>;
  /** Of those, the ones whose identity columns (ids, traits, first seen, merge) changed too. */
  identityChanged: Set<number>;
  /** The counter as loaded: indexes from here on are new rows. */
  loadedNextIndex: number;
  newAliases: Map<string, number>;
  merges: Array<{ absorbed: number; canonical: number }>;
}

export interface IdentityInput {
  userId: string | null;
  anonymousId: string | null;
  /** alias: the earlier id (anonymousId or an earlier userId) that is the same person as userId. */
  previousId: string | null;
  fingerprint: string | null;
  at: number;
  allowReidentify: boolean;
}

export type IdentityOutcome =
  | { kind: 'visitor'; index: number; isNewVisitor: boolean; mergedIndexes: number[] }
  | { kind: 'erased' };

export const userAlias = (id: string) => `u:${id}`;
export const anonymousAlias = (id: string) => `a:${id}`;
export const fingerprintAlias = (hash: string) => `f:${hash}`;
export const fingerprintVisitorId = (hash: string) => `fp_${hash}`;

export function emptyProjectIdentity(projectId: string, nextIndex: number): ProjectIdentity {
  return { projectId, nextIndex, loadedNextIndex: nextIndex, aliases: new Map(), visitors: new Map(), erased: new Set(), dirtyVisitors: new Set(), identityChanged: new Set(), newAliases: new Map(), merges: [] };
}

/** Records that a visitor's ids, traits, first-seen time or merge target changed. */
export function markIdentityChanged(state: ProjectIdentity, index: number): void {
  state.dirtyVisitors.add(index);
  state.identityChanged.add(index);
}

/** The alias ids an event may be known by, in the order they are looked up. */
export function aliasIdsOf(input: Pick<IdentityInput, 'userId' | 'anonymousId' | 'previousId' | 'fingerprint'>): string[] {
  const ids: string[] = [];
  if (input.userId) ids.push(userAlias(input.userId));
  if (input.anonymousId) ids.push(anonymousAlias(input.anonymousId));
  if (input.previousId) ids.push(userAlias(input.previousId), anonymousAlias(input.previousId));
  if (input.fingerprint) ids.push(fingerprintAlias(input.fingerprint));
  return ids;
}

function addAlias(state: ProjectIdentity, alias: string, index: number): void {
  state.aliases.set(alias, index);
  state.newAliases.set(alias, index);
}

function newVisitor(state: ProjectIdentity, visitorId: string, at: number): VisitorRecord {
  const visitor: VisitorRecord = { index: state.nextIndex++, visitorId, userId: null, traits: {}, firstSeenAt: at, lastSeenAt: at, mergedInto: null, session: null };
  state.visitors.set(visitor.index, visitor);
  markIdentityChanged(state, visitor.index);
  return visitor;
}

function visitorOf(state: ProjectIdentity, index: number): VisitorRecord {
  const visitor = state.visitors.get(index);
  if (!visitor) throw new Error(`visitor ${state.projectId}:${index} is referenced by an alias but missing`);
  return visitor;
}

/**
 * Folds `absorbed` into `canonical`: every id of the absorbed visitor resolves to the canonical
 * one from now on, traits merge (the canonical visitor's win), and the more recent session goes on.
 */
function merge(state: ProjectIdentity, absorbedIndex: number, canonicalIndex: number): void {
  const absorbed = visitorOf(state, absorbedIndex);
  const canonical = visitorOf(state, canonicalIndex);
  absorbed.mergedInto = canonicalIndex;
  canonical.traits = { ...absorbed.traits, ...canonical.traits };
  canonical.firstSeenAt = Math.min(canonical.firstSeenAt, absorbed.firstSeenAt);
  canonical.lastSeenAt = Math.max(canonical.lastSeenAt, absorbed.lastSeenAt);
  if (absorbed.session && (!canonical.session || absorbed.session.lastEventAt > canonical.session.lastEventAt)) canonical.session = absorbed.session;
  absorbed.session = null;
  for (const [alias, index] of state.aliases) if (index === absorbedIndex) state.aliases.set(alias, canonicalIndex);
  for (const [alias, index] of state.newAliases) if (index === absorbedIndex) state.newAliases.set(alias, canonicalIndex);
  for (const visitor of state.visitors.values()) if (visitor.mergedInto === absorbedIndex) visitor.mergedInto = canonicalIndex;
  state.merges.push({ absorbed: absorbedIndex, canonical: canonicalIndex });
  markIdentityChanged(state, absorbedIndex);
  markIdentityChanged(state, canonicalIndex);
}

function isErased(state: ProjectIdentity, ids: string[]): boolean {
  return ids.some((id) => !state.aliases.has(id) && state.erased.has(id));
}

/**
 * Resolves one event's ids to a visitor index, creating, joining or merging visitors:
 * - no userId: the first known id's visitor, else a new visitor; unknown ids join it;
 * - userId known: its visitor; the event's anonymous ids join it, and an anonymous visitor
 *   they already belong to is merged into it (a visitor with another userId never is);
 * - userId unknown: it joins the anonymous visitor of the event's ids (no merge needed), else
 *   a new visitor. `alias` names the previous id explicitly, so its visitor joins or merges
 *   even when it already carries a (previous) userId.
 */
export function resolveVisitor(state: ProjectIdentity, input: IdentityInput): IdentityOutcome {
  const ids = aliasIdsOf(input);
  if (!input.allowReidentify && isErased(state, ids)) return { kind: 'erased' };
  const previous = input.previousId ? [userAlias(input.previousId), anonymousAlias(input.previousId)] : [];
  const secondaries = ids.filter((id) => !input.userId || id !== userAlias(input.userId));
  const mayFold = (id: string, index: number) => previous.includes(id) || visitorOf(state, index).userId === null;
  let isNewVisitor = false;
  let target: number | undefined;
  if (input.userId) {
    const primary = userAlias(input.userId);
    target = state.aliases.get(primary);
    if (target === undefined) {
      for (const id of secondaries) {
        const index = state.aliases.get(id);
        if (index !== undefined && mayFold(id, index)) {
          target = index;
          break;
        }
      }
      if (target === undefined) {
        target = newVisitor(state, input.userId, input.at).index;
        isNewVisitor = true;
      }
      const visitor = visitorOf(state, target);
      visitor.userId = input.userId;
      visitor.visitorId = input.userId;
      markIdentityChanged(state, target);
      addAlias(state, primary, target);
    }
  } else {
    target = secondaries.map((id) => state.aliases.get(id)).find((index) => index !== undefined);
    if (target === undefined) {
      const visitorId = input.anonymousId ?? input.previousId ?? fingerprintVisitorId(input.fingerprint ?? '');
      target = newVisitor(state, visitorId, input.at).index;
      isNewVisitor = true;
    }
  }
  const mergedIndexes: number[] = [];
  for (const id of secondaries) {
    const index = state.aliases.get(id);
    if (index === undefined) {
      // Only one spelling of the previous id is real; an unknown one is recorded as anonymous.
      if (id.startsWith('u:') && previous.includes(id)) continue;
      addAlias(state, id, target);
    } else if (index !== target && input.userId && mayFold(id, index)) {
      merge(state, index, target);
      mergedIndexes.push(index);
    }
  }
  const visitor = visitorOf(state, target);
  visitor.lastSeenAt = Math.max(visitor.lastSeenAt, input.at);
  state.dirtyVisitors.add(target);
  return { kind: 'visitor', index: target, isNewVisitor, mergedIndexes };
}
