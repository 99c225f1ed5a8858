import { z } from 'zod';
import { HttpError } from '@sightline/http';

/** The aggregator's expression language (docs/aggregator-api.md). */
export type AggregatorExpr = { dim: string } | { and: AggregatorExpr[] } | { or: AggregatorExpr[] } | { not: AggregatorExpr };

const value = z.string().min(1).max(200);
const scalar = z.union([value, z.number(), z.boolean()]);

/** Leaves that name one value of a dimension kind; also the kinds a breakdown can be `by`. */
export const VALUE_LEAVES = ['event', 'source', 'medium', 'campaign', 'browser', 'os', 'device', 'page', 'entryPage', 'exitPage', 'referrer', 'country', 'utmContent', 'utmTerm'] as const;
type ValueLeafName = (typeof VALUE_LEAVES)[number];
type ValueLeaf = { [K in ValueLeafName]: Record<K, string> }[ValueLeafName];

/**
 * The public filter: named leaves (event, trait, source, page …) combined with and/or/not, so a
 * caller never writes the aggregator's dimension strings by hand.
 */
export type FilterExpression =
  | ValueLeaf
  | { trait: { key: string; value: string | number | boolean } }
  | { newVisitor: true }
  | { and: FilterExpression[] }
  | { or: FilterExpression[] }
  | { not: FilterExpression };

export const filterExpression: z.ZodType<FilterExpression> = z.lazy(() =>
  z.union([
    ...VALUE_LEAVES.map((leaf) => z.strictObject({ [leaf]: value })),
    z.strictObject({ trait: z.strictObject({ key: value.regex(/^[^=]+$/, 'a trait key cannot contain ='), value: scalar }) }),
    z.strictObject({ newVisitor: z.literal(true) }),
    z.strictObject({ and: z.array(filterExpression).min(1).max(32) }),
    z.strictObject({ or: z.array(filterExpression).min(1).max(32) }),
    z.strictObject({ not: filterExpression }),
  ]),
) as z.ZodType<FilterExpression>;

export const MAX_DEPTH = 8;
export const MAX_LEAVES = 32;

/** Depth and leaf count, to refuse expressions the aggregator would refuse anyway. */
export function measure(expr: FilterExpression): { depth: number; leaves: number } {
  if ('and' in expr || 'or' in expr) {
    const parts = ('and' in expr ? expr.and : expr.or).map(measure);
    return { depth: 1 + Math.max(...parts.map((p) => p.depth)), leaves: parts.reduce((s, p) => s + p.leaves, 0) };
  }
  if ('not' in expr) {
    const inner = measure(expr.not);
    return { depth: inner.depth + 1, leaves: inner.leaves };
  }
  return { depth: 1, leaves: 1 };
}

/** A 400 naming `field` when the filter is deeper or larger than the aggregator takes. */
export function checkFilter(expr: FilterExpression | undefined, field = 'filter'): void {
  if (!expr) return;
  const { depth, leaves } = measure(expr);
  if (depth > MAX_DEPTH || leaves > MAX_LEAVES) throw HttpError.badRequest(`filter too complex (depth ≤ ${MAX_DEPTH}, ≤ ${MAX_LEAVES} leaves)`, [{ path: field, reason: 'too complex' }]);
}

export function toAggregatorExpr(expr: FilterExpression): AggregatorExpr {
  if ('and' in expr) return { and: expr.and.map(toAggregatorExpr) };
  if ('or' in expr) return { or: expr.or.map(toAggregatorExpr) };
  if ('not' in expr) return { not: toAggregatorExpr(expr.not) };
  if ('event' in expr) return { dim: `event:${expr.event}` };
  if ('trait' in expr) return { dim: `trait:${expr.trait.key}=${String(expr.trait.value)}` };
  if ('newVisitor' in expr) return { dim: '$new' };
  const [kind, v] = Object.entries(expr)[0] as [string, string];
  return { dim: `${kind}:${v}` };
}

/** `event` and `filter` together mean both; neither means every active visitor. */
export function combineFilters(event: string | undefined, filter: FilterExpression | undefined): AggregatorExpr | undefined {
  const parts: AggregatorExpr[] = [];
  if (event) parts.push({ dim: `event:${event}` });
  if (filter) parts.push(toAggregatorExpr(filter));
  if (parts.length === 0) return undefined;
  return parts.length === 1 ? parts[0] : { and: parts };
}
