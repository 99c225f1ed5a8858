import type { Request } from 'express';
import { HttpError } from '@sightline/http';
import type { FixedRateLimiter } from '@sightline/rate-limit';
import type { ProjectRow } from '../domain/project-config';
import { roleAtLeast, type AccountStore, type Role } from '../stores/accounts.store';
import type { ProjectStore } from '../stores/projects.store';
import type { Access } from '../routes/route';
import type { Authenticator, Principal } from './authenticator';

export type MemberPrincipal = Extract<Principal, { kind: 'member' }>;

export interface ProjectAccess {
  principal: Principal;
  project: ProjectRow;
  /** The member's role, or `key` for a read key. */
  role: Role | 'key';
}

export interface AccountAccess {
  principal: MemberPrincipal;
  accountId: string;
  role: Role;
}

export interface AccessControlOptions {
  auth: Authenticator;
  accounts: AccountStore;
  projects: ProjectStore;
  limiter: FixedRateLimiter;
  defaultProjectId: string;
}

/**
 * Turns a route's `Access` into a yes/no. Anything that is not the caller's own is a 404, so a
 * key or member of another project learns nothing, not even that the project exists; a role
 * that is too low for something the caller can see is a 403.
 */
export function createAccessControl(options: AccessControlOptions) {
  const roleIn = options.accounts.roleIn;
  async function identify(req: Request, allowQueryKey = false): Promise<Principal> {
    const principal = await options.auth.identify(req, allowQueryKey);
    if (principal.kind === 'anonymous') return principal;
    const wait = options.limiter.take(principal.kind === 'key' ? principal.keyId : principal.memberId);
    if (wait > 0) throw HttpError.tooManyRequests(wait);
    return principal;
  }

  function requireMember(principal: Principal): MemberPrincipal {
    if (principal.kind === 'member') return principal;
    if (principal.kind === 'key') throw HttpError.forbidden('read keys can only read their project; sign in as a member');
    throw HttpError.unauthorized();
  }

  async function projectAccess(principal: Principal, project: ProjectRow | null, role: Role, keys: boolean): Promise<ProjectAccess> {
    if (principal.kind === 'anonymous') throw HttpError.unauthorized();
    if (!project) throw HttpError.notFound('project not found');
    if (principal.kind === 'key') {
      if (principal.projectId !== project.id) throw HttpError.notFound('project not found');
      if (!keys) throw HttpError.forbidden('read keys cannot do this; sign in as a member');
      return { principal, project, role: 'key' };
    }
    const memberRole = await roleIn(project.accountId, principal.memberId);
    if (!memberRole) throw HttpError.notFound('project not found');
    if (!roleAtLeast(memberRole, role)) throw HttpError.forbidden(`this needs the ${role} role`);
    return { principal, project, role: memberRole };
  }

  /** The project a seed-compatible call reads: the key's own, or `?project=`, or the configured default. */
  function seedProjectId(principal: Principal, req: Request): string {
    if (principal.kind === 'key') return principal.projectId;
    return typeof req.query.project === 'string' && req.query.project ? req.query.project : options.defaultProjectId;
  }

  return {
    identify,
    requireMember,
    projectAccess,
    async authorize(access: Access, req: Request, params: Record<string, unknown>): Promise<unknown> {
      switch (access.kind) {
        case 'public':
          return {};
        case 'member':
          return { principal: requireMember(await identify(req)) };
        case 'account': {
          const principal = requireMember(await identify(req));
          const accountId = String(params.accountId);
          const role = await roleIn(accountId, principal.memberId);
          if (!role) throw HttpError.notFound('account not found');
          if (!roleAtLeast(role, access.role)) throw HttpError.forbidden(`this needs the ${access.role} role`);
          return { principal, accountId, role } satisfies AccountAccess;
        }
        case 'project': {
          const principal = await identify(req, access.queryKey);
          const projectId = params.projectId !== undefined ? String(params.projectId) : seedProjectId(principal, req);
          return projectAccess(principal, await options.projects.get(projectId), access.role, access.keys);
        }
      }
    },
  };
}
export type AccessControl = ReturnType<typeof createAccessControl>;
