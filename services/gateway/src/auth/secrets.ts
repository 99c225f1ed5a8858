import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** Public write key: goes into web pages, so it only needs to be unguessable enough to not collide. */
export function newWriteKey(): string {
  return `wk_${randomBytes(18).toString('base64url')}`;
}

/** Secret read key: 256 random bits, shown once; only its SHA-256 is stored. */
export function newReadKeySecret(): string {
  return `rk_${randomBytes(32).toString('base64url')}`;
}

/** Session cookie token, stored the same way as read keys. */
export function newSessionToken(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * SHA-256 is right for high-entropy secrets: a slow hash only helps against guessing
 * low-entropy passwords, and a 256-bit secret cannot be guessed.
 */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

export function secretMatches(secret: string, storedHash: string): boolean {
  const a = Buffer.from(hashSecret(secret), 'hex');
  const b = Buffer.from(storedHash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}

export function newId(prefix: string): string {
  return `${prefix}_${randomBytes(10).toString('hex')}`;
}

export function keyPrefix(secret: string): string {
  return secret.slice(0, 8);
}
