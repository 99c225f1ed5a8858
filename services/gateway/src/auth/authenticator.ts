import type { Request } from 'express';
import { parse as parseCookie } from 'cookie';
import { clientIp, HttpError, trustedProxyList } from '@sightline/http';
import { createFixedRateLimiter } from '@sightline/rate-limit';
import { hashSecret, secretMatches } from './secrets';
import { createPasswordHasher, dummyHash, needsRehash } from './passwords';
import type { AccountStore } from '../stores/accounts.store';
import type { ProjectStore } from '../stores/projects.store';

export const SESSION_COOKIE = 'sightline_session';

export type Principal =
  | { kind: 'anonymous' }
  | { kind: 'member'; memberId: string; email: string }
  | { kind: 'key'; keyId: string; projectId: string };

export interface AuthenticatorOptions {
  accounts: AccountStore;
  projects: ProjectStore;
  scryptCost: number;
  /** scrypt hashes at once, and how many may wait for one (see createPasswordHasher). */
  scryptConcurrency: number;
  scryptQueue: number;
  credentialCacheSeconds: number;
  loginAttemptsPerMinute: number;
  /** Anonymous attempts that cost a password hash (sign-in, sign-up, Basic not yet verified) per IP. */
  anonymousAttemptsPerIpPerMinute: number;
  /** Reverse proxies whose X-Forwarded-For names the client (TRUSTED_PROXIES). */
  trustedProxies: readonly string[];
}

/** Who is calling: a read key (Bearer, or `?key=` where a seed API needs it), a member (Basic or session cookie), or nobody. */
export function createAuthenticator(options: AuthenticatorOptions) {
  const verified = new Map<string, { memberId: string; email: string; expiresAt: number }>();
  const failedLogins = createFixedRateLimiter(options.loginAttemptsPerMinute / 60, options.loginAttemptsPerMinute);
  const perIp = createFixedRateLimiter(options.anonymousAttemptsPerIpPerMinute / 60, options.anonymousAttemptsPerIpPerMinute);
  const passwords = createPasswordHasher({ cost: options.scryptCost, concurrency: options.scryptConcurrency, queue: options.scryptQueue });
  let unknownEmailHash: Promise<string> | undefined;
  const trusted = trustedProxyList(options.trustedProxies);
  /** The client's address: the peer, or behind trusted proxies the hop they saw. */
  const ipOf = (req: Request) => clientIp(req.socket.remoteAddress, req.headers['x-forwarded-for'], trusted) ?? 'unknown';

  /** Spends one of the IP's anonymous attempts, or throws 429. */
  function admitAnonymous(ip: string) {
    const wait = perIp.take(ip);
    if (wait > 0) throw HttpError.tooManyRequests(wait);
  }

  /**
   * Checks email + password. The lockout is consulted first: once an email has spent its failed
   * attempts, every attempt for it is a 429 until the bucket refills, even with the right password
   * (otherwise the throttle only slows guessing down and a hit still signs in). Unknown emails cost
   * as much as known ones.
   */
  async function checkPassword(email: string, password: string, ip: string): Promise<{ memberId: string; email: string }> {
    const normalized = email.trim().toLowerCase();
    const locked = failedLogins.wait(normalized);
    if (locked > 0) throw HttpError.tooManyRequests(locked);
    const cacheKey = hashSecret(`${normalized}\u0000${password}`);
    const cached = verified.get(cacheKey);
    if (cached && cached.expiresAt > Date.now()) return cached;
    admitAnonymous(ip);
    const member = await options.accounts.findMemberByEmail(normalized);
    unknownEmailHash ??= dummyHash(options.scryptCost);
    const ok = await passwords.verify(password, member?.passwordHash ?? (await unknownEmailHash));
    if (!member || !ok) {
      failedLogins.take(normalized);
      throw HttpError.unauthorized('invalid email or password');
    }
    if (needsRehash(member.passwordHash, options.scryptCost)) await options.accounts.setPassword(member.id, await passwords.hash(password));
    const identity = { memberId: member.id, email: member.email };
    if (options.credentialCacheSeconds > 0) {
      if (verified.size > 10_000) verified.clear();
      verified.set(cacheKey, { ...identity, expiresAt: Date.now() + options.credentialCacheSeconds * 1000 });
    }
    return identity;
  }

  async function fromReadKey(secret: string): Promise<Principal> {
    const key = await options.projects.findActiveReadKey(hashSecret(secret));
    // Found by its hash; the constant-time check guards against any looser match in the lookup.
    if (!key || !secretMatches(secret, key.secretHash)) throw HttpError.unauthorized('invalid or revoked key');
    return { kind: 'key', keyId: key.id, projectId: key.projectId };
  }

  return {
    checkPassword,
    admitAnonymous,
    clientIp: ipOf,
    /** scrypt through the bounded queue, for every hash a request computes. */
    passwords,
    /** Forgets cached credentials of a member whose password changed. */
    forgetMember(memberId: string) {
      for (const [k, v] of verified) if (v.memberId === memberId) verified.delete(k);
    },
    async identify(req: Request, allowQueryKey = false): Promise<Principal> {
      const header = req.headers.authorization;
      if (header) {
        const [scheme, value = ''] = header.split(' ', 2);
        if (/^bearer$/i.test(scheme)) return fromReadKey(value.trim());
        if (/^basic$/i.test(scheme)) {
          const decoded = Buffer.from(value, 'base64').toString('utf8');
          const colon = decoded.indexOf(':');
          if (colon < 1) throw HttpError.unauthorized('malformed Basic credentials');
          return { kind: 'member', ...(await checkPassword(decoded.slice(0, colon), decoded.slice(colon + 1), ipOf(req))) };
        }
        throw HttpError.unauthorized('unsupported Authorization scheme; use Bearer <read key> or Basic');
      }
      if (allowQueryKey && typeof req.query.key === 'string') return fromReadKey(req.query.key);
      const token = req.headers.cookie ? parseCookie(req.headers.cookie)[SESSION_COOKIE] : undefined;
      if (token) {
        const session = await options.accounts.findSession(hashSecret(token));
        if (session) return { kind: 'member', memberId: session.member.id, email: session.member.email };
      }
      return { kind: 'anonymous' };
    },
  };
}
export type Authenticator = ReturnType<typeof createAuthenticator>;
