import { z } from 'zod';
import { HttpError } from '@sightline/http';
import type { GatewayDeps } from './deps';
import { route } from './route';
import { projectParams } from './schemas';

/** Most saved segments per project. */
export const MAX_SEGMENTS = 100;

// The dashboard's filter bar as it keeps it in the URL (web/src/state/filter-expr.ts): at most 8
// filters, AND-ed, each a dimension, an operator and the values it is OR-ed over.
const DIMENSIONS = ['page', 'entryPage', 'exitPage', 'referrer', 'source', 'medium', 'campaign', 'utmContent', 'utmTerm', 'browser', 'os', 'device', 'country', 'event'];
const dimension = z
  .string()
  .max(206)
  .refine((d) => DIMENSIONS.includes(d) || /^trait:[^=]{1,200}$/.test(d), `one of ${DIMENSIONS.join(', ')} or trait:<key>`)
  .describe('a breakdown dimension or trait:<key>');
const segmentFilter = z.object({
  dim: dimension,
  op: z.enum(['is', 'isNot', 'contains']).describe('contains matches the values that contain the text, case-insensitive'),
  values: z.array(z.string().min(1).max(200)).min(1).max(50),
});
const segmentBody = z.object({ filters: z.array(segmentFilter).min(1).max(8).describe('AND-ed; each filter ORs its values') });
const segmentName = z.string().min(1).max(100).regex(/^[A-Za-z0-9][A-Za-z0-9 _.-]*$/, 'letters, digits, space, _ . -');
const segmentParams = projectParams.extend({ name: segmentName });
const segmentView = z.object({ name: z.string(), filters: z.array(segmentFilter), createdAt: z.string(), updatedAt: z.string() });

const segmentJson = (row: { name: string; filters: unknown; createdAt: Date; updatedAt: Date }) => ({
  name: row.name,
  filters: segmentBody.shape.filters.parse(row.filters),
  createdAt: row.createdAt.toISOString(),
  updatedAt: row.updatedAt.toISOString(),
});

export function segmentRoutes(deps: GatewayDeps) {
  const { segments } = deps;
  const write = { kind: 'project', role: 'analyst', keys: false } as const;
  return [
    route({
      method: 'get',
      operationId: 'listSegments',
      path: '/v1/projects/{projectId}/segments',
      summary: 'Saved segments: named sets of global filters',
      tags: ['segments'],
      access: { kind: 'project', role: 'viewer', keys: true },
      params: projectParams,
      responses: { 200: { description: 'saved segments, by name', schema: z.object({ segments: z.array(segmentView) }) } },
      async handle({ params }) {
        return { body: { segments: (await segments.list(params.projectId)).map(segmentJson) } };
      },
    }),
    route({
      method: 'put',
      operationId: 'saveSegment',
      path: '/v1/projects/{projectId}/segments/{name}',
      summary: `Save (create or replace) a segment; at most ${MAX_SEGMENTS} per project`,
      tags: ['segments'],
      access: write,
      params: segmentParams,
      body: segmentBody,
      responses: { 200: { description: 'saved', schema: z.object({ segment: segmentView }) } },
      async handle({ params, body }) {
        const row = await segments.save(params.projectId, params.name, body.filters, MAX_SEGMENTS);
        if (!row) throw HttpError.badRequest(`at most ${MAX_SEGMENTS} segments per project`, [{ path: 'name', reason: 'too many segments' }]);
        return { body: { segment: segmentJson(row) } };
      },
    }),
    route({
      method: 'delete',
      operationId: 'deleteSegment',
      path: '/v1/projects/{projectId}/segments/{name}',
      summary: 'Delete a saved segment',
      tags: ['segments'],
      access: write,
      params: segmentParams,
      responses: { 204: { description: 'deleted' } },
      async handle({ params }) {
        if (!(await segments.delete(params.projectId, params.name))) throw HttpError.notFound('no saved segment with this name');
        return { status: 204 };
      },
    }),
  ];
}
