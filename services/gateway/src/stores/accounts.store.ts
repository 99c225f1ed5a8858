import { HttpError } from '@sightline/http';
import { newId } from '../auth/secrets';
import { slugify, withSuffix } from '../domain/slug';
import { createTtlCache } from '../auth/ttl-cache';
import { isMissingRecord, isUniqueViolation, uniqueTarget, type Db } from './prisma';

export const ROLES = ['viewer', 'analyst', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export function roleAtLeast(role: Role, needed: Role): boolean {
  return ROLES.indexOf(role) >= ROLES.indexOf(needed);
}

const conflict = (message: string) => new HttpError(409, 'conflict', message);

/**
 * `lookupCacheMs`: roles are remembered this long for the per-request access checks; changes
 * made through this process forget them at once, other instances see them within that time.
 */
export function createAccountStore(db: Db, lookupCacheMs = 0) {
  const roles = createTtlCache<Role | null>(lookupCacheMs);
  // Signed-in sessions by token hash, for the same time: a sign-out through this process forgets
  // its session at once, through another instance within lookupCacheMs (< 2 s, like read keys).
  const sessions = createTtlCache<{ expiresAt: Date; member: { id: string; email: string } } | null>(lookupCacheMs);
  return {
    /** A new account with its first member as admin; the slug gets a suffix when the plain one is taken. */
    async createAccountWithAdmin(input: { name: string; email: string; passwordHash: string }) {
      for (let attempt = 0; ; attempt++) {
        const slug = attempt === 0 ? slugify(input.name, 'account') : withSuffix(slugify(input.name, 'account'));
        try {
          return await db.$transaction(async (tx) => {
            const account = await tx.account.create({ data: { id: newId('acc'), name: input.name, slug } });
            const member = await tx.member.create({ data: { id: newId('mem'), email: input.email, passwordHash: input.passwordHash } });
            await tx.membership.create({ data: { accountId: account.id, memberId: member.id, role: 'admin' } });
            return { account, member };
          });
        } catch (err) {
          if (!isUniqueViolation(err)) throw err;
          if (uniqueTarget(err).includes('email')) throw new HttpError(409, 'conflict', 'an account with this email already exists', [{ path: 'email', reason: 'already registered' }]);
          if (attempt >= 5) throw conflict('could not find a free account slug');
        }
      }
    },
    findMemberByEmail: (email: string) => db.member.findUnique({ where: { email } }),
    findMemberById: (id: string) => db.member.findUnique({ where: { id } }),
    roleIn(accountId: string, memberId: string): Promise<Role | null> {
      return roles.get(`${accountId}\u0000${memberId}`, async () => {
        const row = await db.membership.findUnique({ where: { accountId_memberId: { accountId, memberId } } });
        return (row?.role as Role | undefined) ?? null;
      });
    },
    /** The member's accounts; one deleted between Prisma's two queries (memberships, then accounts) is left out. */
    async listAccountsOf(memberId: string) {
      const rows = await db.membership.findMany({ where: { memberId }, include: { account: true }, orderBy: { createdAt: 'asc' } });
      return rows.filter((r): r is typeof r & { account: NonNullable<typeof r.account> } => r.account !== null);
    },
    getAccount: (id: string) => db.account.findUnique({ where: { id } }),
    getAccountBySlug: (slug: string) => db.account.findUnique({ where: { slug } }),
    async renameAccount(id: string, name: string) {
      try {
        return await db.account.update({ where: { id }, data: { name } });
      } catch (err) {
        if (isMissingRecord(err)) throw HttpError.notFound('account not found');
        throw err;
      }
    },
    listMembers: (accountId: string) => db.membership.findMany({ where: { accountId }, include: { member: true }, orderBy: { createdAt: 'asc' } }),
    /** Adds a person to an account: an existing member by email, or a new one with the given password hash. */
    async addMember(accountId: string, input: { email: string; role: Role; passwordHash?: string }) {
      const existing = await db.member.findUnique({ where: { email: input.email } });
      if (!existing && !input.passwordHash) throw HttpError.badRequest('password is required for a new member', [{ path: 'password', reason: 'required for a new member' }]);
      try {
        return await db.$transaction(async (tx) => {
          const member = existing ?? (await tx.member.create({ data: { id: newId('mem'), email: input.email, passwordHash: input.passwordHash! } }));
          await tx.membership.create({ data: { accountId, memberId: member.id, role: input.role } });
          return { member, role: input.role };
        });
      } catch (err) {
        if (isUniqueViolation(err)) throw conflict('this person is already a member of the account');
        throw err;
      }
    },
    /** Changes a role or removes a member, refusing to leave the account without an admin. */
    async changeMembership(accountId: string, memberId: string, role: Role | null) {
      try {
        return await db.$transaction(async (tx) => {
          const current = await tx.membership.findUnique({ where: { accountId_memberId: { accountId, memberId } } });
          if (!current) throw HttpError.notFound('member not found');
          if (current.role === 'admin' && role !== 'admin') {
            const admins = await tx.membership.count({ where: { accountId, role: 'admin' } });
            if (admins <= 1) throw conflict('an account needs at least one admin');
          }
          if (role === null) await tx.membership.delete({ where: { accountId_memberId: { accountId, memberId } } });
          else await tx.membership.update({ where: { accountId_memberId: { accountId, memberId } }, data: { role } });
        });
      } finally {
        roles.delete(`${accountId}\u0000${memberId}`);
      }
    },
    setPassword: (memberId: string, passwordHash: string) => db.member.update({ where: { id: memberId }, data: { passwordHash } }),
    createSession: (tokenHash: string, memberId: string, expiresAt: Date) => db.session.create({ data: { tokenHash, memberId, expiresAt } }),
    async findSession(tokenHash: string): Promise<{ expiresAt: Date; member: { id: string; email: string } } | null> {
      const session = await sessions.get(tokenHash, async () => {
        const row = await db.session.findFirst({ where: { tokenHash, expiresAt: { gt: new Date() } }, include: { member: true } });
        return row ? { expiresAt: row.expiresAt, member: { id: row.member.id, email: row.member.email } } : null;
      });
      return session && session.expiresAt.getTime() > Date.now() ? session : null;
    },
    async deleteSession(tokenHash: string) {
      try {
        return await db.session.deleteMany({ where: { tokenHash } });
      } finally {
        sessions.delete(tokenHash);
      }
    },
    async deleteSessionsOf(memberId: string) {
      try {
        return await db.session.deleteMany({ where: { memberId } });
      } finally {
        sessions.clear();
      }
    },
  };
}
export type AccountStore = ReturnType<typeof createAccountStore>;
