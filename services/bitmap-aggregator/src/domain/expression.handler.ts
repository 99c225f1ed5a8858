import { z } from 'zod';
import { ACTIVE, isDimension } from './dimensions.handler';

/** A set expression over dimensions: `{dim}` | `{and: [...]}` | `{or: [...]}` | `{not: e}`. */
export type Expr = { dim: string } | { and: Expr[] } | { or: Expr[] } | { not: Expr };

const MAX_DEPTH = 8;
const MAX_LEAVES = 32;

export const exprSchema: z.ZodType<Expr> = z.lazy(() =>
  z.union([
    z.strictObject({ dim: z.string().refine(isDimension, 'unknown dimension (see docs/aggregator-api.md)') }),
    z.strictObject({ and: z.array(exprSchema).min(1).max(MAX_LEAVES) }),
    z.strictObject({ or: z.array(exprSchema).min(1).max(MAX_LEAVES) }),
    z.strictObject({ not: exprSchema }),
  ]),
);

export const activeExpr: Expr = { dim: ACTIVE };

/** Depth and size limits, checked after the shape (a query must stay a few BITOPs). */
export function exprLimitError(expr: Expr): string | null {
  let leaves = 0;
  const walk = (e: Expr, depth: number): number => {
    if (depth > MAX_DEPTH) return depth;
    if ('dim' in e) {
      leaves++;
      return depth;
    }
    if ('not' in e) return walk(e.not, depth + 1);
    return Math.max(...('and' in e ? e.and : e.or).map((c) => walk(c, depth + 1)));
  };
  const depth = walk(expr, 1);
  if (depth > MAX_DEPTH) return `nested deeper than ${MAX_DEPTH}`;
  if (leaves > MAX_LEAVES) return `more than ${MAX_LEAVES} dimensions`;
  return null;
}

/** The set the expression denotes, for brute-force checks: `dimSet` gives each dimension's visitors. */
export function evaluateExpr(expr: Expr, dimSet: (dim: string) => Set<number>): Set<number> {
  if ('dim' in expr) return dimSet(expr.dim);
  if ('not' in expr) {
    const inner = evaluateExpr(expr.not, dimSet);
    return new Set([...dimSet(ACTIVE)].filter((v) => !inner.has(v)));
  }
  const parts = ('and' in expr ? expr.and : expr.or).map((e) => evaluateExpr(e, dimSet));
  if ('or' in expr) return new Set(parts.flatMap((p) => [...p]));
  return new Set([...parts[0]!].filter((v) => parts.every((p) => p.has(v))));
}
