import { z } from 'zod';
import { parse as parseCookie } from 'cookie';
import { HttpError } from '@sightline/http';
import type { MemberPrincipal } from '../auth/access-control';
import { SESSION_COOKIE } from '../auth/authenticator';
import { hashSecret, newSessionToken } from '../auth/secrets';
import type { GatewayDeps } from './deps';
import { route } from './route';
import { accountView, email, password, role } from './schemas';

const meView = z.object({
  member: z.object({ id: z.string(), email: z.string() }),
  accounts: z.array(accountView.pick({ id: true, name: true, slug: true }).extend({ role })),
});

export function sessionRoutes(deps: GatewayDeps) {
  const { accounts, auth, config } = deps;
  async function me(memberId: string, memberEmail: string) {
    const rows = await accounts.listAccountsOf(memberId);
    return { member: { id: memberId, email: memberEmail }, accounts: rows.map((r) => ({ id: r.account.id, name: r.account.name, slug: r.account.slug, role: r.role })) };
  }
  return [
    route({
      method: 'post',
      operationId: 'signIn',
      path: '/v1/session',
      summary: 'Sign in: sets an HTTP-only session cookie for the dashboard',
      tags: ['session'],
      access: { kind: 'public' },
      body: z.object({ email, password: z.string().min(1).max(1024) }),
      responses: { 200: { description: 'signed in', schema: meView } },
      async handle({ body, req, res }) {
        const identity = await auth.checkPassword(body.email, body.password, auth.clientIp(req));
        const token = newSessionToken();
        const expiresAt = new Date(Date.now() + config.SESSION_TTL_HOURS * 3600_000);
        await accounts.createSession(hashSecret(token), identity.memberId, expiresAt);
        res.cookie(SESSION_COOKIE, token, { httpOnly: true, sameSite: 'strict', secure: config.NODE_ENV === 'production', expires: expiresAt, path: '/' });
        return { body: await me(identity.memberId, identity.email) };
      },
    }),
    route({
      method: 'delete',
      operationId: 'signOut',
      path: '/v1/session',
      summary: 'Sign out',
      tags: ['session'],
      access: { kind: 'public' },
      responses: { 204: { description: 'signed out' } },
      async handle({ req, res }) {
        const token = req.headers.cookie ? parseCookie(req.headers.cookie)[SESSION_COOKIE] : undefined;
        if (token) await accounts.deleteSession(hashSecret(token));
        res.clearCookie(SESSION_COOKIE, { path: '/' });
        return { status: 204 };
      },
    }),
    route({
      method: 'get',
      operationId: 'getServerConfig',
      path: '/v1/config',
      summary: "What a client of this server needs before signing in: the collector's public URL and whether sign-up is open",
      tags: ['session'],
      access: { kind: 'public' },
      responses: {
        200: {
          description: 'server facts',
          schema: z.object({ ingestUrl: z.string().nullable().describe('the collector (INGEST_PUBLIC_URL), null when not configured'), signupOpen: z.boolean() }),
        },
      },
      async handle() {
        return { body: { ingestUrl: config.INGEST_PUBLIC_URL ?? null, signupOpen: config.SIGNUP_OPEN } };
      },
    }),
    route({
      method: 'get',
      operationId: 'getMe',
      path: '/v1/me',
      summary: 'The signed-in member and their accounts',
      tags: ['session'],
      access: { kind: 'member' },
      responses: { 200: { description: 'me', schema: meView } },
      async handle({ access }) {
        const { principal } = access as { principal: MemberPrincipal };
        return { body: await me(principal.memberId, principal.email) };
      },
    }),
    route({
      method: 'put',
      operationId: 'changePassword',
      path: '/v1/me/password',
      summary: 'Change the password (signs out every session)',
      tags: ['session'],
      access: { kind: 'member' },
      body: z.object({ currentPassword: z.string().min(1).max(1024), newPassword: password }),
      responses: { 204: { description: 'changed' } },
      async handle({ access, body }) {
        const { principal } = access as { principal: MemberPrincipal };
        const member = await accounts.findMemberById(principal.memberId);
        if (!member || !(await auth.passwords.verify(body.currentPassword, member.passwordHash))) throw HttpError.forbidden('the current password is wrong');
        await accounts.setPassword(member.id, await auth.passwords.hash(body.newPassword));
        await accounts.deleteSessionsOf(member.id);
        auth.forgetMember(member.id);
        return { status: 204 };
      },
    }),
  ];
}
