import { z } from 'zod';
import { HttpError } from '@sightline/http';
import { createFixedRateLimiter } from '@sightline/rate-limit';
import type { AccountAccess, MemberPrincipal } from '../auth/access-control';
import type { GatewayDeps } from './deps';
import { route } from './route';
import { accountJson, accountParams, accountView, email, id, memberView, password, role } from './schemas';

const memberJson = (m: { id: string; email: string; createdAt: Date }, r: string) => ({ id: m.id, email: m.email, role: r, createdAt: m.createdAt.toISOString() });
const memberParams = accountParams.extend({ memberId: id });

export function accountRoutes(deps: GatewayDeps) {
  const { accounts, config } = deps;
  // Whether an add needs a password tells whether the email is registered; any signed-up person
  // administers an account, so adds are limited like sign-ups (see docs/security.md).
  const memberAdds = createFixedRateLimiter(config.MEMBER_ADDS_PER_HOUR / 3600, config.MEMBER_ADDS_PER_HOUR);
  return [
    route({
      method: 'post',
      operationId: 'createAccount',
      path: '/v1/accounts',
      summary: 'Create an account and its first member (admin)',
      tags: ['accounts'],
      access: { kind: 'public' },
      body: z.object({ name: z.string().trim().min(1).max(200), email, password }),
      responses: { 201: { description: 'created', schema: z.object({ account: accountView, member: memberView }) } },
      async handle({ body, req }) {
        if (!config.SIGNUP_OPEN) throw HttpError.forbidden('sign-up is closed on this server');
        deps.auth.admitAnonymous(deps.auth.clientIp(req));
        const { account, member } = await accounts.createAccountWithAdmin({ name: body.name, email: body.email, passwordHash: await deps.auth.passwords.hash(body.password) });
        return { status: 201, body: { account: accountJson(account), member: memberJson(member, 'admin') } };
      },
    }),
    route({
      method: 'get',
      operationId: 'listAccounts',
      path: '/v1/accounts',
      summary: 'The accounts of the signed-in member, with the role in each',
      tags: ['accounts'],
      access: { kind: 'member' },
      responses: { 200: { description: 'accounts', schema: z.object({ accounts: z.array(accountView.extend({ role })) }) } },
      async handle({ access }) {
        const rows = await accounts.listAccountsOf((access as { principal: MemberPrincipal }).principal.memberId);
        return { body: { accounts: rows.map((r) => ({ ...accountJson(r.account), role: r.role })) } };
      },
    }),
    route({
      method: 'get',
      operationId: 'getAccount',
      path: '/v1/accounts/{accountId}',
      summary: 'One account',
      tags: ['accounts'],
      access: { kind: 'account', role: 'viewer' },
      params: accountParams,
      responses: { 200: { description: 'the account', schema: z.object({ account: accountView.extend({ role }) }) } },
      async handle({ params, access }) {
        const account = await accounts.getAccount(params.accountId);
        if (!account) throw HttpError.notFound('account not found');
        return { body: { account: { ...accountJson(account), role: (access as AccountAccess).role } } };
      },
    }),
    route({
      method: 'patch',
      operationId: 'updateAccount',
      path: '/v1/accounts/{accountId}',
      summary: 'Rename an account',
      tags: ['accounts'],
      access: { kind: 'account', role: 'admin' },
      params: accountParams,
      body: z.object({ name: z.string().trim().min(1).max(200) }),
      responses: { 200: { description: 'renamed', schema: z.object({ account: accountView }) } },
      async handle({ params, body }) {
        return { body: { account: accountJson(await accounts.renameAccount(params.accountId, body.name)) } };
      },
    }),
    route({
      method: 'delete',
      operationId: 'deleteAccount',
      path: '/v1/accounts/{accountId}',
      summary: 'Delete an account, its projects (tombstoned on projects.v1) and keys',
      tags: ['accounts'],
      access: { kind: 'account', role: 'admin' },
      params: accountParams,
      responses: { 204: { description: 'deleted' } },
      async handle({ params }) {
        await deps.projects.deleteAccount(params.accountId);
        return { status: 204 };
      },
    }),
    route({
      method: 'get',
      operationId: 'listMembers',
      path: '/v1/accounts/{accountId}/members',
      summary: 'Members of an account',
      tags: ['members'],
      access: { kind: 'account', role: 'viewer' },
      params: accountParams,
      responses: { 200: { description: 'members', schema: z.object({ members: z.array(memberView) }) } },
      async handle({ params }) {
        const rows = await accounts.listMembers(params.accountId);
        return { body: { members: rows.map((r) => memberJson(r.member, r.role)) } };
      },
    }),
    route({
      method: 'post',
      operationId: 'addMember',
      path: '/v1/accounts/{accountId}/members',
      summary: 'Add a member (a new person needs a password; an existing one keeps theirs)',
      tags: ['members'],
      access: { kind: 'account', role: 'admin' },
      params: accountParams,
      body: z.object({ email, role, password: password.optional() }),
      responses: { 201: { description: 'added', schema: z.object({ member: memberView }) } },
      async handle({ params, body, access }) {
        const wait = memberAdds.take((access as AccountAccess).principal.memberId);
        if (wait > 0) throw HttpError.tooManyRequests(wait);
        const passwordHash = body.password ? await deps.auth.passwords.hash(body.password) : undefined;
        const { member } = await accounts.addMember(params.accountId, { email: body.email, role: body.role, passwordHash });
        return { status: 201, body: { member: memberJson(member, body.role) } };
      },
    }),
    route({
      method: 'patch',
      operationId: 'updateMember',
      path: '/v1/accounts/{accountId}/members/{memberId}',
      summary: 'Change a member’s role',
      tags: ['members'],
      access: { kind: 'account', role: 'admin' },
      params: memberParams,
      body: z.object({ role }),
      responses: { 204: { description: 'changed' } },
      async handle({ params, body }) {
        await accounts.changeMembership(params.accountId, params.memberId, body.role);
        return { status: 204 };
      },
    }),
    route({
      method: 'delete',
      operationId: 'removeMember',
      path: '/v1/accounts/{accountId}/members/{memberId}',
      summary: 'Remove a member from an account',
      tags: ['members'],
      access: { kind: 'account', role: 'admin' },
      params: memberParams,
      responses: { 204: { description: 'removed' } },
      async handle({ params }) {
        await accounts.changeMembership(params.accountId, params.memberId, null);
        return { status: 204 };
      },
    }),
  ];
}
