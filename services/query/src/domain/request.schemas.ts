import { z } from 'zod';
import { HttpError } from '@sightline/http';

const MAX_RANGE_MS = 400 * 86_400_000;
const time = z.iso.datetime({ offset: true });

/** `from`/`to` with from < to and a bounded range; the error names `to`. */
function withRange<T extends z.ZodRawShape>(shape: T) {
  return z
    .object({ from: time, to: time, ...shape })
    .superRefine((v, ctx) => {
      const range = v as unknown as { from: string; to: string };
      const from = Date.parse(range.from);
      const to = Date.parse(range.to);
      if (!(to > from)) ctx.addIssue({ code: 'custom', path: ['to'], message: 'must be after from' });
      else if (to - from > MAX_RANGE_MS) ctx.addIssue({ code: 'custom', path: ['to'], message: 'range longer than 400 days' });
    });
}

const limit = (def: number, max: number) => z.coerce.number().int().min(1).max(max).default(def);

export const eventFilterShape = {
  name: z.string().min(1).optional(),
  category: z.string().min(1).optional(),
  sessionId: z.string().min(1).optional(),
  visitorId: z.string().min(1).optional(),
};

export const eventLogQuery = withRange({
  ...eventFilterShape,
  order: z.enum(['asc', 'desc']).default('desc'),
  limit: limit(50, 1000),
  cursor: z.string().min(1).optional(),
  withTotal: z.enum(['true', 'false']).optional(),
});

export const CONTEXT_FIELDS = {
  name: 'name',
  category: 'category',
  type: 'type',
  source: 'source',
  medium: 'medium',
  campaign: 'campaign',
  referrerDomain: 'referrer_domain',
  pagePath: 'page_path',
  country: 'country',
  browser: 'browser',
  os: 'os',
  deviceType: 'device_type',
} as const;

const breakdownField = z
  .string()
  .refine((v) => Object.hasOwn(CONTEXT_FIELDS, v) || /^properties\.[^.\s]{1,200}$/.test(v), `properties.<key> or one of ${Object.keys(CONTEXT_FIELDS).join(', ')}`);

export const countsQuery = withRange({
  ...eventFilterShape,
  interval: z.enum(['minute', 'hour', 'day', 'week', 'month']).optional(),
  timeZone: z.string().refine(isTimeZone, 'unknown IANA time zone').optional(),
  breakdown: breakdownField.optional(),
  limit: limit(10, 100),
});

export const sessionsQuery = withRange({
  visitorId: z.string().min(1).optional(),
  limit: limit(50, 1000),
  cursor: z.string().min(1).optional(),
});

/** The aggregator's visitor bitmap as base64: 1M visitors = 125 KB of bits, 167 KB of text. */
const MAX_BITMAP_BASE64 = 12_000_000;

export const sessionMetricsBody = withRange({
  interval: z.enum(['minute', 'hour', 'day', 'week', 'month', 'year']).optional(),
  timeZone: z.string().refine(isTimeZone, 'unknown IANA time zone').optional(),
  visitors: z.base64().max(MAX_BITMAP_BASE64).optional(),
});

export const profileQuery = z.object({
  events: z.coerce.number().int().min(0).max(100).default(20),
  sessions: z.coerce.number().int().min(0).max(100).default(10),
});

const scalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);

export const funnelBody = withRange({
  steps: z.array(z.object({ event: z.string().min(1).max(256), where: z.record(z.string().min(1), scalar).optional() }).strict()).min(2).max(20),
  windowSeconds: z.number().int().min(1).max(90 * 86_400),
  order: z.enum(['strict', 'sequential', 'any']),
  breakdown: z.object({ type: z.enum(['trait', 'property']), key: z.string().min(1).max(200), limit: z.number().int().min(1).max(50).default(10) }).optional(),
  candidateVisitorIndexes: z.array(z.number().int().min(0)).max(5_000_000).optional(),
  includeVisitors: z
    .object({
      step: z.number().int().min(1).max(20),
      kind: z.enum(['dropped', 'converted']),
      cursor: z.string().min(1).nullable().optional(),
      limit: z.number().int().min(1).max(1000).default(100),
    })
    .optional(),
}).superRefine((v, ctx) => {
  const iv = v.includeVisitors;
  if (!iv) return;
  if (iv.step > v.steps.length) ctx.addIssue({ code: 'custom', path: ['includeVisitors', 'step'], message: 'beyond the last step' });
  if (iv.kind === 'dropped' && iv.step < 2) ctx.addIssue({ code: 'custom', path: ['includeVisitors', 'step'], message: 'nobody drops at step 1; use step >= 2' });
});
export type FunnelBody = z.infer<typeof funnelBody>;

export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

export type PropertyFilter = { key: string; values: string[] };

/**
 * `prop.<key>=<value>` query parameters. A value matches the JSON string, and also the number,
 * boolean or null it spells, as jsonb literals for `properties -> key = ANY(...)`.
 */
export function propertyFilters(query: Record<string, unknown>): PropertyFilter[] {
  const out: PropertyFilter[] = [];
  for (const [param, raw] of Object.entries(query)) {
    if (!param.startsWith('prop.')) continue;
    const key = param.slice(5);
    if (!key || typeof raw !== 'string') throw HttpError.badRequest(`invalid ${param}`, [{ path: param, reason: 'one value per property key' }]);
    const values = [JSON.stringify(raw)];
    if (/^(-?\d+(\.\d+)?([eE][+-]?\d+)?|true|false|null)$/.test(raw)) values.push(JSON.stringify(JSON.parse(raw)));
    out.push({ key, values });
  }
  return out;
}
