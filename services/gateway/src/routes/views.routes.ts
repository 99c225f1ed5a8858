import { z } from 'zod';
import { HttpError } from '@sightline/http';
import { createInternalHttp } from '../clients/internal-http';
import { combineFilters, filterExpression, MAX_DEPTH, MAX_LEAVES, measure, type FilterExpression } from '../domain/filter-expression';
import { readCostReply, withCallerFields } from '../domain/read-cost';
import { checkRange, instant, jsonParam } from '../domain/time-range';
import type { GatewayDeps } from './deps';
import { route } from './route';
import { projectParams } from './schemas';

// The dashboard's compare view: two populations (a segment = a range and a filter each) and their
// exact overlap from the aggregator's visitor bitmaps, and the people of each part a page at a time.

const filter = jsonParam(filterExpression).describe('JSON filter expression, as on unique-visitors');
const populations = {
  aFrom: instant,
  aTo: instant,
  aFilter: filter.optional(),
  bFrom: instant,
  bTo: instant,
  bFilter: filter.optional(),
};
export const PARTS = ['both', 'onlyA', 'onlyB', 'a', 'b'] as const;
export type Part = (typeof PARTS)[number];
const MAX_PAGE = 1000;

const counts = z.object({
  a: z.number().int().describe('exact unique visitors of population A'),
  b: z.number().int(),
  both: z.number().int().describe('in A and in B'),
  onlyA: z.number().int().describe('in A, not in B'),
  onlyB: z.number().int().describe('in B, not in A'),
  either: z.number().int().describe('in A or in B'),
});

/** A Redis bitmap (base64; bit i = visitor index i, most significant bit of byte 0 first). */
export function decodeBitmap(base64: string): Uint8Array {
  return new Uint8Array(Buffer.from(base64, 'base64'));
}

function popcount(byte: number): number {
  let n = 0;
  for (let b = byte; b; b &= b - 1) n++;
  return n;
}

/** The byte of a part at position i. */
function partByte(a: Uint8Array, b: Uint8Array, i: number, part: Part): number {
  const x = a[i] ?? 0;
  const y = b[i] ?? 0;
  switch (part) {
    case 'both':
      return x & y;
    case 'onlyA':
      return x & ~y & 0xff;
    case 'onlyB':
      return y & ~x & 0xff;
    case 'a':
      return x;
    case 'b':
      return y;
  }
}

export function overlap(a: Uint8Array, b: Uint8Array): z.infer<typeof counts> {
  const out = { a: 0, b: 0, both: 0, onlyA: 0, onlyB: 0, either: 0 };
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    out.a += popcount(x);
    out.b += popcount(y);
    out.both += popcount(x & y);
    out.either += popcount(x | y);
  }
  out.onlyA = out.a - out.both;
  out.onlyB = out.b - out.both;
  return out;
}

/** Visitor indexes of a part above `after` (exclusive), ascending, at most `limit`, and whether more follow. */
export function partIndexes(a: Uint8Array, b: Uint8Array, part: Part, after: number, limit: number): { indexes: number[]; more: boolean } {
  const indexes: number[] = [];
  const start = after + 1;
  for (let i = start >> 3; i < Math.max(a.length, b.length); i++) {
    const byte = partByte(a, b, i, part);
    if (!byte) continue;
    for (let bit = 0; bit < 8; bit++) {
      const index = i * 8 + bit;
      if (index < start || !(byte & (0x80 >> bit))) continue;
      if (indexes.length === limit) return { indexes, more: true };
      indexes.push(index);
    }
  }
  return { indexes, more: false };
}

function checkFilter(expr: FilterExpression | undefined, field: string) {
  if (!expr) return;
  const { depth, leaves } = measure(expr);
  if (depth > MAX_DEPTH || leaves > MAX_LEAVES) throw HttpError.badRequest(`filter too complex (depth ≤ ${MAX_DEPTH}, ≤ ${MAX_LEAVES} leaves)`, [{ path: field, reason: 'too complex' }]);
}

