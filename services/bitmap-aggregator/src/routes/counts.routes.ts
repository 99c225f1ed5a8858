import express, { type Router } from 'express';
import { z } from 'zod';
import { projectId as projectIdSchema } from '@sightline/contracts';
import { HttpError, validate } from '@sightline/http';
import { DIMENSION_KINDS, isDimension } from '../domain/dimensions.handler';
import { activeExpr, exprLimitError, exprSchema, type Expr } from '../domain/expression.handler';
import type { ProjectSettings } from '../domain/range.handler';
import { ReadCostError, type BitmapReader } from '../stores/bitmap-reader.store';

const iso = z.iso.datetime({ offset: true }).transform((v) => new Date(v));
const interval = z.enum(['minute', 'hour', 'day', 'week', 'month', 'year']).optional();
const dimension = z.string().refine(isDimension, 'unknown dimension (see docs/aggregator-api.md)');
const MAX_RANGE_MS = 20 * 366 * 86_400_000;
const BREAKDOWN_KINDS = DIMENSION_KINDS.filter((k) => k !== 'trait');
const BREAKDOWN_PREFIX = new RegExp(`^(trait:[^=]+|${BREAKDOWN_KINDS.join('|')})$`);

const rangeFields = { from: iso, to: iso, interval };
const checkRange = (v: { from: Date; to: Date }, ctx: z.RefinementCtx) => {
  // zod runs refinements even when a field failed; only compare two parsed dates.
  if (!(v.from instanceof Date) || !(v.to instanceof Date)) return;
  if (v.to.getTime() <= v.from.getTime()) ctx.addIssue({ code: 'custom', path: ['to'], message: 'must be after from' });
  else if (v.to.getTime() - v.from.getTime() > MAX_RANGE_MS) ctx.addIssue({ code: 'custom', path: ['to'], message: 'range longer than 20 years' });
};

const uniquesQuery = z.object({ ...rangeFields, expr: z.string().optional() }).superRefine(checkRange);
const totalsQuery = z.object({ ...rangeFields, dim: dimension.optional() }).superRefine(checkRange);
const breakdownQuery = z
  .object({
    from: iso,
    to: iso,
    prefix: z.string().regex(BREAKDOWN_PREFIX, `trait:<key> or one of ${BREAKDOWN_KINDS.join(', ')}`),
    limit: z.coerce.number().int().min(1).max(1000).default(10),
    expr: z.string().optional(),
  })
  .superRefine(checkRange);
const retentionBody = z
  .object({ cohortInterval: z.enum(['day', 'week', 'month']), from: iso, periods: z.number().int().min(1), expr: z.unknown().optional() })
  .superRefine((v, ctx) => {
    const max = { day: 400, week: 104, month: 36 }[v.cohortInterval];
    if (v.periods > max) ctx.addIssue({ code: 'custom', path: ['periods'], message: `at most ${max} for ${v.cohortInterval}` });
  });
const candidatesBody = z.object({ from: iso, to: iso, dims: z.array(dimension).min(1).max(32) }).superRefine(checkRange);

function parseExpr(raw: string | undefined): Expr {
  if (raw === undefined) return activeExpr;
  let data: unknown;
  try {
    data = JSON.parse(raw);
  } catch {
    throw HttpError.badRequest('expr is not valid JSON', [{ path: 'expr', reason: 'not valid JSON' }]);
  }
  return checkExpr(data);
}

/** An expression given as JSON (a POST body's field): its shape, then its depth and size limits. */
function checkExpr(data: unknown): Expr {
  const expr = validate(exprSchema, data, 'expr');
  const limit = exprLimitError(expr);
  if (limit) throw HttpError.badRequest(`expr ${limit}`, [{ path: 'expr', reason: limit }]);
  return expr;
}

/** Turns a too-long series or a read over the cost bound into a 400 naming the field, rather than a 500. */
async function guard<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof ReadCostError) throw new HttpError(400, 'read_too_costly', err.message, [{ path: err.field, reason: `cost ${err.cost} over the limit of ${err.limit}` }]);
    if (err instanceof RangeError) throw HttpError.badRequest(err.message, [{ path: 'interval', reason: err.message }]);
    throw err;
  }
}

/** The internal count API (docs/aggregator-api.md). */
export function countsRouter(reader: BitmapReader, settingsOf: (projectId: string) => ProjectSettings): Router {
  const router = express.Router();
  const project = (raw: string | string[] | undefined) => validate(projectIdSchema, raw, 'projectId');

  router.get('/internal/projects/:projectId/uniques', async (req, res) => {
    const id = project(req.params.projectId);
    const q = validate(uniquesQuery, req.query, 'query');
    res.json(await guard(() => reader.uniques(id, settingsOf(id), q, parseExpr(q.expr))));
  });

  router.get('/internal/projects/:projectId/segment', async (req, res) => {
    const id = project(req.params.projectId);
    const q = validate(uniquesQuery, req.query, 'query');
    const { bitmap, ...rest } = await guard(() => reader.segment(id, settingsOf(id), q, parseExpr(q.expr)));
    res.json({ ...rest, bitmap: bitmap.toString('base64') });
  });

  router.get('/internal/projects/:projectId/totals', async (req, res) => {
    const id = project(req.params.projectId);
    const q = validate(totalsQuery, req.query, 'query');
    res.json(await guard(() => reader.totals(id, settingsOf(id), q, q.dim)));
  });

  router.get('/internal/projects/:projectId/breakdown', async (req, res) => {
    const id = project(req.params.projectId);
    const q = validate(breakdownQuery, req.query, 'query');
    res.json(await guard(() => reader.breakdown(id, settingsOf(id), q, q.prefix, q.limit, parseExpr(q.expr))));
  });

  router.post('/internal/projects/:projectId/retention', async (req, res) => {
    const id = project(req.params.projectId);
    const body = validate(retentionBody, req.body, 'body');
    const expr = body.expr === undefined ? undefined : checkExpr(body.expr);
    res.json({ cohorts: await guard(() => reader.retention(id, settingsOf(id), body.cohortInterval, body.from, body.periods, expr)) });
  });

  router.post('/internal/projects/:projectId/candidates', async (req, res) => {
    const id = project(req.params.projectId);
    const body = validate(candidatesBody, req.body, 'body');
    const visitorIndexes = await guard(() => reader.candidates(id, settingsOf(id), body, body.dims));
    res.json({ count: visitorIndexes.length, visitorIndexes });
  });

  return router;
}
