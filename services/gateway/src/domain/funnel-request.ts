import { z } from 'zod';
import { filterExpression } from './filter-expression';
import { instant } from './time-range';

const scalar = z.union([z.string().max(500), z.number(), z.boolean(), z.null()]);
export const funnelStep = z.object({
  event: z.string().min(1).max(200),
  where: z.record(z.string().min(1).max(200), scalar).optional().describe('property → value equality on the step event'),
});

const breakdownObject = z.object({ type: z.enum(['trait', 'property']).default('trait'), key: z.string().min(1).max(200), limit: z.number().int().min(1).max(50).optional() });
/** A trait name as shorthand, or `{type, key, limit}`. */
export const funnelBreakdown = z.union([z.string().min(1).max(200).transform((key) => ({ type: 'trait' as const, key })), breakdownObject]);

/** A saved funnel: everything but the time range. */
export const funnelDefinition = z.object({
  steps: z.array(funnelStep).min(2),
  windowSeconds: z.number().int().min(1).max(90 * 86400),
  order: z.enum(['strict', 'sequential', 'any']).default('sequential'),
  breakdown: funnelBreakdown.optional(),
  description: z.string().max(1000).optional(),
});
export type FunnelDefinition = z.infer<typeof funnelDefinition>;

export const includeVisitors = z.object({
  step: z.number().int().min(1),
  kind: z.enum(['converted', 'dropped']),
  cursor: z.string().max(200).nullable().optional(),
  limit: z.number().int().min(1).max(1000).optional(),
});

/** The global filter of a funnel run: only visitors in its set over [from, to) are counted (docs/api.md "Funnels"). */
export const funnelFilter = z
  .record(z.string(), z.unknown())
  // The document shows an object (a recursive schema would not render); the route checks the full grammar.
  .pipe(z.any().pipe(filterExpression))
  .describe('only the visitors who match this filter somewhere in [from, to) are counted: the analytics `filter` grammar as a JSON object ({"page": "/pricing"}, {"trait": {"key", "value"}}, {"and"|"or": [...]}, {"not": ...})');
export const funnelQuery = funnelDefinition.extend({ from: instant, to: instant, includeVisitors: includeVisitors.optional(), filter: funnelFilter.optional() });
export type FunnelQuery = z.infer<typeof funnelQuery>;

/** Above this many candidates, sending the list costs more than it saves; the query service then matches alone. */
export const MAX_CANDIDATES = 2_000_000;
/**
 * The aggregator's bound on who can be counted at any step: the visitors with the step-1 event
 * in [from, to). The query service drops every visitor outside the candidate list, so the AND
 * of all steps would lose the visitors who stop early; every counted visitor entered with step 1
 * inside the range, so this set loses nobody. `any` order has no fixed entry step: no bound.
 */
export function entryCandidates(query: Pick<FunnelQuery, 'from' | 'to' | 'steps' | 'order'>): { from: string; to: string; dims: string[] } | null {
  if (query.order === 'any') return null;
  return { from: query.from, to: query.to, dims: [`event:${query.steps[0].event}`] };
}

/** The body the query service takes (docs/query-api.md), with the aggregator's candidates when there are any. */
export function queryFunnelBody(query: FunnelQuery, candidates: number[] | undefined) {
  return {
    from: query.from,
    to: query.to,
    steps: query.steps,
    windowSeconds: query.windowSeconds,
    order: query.order,
    ...(query.breakdown ? { breakdown: query.breakdown } : {}),
    ...(candidates ? { candidateVisitorIndexes: candidates } : {}),
    ...(query.includeVisitors ? { includeVisitors: query.includeVisitors } : {}),
  };
}

/** Visitor indexes of a bitmap (the aggregator's `/segment`: bit i = index i, most significant bit of byte 0 first). */
export function bitmapIndexes(bitmap: Buffer): number[] {
  const out: number[] = [];
  for (let byte = 0; byte < bitmap.length; byte++) {
    const value = bitmap[byte]!;
    if (value === 0) continue;
    for (let bit = 0; bit < 8; bit++) if (value & (0x80 >> bit)) out.push(byte * 8 + bit);
  }
  return out;
}
