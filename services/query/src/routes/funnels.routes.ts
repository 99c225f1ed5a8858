import { Router } from 'express';
import type { Pool } from 'pg';
import { validate } from '@sightline/http';
import { histogram } from '@sightline/telemetry';
import { decodeIndexCursor, encodeCursor } from '../domain/cursor.handler';
import { bestAttempt, breakdownOfTallies, newBestAttempt, newTally, outcomeOf, summaryOf, tally, visitorsAt, type StepTally, type VisitorOutcome } from '../domain/funnel.handler';
import { eachPerson, groupByPerson, parsePersonValues, parseStepParts, valueAt } from '../domain/step-blob.handler';
import { funnelBody, type FunnelBody } from '../domain/request.schemas';
import { fetchPersonTraits, fetchStepParts } from '../stores/funnel.store';
import type { VisitorStore } from '../stores/visitor.store';

const funnelSeconds = histogram<'order'>({
  name: 'sightline_query_funnel_seconds',
  help: 'Funnel query time.',
  labelNames: ['order'],
  buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30],
});

export interface FunnelDeps {
  pool: Pool;
  visitors: VisitorStore;
  /** Concurrent queries per funnel (time range split in slices). */
  shards: number;
  /** Longer candidate lists are applied while matching (default SQL_CANDIDATES_MAX). */
  sqlCandidatesMax?: number;
}

/** Candidate lists longer than this are applied while matching, not in the SQL read (bench/peers/funnels.ts). */
export const SQL_CANDIDATES_MAX = 10_000;

/** Runs one funnel: fetch step events, evaluate each person, summarise. */
export async function runFunnel(deps: FunnelDeps, projectId: string, body: FunnelBody) {
  const fromMs = Date.parse(body.from);
  const toMs = Date.parse(body.to);
  const windowMs = body.windowSeconds * 1000;
  const stepNames = body.steps.map((s) => s.event);
  // Candidates may name a merged index (the aggregator saw its events before the merge): the
  // whole person it belongs to is a candidate then.
  const groups = body.candidateVisitorIndexes ? await deps.visitors.groupsOf(projectId, body.candidateVisitorIndexes) : undefined;
  const byProperty = body.breakdown?.type === 'property' ? body.breakdown.key : undefined;
  // A short list restricts the read in Postgres; a long one (a filtered funnel's set) would
  // cost a hash probe per step event there and save little: the persons are filtered here.
  const restrict = groups && groups.indexes.length <= (deps.sqlCandidatesMax ?? SQL_CANDIDATES_MAX) ? groups.indexes : undefined;
  const read = { projectId, steps: body.steps, fromMs, untilMs: toMs + windowMs, propertyKey: byProperty, visitorIndexes: restrict };
  // A trait breakdown's values are every person's latest traits, read beside the step events.
  const traitKey = body.breakdown?.type === 'trait' ? body.breakdown.key : undefined;
  const [parts, traits] = await Promise.all([
    fetchStepParts(deps.pool, read, deps.shards),
    traitKey === undefined ? undefined : fetchPersonTraits(deps.pool, projectId, traitKey, fromMs).then(parsePersonValues),
  ]);
  const spec = { stepCount: body.steps.length, windowMs, order: body.order, fromMs, toMs };
  const allowed = groups ? new Set(groups.roots) : null;
  const outcomes: VisitorOutcome[] = [];
  // Slices are by time (and name), so one person's events can be in several: group them all at once.
  let cols = parseStepParts(parts, byProperty !== undefined);
  let grouping = groupByPerson(cols);
  if (grouping.ties.size) {
    // Events of a person at the same instant are ordered by messageId: read those instants again, with ids.
    const instants = new Set<number>();
    for (const times of grouping.ties.values()) for (const t of times) instants.add(Math.round(t * 1000));
    const again = await fetchStepParts(deps.pool, { ...read, atMicros: [...instants] }, 1);
    cols = parseStepParts([...parts, ...again], byProperty !== undefined, grouping.ties);
    grouping = groupByPerson(cols);
    if (grouping.ties.size) throw new Error('funnel: tied step events without their messageIds');
  }
  // Per-person outcomes are kept only when a visitor list needs them; a breakdown tallies by value.
  const keep = Boolean(body.includeVisitors);
  const steps = newTally(spec.stepCount);
  const byValue = new Map<string | null, StepTally>();
  const tallyOf = (value: string | null) => {
    let t = byValue.get(value);
    if (!t) byValue.set(value, (t = newTally(spec.stepCount)));
    return t;
  };
  const best = newBestAttempt(spec.stepCount);
  const person = { visitor: 0, times: grouping.times, bits: grouping.bits, start: 0, end: 0 };
  eachPerson(grouping, (visitor, start, end) => {
    if (allowed && !allowed.has(visitor)) return;
    person.visitor = visitor;
    person.start = start;
    person.end = end;
    bestAttempt(person, spec, best);
    if (best.depth === 0) return;
    tally(steps, best.depth, best.reach);
    if (traits) {
      const id = visitor < traits.ids.length ? traits.ids[visitor]! : -1;
      tally(tallyOf(id < 0 ? null : traits.values[id]!), best.depth, best.reach);
    } else if (byProperty !== undefined) tally(tallyOf(valueAt(cols, grouping.records[best.entry]!)), best.depth, best.reach);
    if (keep) outcomes.push(outcomeOf(visitor, best));
  });
  const result: Record<string, unknown> = { steps: summaryOf(steps, stepNames) };
  if (body.breakdown) result.breakdown = breakdownOfTallies(byValue, stepNames, body.breakdown.limit);
  if (body.includeVisitors) {
    const iv = body.includeVisitors;
    const after = iv.cursor ? decodeIndexCursor(iv.cursor) : null;
    const { visitors, hasMore } = visitorsAt(outcomes, iv.step, iv.kind, after, iv.limit);
    const names = await deps.visitors.people(projectId, visitors);
    result.visitors = {
      step: iv.step,
      kind: iv.kind,
      visitors: visitors.map((v) => ({ visitorId: names.get(v)?.visitorId ?? null, visitorIndex: v })),
      nextCursor: hasMore ? encodeCursor(visitors[visitors.length - 1]) : null,
    };
  }
  return result;
}

export function funnelsRoutes(deps: FunnelDeps): Router {
  const router = Router();
  router.post('/internal/projects/:projectId/funnels', async (req, res) => {
    const body = validate(funnelBody, req.body, 'funnel');
    const stop = funnelSeconds.startTimer({ order: body.order });
    const result = await runFunnel(deps, req.params.projectId, body);
    stop();
    res.json(result);
  });
  return router;
}