export function viewRoutes(deps: GatewayDeps) {
  const { aggregator, config } = deps;
  const query = createInternalHttp('query', config.QUERY_URL, config.UPSTREAM_TIMEOUT_MS);
  const read = { kind: 'project', role: 'viewer', keys: true } as const;
  type Q = { aFrom: string; aTo: string; aFilter?: FilterExpression; bFrom: string; bTo: string; bFilter?: FilterExpression };
  async function bitmaps(projectId: string, q: Q) {
    for (const [side, from, to] of [['a', q.aFrom, q.aTo], ['b', q.bFrom, q.bTo]] as const) {
      try {
        checkRange({ from, to }, config.MAX_RANGE_DAYS);
      } catch (err) {
        // Name the side's own field, so the dashboard can point at the period that is wrong.
        if (err instanceof HttpError) throw HttpError.badRequest(err.message, [{ path: `${side}From`, reason: err.message }]);
        throw err;
      }
    }
    checkFilter(q.aFilter, 'aFilter');
    checkFilter(q.bFilter, 'bFilter');
    // Two aggregator reads, each within READ_MAX_COST; a costlier side is a 400 on its own filter.
    const [a, b] = await Promise.all([
      withCallerFields(aggregator.segment(projectId, { from: q.aFrom, to: q.aTo, expr: combineFilters(undefined, q.aFilter) }), { expr: 'aFilter' }),
      withCallerFields(aggregator.segment(projectId, { from: q.bFrom, to: q.bTo, expr: combineFilters(undefined, q.bFilter) }), { expr: 'bFilter' }),
    ]);
    return { a: decodeBitmap(a.bitmap), b: decodeBitmap(b.bitmap), dayRounded: a.dayRounded === true || b.dayRounded === true };
  }
  return [
    route({
      method: 'get',
      operationId: 'comparePopulations',
      path: '/v1/projects/{projectId}/compare',
      summary: 'Two populations (a range and a filter each) and their exact overlap: in both, only in A, only in B',
      tags: ['analytics'],
      access: read,
      params: projectParams,
      query: z.object(populations),
      responses: { 200: { description: 'exact counts from the visitor bitmaps', schema: counts.extend({ dayRounded: z.literal(true).optional() }) }, 400: readCostReply },
      async handle({ params, query: q }) {
        const { a, b, dayRounded } = await bitmaps(params.projectId, q);
        return { body: { ...overlap(a, b), ...(dayRounded ? { dayRounded: true } : {}) } };
      },
    }),
    route({
      method: 'get',
      operationId: 'listComparedVisitors',
      path: '/v1/projects/{projectId}/compare/visitors',
      summary: 'The visitors of one part of a comparison (both, onlyA, onlyB, a or b), by visitor index, a page at a time',
      tags: ['analytics'],
      access: read,
      params: projectParams,
      query: z.object({
        ...populations,
        part: z.enum(PARTS),
        cursor: z.string().regex(/^\d{1,10}$/, 'a cursor from nextCursor').optional(),
        limit: z.coerce.number().int().min(1).max(MAX_PAGE).default(100),
      }),
      responses: {
        200: {
          description: 'one page',
          schema: z.object({ visitors: z.array(z.object({ visitorIndex: z.number().int(), visitorId: z.string().nullable() })), nextCursor: z.string().nullable() }),
        },
      },
      async handle({ params, query: q }) {
        const { a, b } = await bitmaps(params.projectId, q);
        const after = q.cursor === undefined ? -1 : Number(q.cursor);
        const page = partIndexes(a, b, q.part, after, q.limit);
        if (page.indexes.length === 0) return { body: { visitors: [], nextCursor: null } };
        const ids = await query.post<{ visitors: Array<{ visitorIndex: number; visitorId: string | null }> }>(`/internal/projects/${encodeURIComponent(params.projectId)}/visitor-ids`, { indexes: page.indexes });
        return { body: { visitors: ids.visitors, nextCursor: page.more ? String(page.indexes[page.indexes.length - 1]) : null } };
      },
    }),
  ];
}
