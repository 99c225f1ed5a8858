import fc from 'fast-check';
import { enrichBatch, type LedgerEntry } from './enrich-batch.handler';
import { emptyProjectIdentity, type ProjectIdentity } from './identity.handler';
import { rebase, splitWrites, type ProjectWrites } from './index-allocation.handler';
import { prepareEvent, projectOrDefaults } from './prepare.handler';
import { rawEvent } from '../../test/harness';

const project = projectOrDefaults(undefined, 'p1');
const t0 = Date.parse('2026-12-01T10:00:00Z');

interface Step {
  anon: number | null;
  user: number | null;
  minutes: number;
  alias?: boolean;
}

const prepared = (steps: Step[], prefix: string) =>
  steps.map((s, i) =>
    prepareEvent(
      rawEvent({
        messageId: `${prefix}-${i}`,
        type: s.alias ? 'alias' : s.user !== null ? 'identify' : 'track',
        anonymousId: s.alias || s.anon === null ? null : `anon-${s.anon}`,
        userId: s.user === null ? null : `user-${s.user}`,
        previousId: s.alias && s.anon !== null ? `anon-${s.anon}` : null,
        at: new Date(t0 + s.minutes * 60_000).toISOString(),
        page: { url: `https://shop.example/p/${i % 3}` },
      }),
      project,
      new Map(),
    ),
  );

/** The store as a later batch loads it: the ids and visitors, with the counter at `nextIndex`. */
function loaded(history: ProjectIdentity, nextIndex: number): Map<string, ProjectIdentity> {
  const state = emptyProjectIdentity('p1', nextIndex);
  for (const [alias, index] of history.aliases) state.aliases.set(alias, index);
  for (const [index, v] of history.visitors) state.visitors.set(index, structuredClone(v));
  return new Map([['p1', state]]);
}

/** Resolves `batch` against the store after `history`, with the counter at `counter`. */
function resolveAt(history: ProjectIdentity, batch: Step[], counter: number) {
  const projects = loaded(history, counter);
  const result = enrichBatch(prepared(batch, 'b'), batch.map((_, i) => ({ partition: 0, offset: String(i) })), projects, new Map());
  return { result, writes: splitWrites(projects.get('p1')!, result.newLedger, result.startedSessions) };
}

const rows = (w: ProjectWrites) => ({
  visitors: [...w.early.visitors, ...w.late.visitors].sort((a, b) => a.index - b.index),
  sessions: [...w.early.sessions, ...w.late.sessions].sort((a, b) => a.index - b.index),
  merges: [...w.early.merges, ...w.late.merges],
  aliases: [...w.early.aliases, ...w.late.aliases].sort((a, b) => (a.aliasId < b.aliasId ? -1 : 1)),
});
const produced = (ledger: LedgerEntry[]) => ledger.map((e) => [e.messageId, e.visitorIndex, e.mergedIndexes, e.sessionId, e.isNewVisitor, e.isNewSession]);

/**
 * The oracle: the same batch resolved with the counter already at the final base. A batch that
 * resolved with the counter it loaded and was then rebased (another batch took indexes
 * meanwhile) must write and produce exactly that.
 */
function expectRebaseMatchesDirect(historySteps: Step[], batch: Step[], taken: number): void {
  const history = emptyProjectIdentity('p1', 0);
  enrichBatch(prepared(historySteps, 'h'), historySteps.map((_, i) => ({ partition: 1, offset: String(i) })), new Map([['p1', history]]), new Map());
  const provisional = resolveAt(history, batch, history.nextIndex);
  const direct = resolveAt(history, batch, history.nextIndex + taken);
  const base = history.nextIndex;
  // Nothing written before the counter is taken names an index handed out in the batch.
  const early = provisional.writes.early;
  expect([...early.visitors, ...early.sessions].filter((v) => v.index >= base || (v.mergedInto ?? -1) >= base)).toEqual([]);
  expect(early.aliases.filter((a) => a.index >= base)).toEqual([]);
  expect(early.ledger.filter((e) => e.visitorIndex >= base || e.mergedIndexes.some((i) => i >= base))).toEqual([]);
  expect(provisional.writes.count).toBe(direct.writes.count);

  rebase(provisional.writes, base + taken);
  expect(produced(provisional.result.newLedger)).toEqual(produced(direct.result.newLedger));
  expect(rows(provisional.writes)).toEqual(rows(direct.writes));
}

describe('splitWrites and rebase: new indexes handed out after resolution', () => {
  it('gives new visitors, their sessions and merges the indexes a direct resolution at the final base gives', () => {
    const history: Step[] = [
      { anon: 1, user: null, minutes: 0 },
      { anon: 2, user: 2, minutes: 1 },
      { anon: 3, user: null, minutes: 2 },
    ];
    const batch: Step[] = [
      { anon: 4, user: null, minutes: 10 }, // new visitor, new session
      { anon: 4, user: null, minutes: 11 }, // same session
      { anon: 1, user: null, minutes: 12 }, // existing visitor only
      { anon: 5, user: null, minutes: 13 }, // new anonymous visitor…
      { anon: 5, user: 2, minutes: 14 }, // …merged into the existing user's visitor (its session goes on there)
      { anon: 2, user: null, minutes: 15 },
      { anon: 6, user: 7, minutes: 16 }, // new visitor with a userId
      { anon: 3, user: 7, minutes: 17 }, // existing anonymous visitor merged into the new one
      { anon: 3, user: null, minutes: 18, alias: true },
      { anon: 8, user: null, minutes: 19 },
      { anon: 8, user: null, minutes: 80 }, // new session after the timeout
    ];
    for (const taken of [0, 1, 7, 1000]) expectRebaseMatchesDirect(history, batch, taken);
  });

  it('holds for any mix of anonymous visits, logins and aliases', () => {
    const step = fc.record({ anon: fc.option(fc.integer({ min: 0, max: 6 }), { nil: null }), user: fc.option(fc.integer({ min: 0, max: 3 }), { nil: null }), minutes: fc.integer({ min: 0, max: 200 }), alias: fc.boolean() });
    const valid = (s: Step) => (s.alias ? s.user !== null && s.anon !== null : s.anon !== null || s.user !== null);
    fc.assert(
      fc.property(fc.array(step, { maxLength: 8 }), fc.array(step, { minLength: 1, maxLength: 20 }), fc.integer({ min: 1, max: 50 }), (history, batch, taken) => {
        expectRebaseMatchesDirect(history.filter(valid), batch.filter(valid).sort((a, b) => a.minutes - b.minutes), taken);
      }),
      { numRuns: 300 },
    );
  });
});
