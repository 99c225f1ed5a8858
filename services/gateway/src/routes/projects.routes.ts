import { z } from 'zod';
import { HttpError } from '@sightline/http';
import type { ProjectAccess } from '../auth/access-control';
import { isValidTimeZone, settingsInput, toProjectView } from '../domain/project-config';
import { slugify } from '../domain/slug';
import type { GatewayDeps } from './deps';
import { route } from './route';
import { accountParams, projectParams, projectView, slug } from './schemas';

const timeZone = z.string().max(64).refine(isValidTimeZone, 'unknown IANA time zone');
const origin = z.string().max(512).refine((o) => o === '*' || /^https?:\/\/[^/\s]+$/.test(o), 'an origin like https://example.com, or *');

const editable = {
  name: z.string().trim().min(1).max(200),
  timeZone,
  allowedOrigins: z.array(origin).max(100),
  enabled: z.boolean(),
  cookieless: z.boolean(),
  botFiltering: z.boolean(),
};
const createBody = z.object({ ...editable, slug: slug.optional() }).partial({ timeZone: true, allowedOrigins: true, enabled: true, cookieless: true, botFiltering: true }).extend(settingsInput.shape);
const patchBody = z.object({ ...editable, slug }).partial().extend(settingsInput.shape);

const projectReply = z.object({ project: projectView });

/** Splits a body into project columns and the settings JSON. */
function splitSettings<T extends Record<string, unknown>>(body: T) {
  const settings: Record<string, unknown> = {};
  const columns: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(body)) {
    if (v === undefined) continue;
    if (k in settingsInput.shape) settings[k] = v;
    else columns[k] = v;
  }
  return { columns, settings };
}

export function projectRoutes(deps: GatewayDeps) {
  const { projects } = deps;
  return [
    route({
      method: 'get',
      operationId: 'listProjects',
      path: '/v1/accounts/{accountId}/projects',
      summary: 'Projects of an account',
      tags: ['projects'],
      access: { kind: 'account', role: 'viewer' },
      params: accountParams,
      responses: { 200: { description: 'projects', schema: z.object({ projects: z.array(projectView) }) } },
      async handle({ params }) {
        return { body: { projects: (await projects.list(params.accountId)).map(toProjectView) } };
      },
    }),
    route({
      method: 'post',
      operationId: 'createProject',
      path: '/v1/accounts/{accountId}/projects',
      summary: 'Create a project (published to projects.v1; its write key works at ingest within seconds)',
      tags: ['projects'],
      access: { kind: 'account', role: 'admin' },
      params: accountParams,
      body: createBody,
      responses: { 201: { description: 'created', schema: projectReply } },
      async handle({ params, body }) {
        const { columns, settings } = splitSettings(body);
        const row = await projects.create(params.accountId, {
          name: body.name,
          slug: body.slug ?? slugify(body.name, 'project'),
          timeZone: body.timeZone ?? 'UTC',
          allowedOrigins: body.allowedOrigins ?? ['*'],
          enabled: columns.enabled as boolean | undefined,
          cookieless: columns.cookieless as boolean | undefined,
          botFiltering: columns.botFiltering as boolean | undefined,
          settings: settings as never,
        });
        return { status: 201, body: { project: toProjectView(row) } };
      },
    }),
    route({
      method: 'get',
      operationId: 'getProject',
      path: '/v1/projects/{projectId}',
      summary: 'One project',
      tags: ['projects'],
      access: { kind: 'project', role: 'viewer', keys: false },
      params: projectParams,
      responses: { 200: { description: 'the project', schema: projectReply } },
      async handle({ access }) {
        return { body: { project: toProjectView((access as ProjectAccess).project) } };
      },
    }),
    route({
      method: 'patch',
      operationId: 'updateProject',
      path: '/v1/projects/{projectId}',
      summary: 'Change a project’s settings (published to projects.v1)',
      tags: ['projects'],
      access: { kind: 'project', role: 'admin', keys: false },
      params: projectParams,
      body: patchBody,
      responses: { 200: { description: 'changed', schema: projectReply } },
      async handle({ params, body }) {
        const { columns, settings } = splitSettings(body);
        if (Object.keys(columns).length === 0 && Object.keys(settings).length === 0) throw HttpError.badRequest('nothing to change');
        const row = await projects.update(params.projectId, { ...columns, settings: Object.keys(settings).length ? (settings as never) : undefined });
        return { body: { project: toProjectView(row) } };
      },
    }),
    route({
      method: 'delete',
      operationId: 'deleteProject',
      path: '/v1/projects/{projectId}',
      summary: 'Delete a project (a tombstone on projects.v1; ingest stops accepting its write key)',
      tags: ['projects'],
      access: { kind: 'project', role: 'admin', keys: false },
      params: projectParams,
      responses: { 204: { description: 'deleted' } },
      async handle({ params }) {
        await projects.delete(params.projectId);
        return { status: 204 };
      },
    }),
    route({
      method: 'post',
      operationId: 'rotateWriteKey',
      path: '/v1/projects/{projectId}/write-key/rotate',
      summary: 'New write key; with keepPrevious the old one keeps working until retired',
      tags: ['keys'],
      access: { kind: 'project', role: 'admin', keys: false },
      params: projectParams,
      body: z.object({ keepPrevious: z.boolean().default(false) }),
      responses: { 200: { description: 'rotated', schema: projectReply } },
      async handle({ params, body }) {
        return { body: { project: toProjectView(await projects.rotateWriteKey(params.projectId, body.keepPrevious)) } };
      },
    }),
    route({
      method: 'delete',
      operationId: 'retirePreviousWriteKey',
      path: '/v1/projects/{projectId}/write-key/previous',
      summary: 'Retire the previous write key after a rotation',
      tags: ['keys'],
      access: { kind: 'project', role: 'admin', keys: false },
      params: projectParams,
      responses: { 200: { description: 'retired', schema: projectReply } },
      async handle({ params }) {
        return { body: { project: toProjectView(await projects.retirePreviousWriteKey(params.projectId)) } };
      },
    }),
  ];
}
