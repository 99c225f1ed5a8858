import { HttpError } from '@sightline/http';
import type { Logger } from '@sightline/telemetry';
import type { AggregatorClient } from '../clients/aggregator.client';
import type { FunnelResult, QueryClient } from '../clients/query.client';
import { checkFilter, toAggregatorExpr, type AggregatorExpr, type FilterExpression } from '../domain/filter-expression';
import { bitmapIndexes, entryCandidates, MAX_CANDIDATES, queryFunnelBody, type FunnelQuery } from '../domain/funnel-request';
import { checkRange } from '../domain/time-range';

export interface FunnelAssemblyDeps {
  aggregator: AggregatorClient;
  query: QueryClient;
  logger: Logger;
  maxSteps: number;
  maxRangeDays: number;
}

/**
 * An exact funnel: the query service matches the step events in order (closed days from its day
 * blocks, docs/funnels.md); with a global filter the aggregator's bitmaps give the people to count.
 */
export async function runFunnel(deps: FunnelAssemblyDeps, projectId: string, q: FunnelQuery): Promise<FunnelResult & { dayRounded?: true }> {
  if (q.steps.length > deps.maxSteps) throw HttpError.badRequest(`at most ${deps.maxSteps} steps`, [{ path: 'steps', reason: `at most ${deps.maxSteps}` }]);
  checkRange(q, deps.maxRangeDays);
  if (q.includeVisitors && q.includeVisitors.step > q.steps.length) {
    throw HttpError.badRequest('includeVisitors.step is past the last step', [{ path: 'includeVisitors.step', reason: `at most ${q.steps.length}` }]);
  }
  if (q.filter) return filteredFunnel(deps, projectId, q, q.filter);
  // No candidate bound for an unfiltered funnel (issue #20): the query service reads closed days
  // as day blocks whatever the list (a list only skips persons while matching), so the two
  // aggregator counts and the list that chose it cost more than they saved.
  return deps.query.funnel(projectId, queryFunnelBody(q, undefined));
}

/**
 * A funnel of the visitors in the filter's set: the aggregator's exact set of people who match
 * the filter over [from, to) (and, unless the order is `any`, did step 1 then — everyone else
 * counts nowhere anyway) is the candidate list, which the query service takes as "only these
 * people". Unlike the unfiltered bound, it is always sent, so the aggregator must answer.
 */
async function filteredFunnel(deps: FunnelAssemblyDeps, projectId: string, q: FunnelQuery, publicFilter: FilterExpression) {
  checkFilter(publicFilter);
  const bound = entryCandidates(q);
  const filter = toAggregatorExpr(publicFilter);
  const expr: AggregatorExpr = bound ? { and: [...bound.dims.map((dim) => ({ dim })), filter] } : filter;
  const set = await deps.aggregator.segment(projectId, { from: q.from, to: q.to, expr });
  if (set.count > MAX_CANDIDATES) {
    throw HttpError.badRequest(`the filter leaves ${set.count} visitors, more than a filtered funnel takes (${MAX_CANDIDATES})`, [{ path: 'filter', reason: `over ${MAX_CANDIDATES} visitors` }]);
  }
  const result = await deps.query.funnel(projectId, queryFunnelBody(q, bitmapIndexes(Buffer.from(set.bitmap, 'base64'))));
  return set.dayRounded ? { ...result, dayRounded: true as const } : result;
}
