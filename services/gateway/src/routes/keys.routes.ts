import { z } from 'zod';
import type { GatewayDeps } from './deps';
import { route } from './route';
import { id, keyView, newReadKeyView, projectParams, readKeyView } from './schemas';

const keyParams = projectParams.extend({ keyId: id });
const newKeyJson = (key: Parameters<typeof keyView>[0], secret: string) => ({ ...keyView(key), secret });

export function keyRoutes(deps: GatewayDeps) {
  const { projects } = deps;
  return [
    route({
      method: 'get',
      operationId: 'listReadKeys',
      path: '/v1/projects/{projectId}/keys',
      summary: 'Read keys of a project (never their secrets)',
      tags: ['keys'],
      access: { kind: 'project', role: 'admin', keys: false },
      params: projectParams,
      responses: { 200: { description: 'keys', schema: z.object({ keys: z.array(readKeyView) }) } },
      async handle({ params }) {
        return { body: { keys: (await projects.listReadKeys(params.projectId)).map(keyView) } };
      },
    }),
    route({
      method: 'post',
      operationId: 'createReadKey',
      path: '/v1/projects/{projectId}/keys',
      summary: 'Create a named read key; the secret is in this reply only',
      tags: ['keys'],
      access: { kind: 'project', role: 'admin', keys: false },
      params: projectParams,
      body: z.object({ name: z.string().trim().min(1).max(100) }),
      responses: { 201: { description: 'created', schema: z.object({ key: newReadKeyView }) } },
      async handle({ params, body }) {
        const { key, secret } = await projects.createReadKey(params.projectId, body.name);
        return { status: 201, body: { key: newKeyJson(key, secret) } };
      },
    }),
    route({
      method: 'post',
      operationId: 'rotateReadKey',
      path: '/v1/projects/{projectId}/keys/{keyId}/rotate',
      summary: 'Revoke a read key and issue a new one with the same name',
      tags: ['keys'],
      access: { kind: 'project', role: 'admin', keys: false },
      params: keyParams,
      responses: { 201: { description: 'the new key', schema: z.object({ key: newReadKeyView }) } },
      async handle({ params }) {
        const { key, secret } = await projects.rotateReadKey(params.projectId, params.keyId);
        return { status: 201, body: { key: newKeyJson(key, secret) } };
      },
    }),
    route({
      method: 'delete',
      operationId: 'revokeReadKey',
      path: '/v1/projects/{projectId}/keys/{keyId}',
      summary: 'Revoke a read key (effective on the next request)',
      tags: ['keys'],
      access: { kind: 'project', role: 'admin', keys: false },
      params: keyParams,
      responses: { 204: { description: 'revoked' } },
      async handle({ params }) {
        await projects.revokeReadKey(params.projectId, params.keyId);
        return { status: 204 };
      },
    }),
  ];
}
