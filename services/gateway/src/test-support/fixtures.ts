import { uniqueId } from '@sightline/testing';
import type { apiClient } from './gateway-harness';

type Api = ReturnType<typeof apiClient>;

export interface Tenant {
  admin: { email: string; password: string };
  accountId: string;
  accountSlug: string;
  projectId: string;
  projectSlug: string;
  writeKey: string;
  readKey: string;
  readKeyId: string;
}

/** An account with one project and one read key, through the public API. */
export async function createTenant(api: Api, name: string, project: Record<string, unknown> = {}): Promise<Tenant> {
  const admin = { email: `${uniqueId(name.replace(/[^A-Za-z0-9]+/g, '-'))}@example.com`, password: 'a long enough password' };
  const signup = await api('POST', '/v1/accounts', { body: { name, ...admin } });
  if (signup.status !== 201) throw new Error(`signup failed: ${JSON.stringify(signup.body)}`);
  const created = await api('POST', `/v1/accounts/${signup.body.account.id}/projects`, { basic: admin, body: { name: `${name} site`, ...project } });
  if (created.status !== 201) throw new Error(`project failed: ${JSON.stringify(created.body)}`);
  const key = await api('POST', `/v1/projects/${created.body.project.id}/keys`, { basic: admin, body: { name: 'test' } });
  return {
    admin,
    accountId: signup.body.account.id,
    accountSlug: signup.body.account.slug,
    projectId: created.body.project.id,
    projectSlug: created.body.project.slug,
    writeKey: created.body.project.writeKey,
    readKey: key.body.key.secret,
    readKeyId: key.body.key.id,
  };
}

/** Fills an OpenAPI path template with a tenant's ids. */
export function fillPath(template: string, t: Tenant, extra: Record<string, string> = {}): string {
  const values: Record<string, string> = {
    projectId: t.projectId,
    accountId: t.accountId,
    keyId: t.readKeyId,
    memberId: 'mem_unknown',
    name: 'saved',
    visitorId: 'visitor-1',
    requestId: 'era_unknown',
    account: t.accountSlug,
    project: t.projectSlug,
    ...extra,
  };
  return template.replace(/\{([A-Za-z]+)\}/g, (_, k: string) => encodeURIComponent(values[k] ?? k));
}
