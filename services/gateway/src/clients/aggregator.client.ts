import type { AggregatorExpr } from '../domain/filter-expression';
import { createInternalHttp, type QueryValue } from './internal-http';

export interface Series {
  total: number;
  series?: Array<{ start: string; count: number }>;
  /** A page, referrer, country or utm dimension was read over whole local days (docs/aggregator-api.md). */
  dayRounded?: true;
}

export interface RangeQuery {
  from: string;
  to: string;
  interval?: string;
}

/** The bitmap-aggregator's internal count API (docs/aggregator-api.md). */
export function createAggregatorClient(baseUrl: string, timeoutMs: number) {
  const http = createInternalHttp('bitmap-aggregator', baseUrl, timeoutMs);
  const at = (projectId: string, what: string) => `/internal/projects/${encodeURIComponent(projectId)}/${what}`;
  const exprParam = (expr?: AggregatorExpr): QueryValue => (expr ? JSON.stringify(expr) : undefined);
  return {
    uniques: (projectId: string, q: RangeQuery & { expr?: AggregatorExpr }) => http.get<Series>(at(projectId, 'uniques'), { from: q.from, to: q.to, interval: q.interval, expr: exprParam(q.expr) }),
    /** The people matching `expr` in [from, to) as a base64 bitmap (for the query service's session metrics). */
    segment: (projectId: string, q: { from: string; to: string; expr?: AggregatorExpr }) =>
      http.get<{ count: number; bitmap: string; dayRounded?: true }>(at(projectId, 'segment'), { from: q.from, to: q.to, expr: exprParam(q.expr) }),
    totals: (projectId: string, q: RangeQuery & { dim?: string }) => http.get<Series>(at(projectId, 'totals'), { ...q }),
    breakdown: (projectId: string, q: { from: string; to: string; prefix: string; limit?: number; expr?: AggregatorExpr }) =>
      http.get<{ values: Array<{ value: string; uniques: number }>; total: number; capped?: { limit: number; days: number }; truncated?: { valuesRead: number; valuesInRange: number }; dayRounded?: true }>(at(projectId, 'breakdown'), { from: q.from, to: q.to, prefix: q.prefix, limit: q.limit, expr: exprParam(q.expr) }),
    retention: (projectId: string, body: { cohortInterval: string; from: string; periods: number; expr?: AggregatorExpr }) =>
      http.post<{ cohorts: Array<{ start: string; size: number; retained: number[] }> }>(at(projectId, 'retention'), body),
    candidates: (projectId: string, body: { from: string; to: string; dims: string[] }) =>
      http.post<{ count: number; visitorIndexes: number[] }>(at(projectId, 'candidates'), body),
  };
}
export type AggregatorClient = ReturnType<typeof createAggregatorClient>;
