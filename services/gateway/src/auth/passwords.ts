import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { HttpError } from '@sightline/http';

// Node's built-in scrypt (OpenSSL's implementation): memory-hard, no native add-on to build or
// download, and nothing hand-rolled. Stored as `scrypt$N$r$p$salt$hash` so the cost can be
// raised later without breaking existing hashes.
const KEY_LENGTH = 32;
const BLOCK_SIZE = 8;
const PARALLELISM = 1;
/** OWASP's minimum for scrypt (N=2^17, r=8, p=1): 128 MiB and a few hundred ms per hash. */
export const DEFAULT_SCRYPT_COST = 2 ** 17;
/** A stored hash never asks for more than this (1 GiB of memory at r=8). */
const MAX_COST = 2 ** 20;

function derive(password: string, salt: Buffer, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFKC'), salt, KEY_LENGTH, { ...options, maxmem: 256 * options.N! * options.r! }, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

export async function hashPassword(password: string, cost = DEFAULT_SCRYPT_COST): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, { N: cost, r: BLOCK_SIZE, p: PARALLELISM });
  return ['scrypt', cost, BLOCK_SIZE, PARALLELISM, salt.toString('base64url'), key.toString('base64url')].join('$');
}

/** Constant-time comparison of the derived key; a malformed stored hash never verifies. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [N, r, p] = parts.slice(1, 4).map(Number);
  const salt = Buffer.from(parts[4], 'base64url');
  const expected = Buffer.from(parts[5], 'base64url');
  if (!N || !r || !p || N > MAX_COST || r > 32 || p > 16 || expected.length !== KEY_LENGTH) return false;
  const actual = await derive(password, salt, { N, r, p });
  return timingSafeEqual(actual, expected);
}

/** True when a stored hash was made with a lower cost than `cost` (re-hash it at the next sign-in). */
export function needsRehash(stored: string, cost: number): boolean {
  const [scheme, n] = stored.split('$');
  return scheme === 'scrypt' && Number(n) < cost;
}

/** A hash to verify against when the email is unknown, so the reply takes as long as for a known one. */
export async function dummyHash(cost: number): Promise<string> {
  return hashPassword(randomBytes(12).toString('hex'), cost);
}

export interface PasswordHasherOptions {
  cost: number;
  /** Hashes computed at once; each holds one of libuv's (default 4) pool threads and 128·N·r bytes. */
  concurrency: number;
  /** Hashes allowed to wait for a slot; one more is refused at once with 503. */
  queue: number;
}

/**
 * scrypt behind a small bounded queue: a flood of sign-ins can take `concurrency` pool threads
 * and `queue` waiting places, never every thread of libuv's pool (which file, DNS and zlib work
 * share), and never an unbounded backlog of memory-hard work. Over the bound: 503, at once.
 */
export function createPasswordHasher(options: PasswordHasherOptions) {
  let running = 0;
  const waiting: Array<() => void> = [];

  async function admitted<T>(work: () => Promise<T>): Promise<T> {
    if (running >= options.concurrency) {
      if (waiting.length >= options.queue) throw HttpError.unavailable('too many sign-ins in progress; retry shortly', 1);
      await new Promise<void>((resolve) => waiting.push(resolve));
    } else running++;
    try {
      return await work();
    } finally {
      // The slot passes straight to the next waiter, so `running` never over-counts.
      const next = waiting.shift();
      if (next) next();
      else running--;
    }
  }

  return {
    cost: options.cost,
    hash: (password: string) => admitted(() => hashPassword(password, options.cost)),
    verify: (password: string, stored: string) => admitted(() => verifyPassword(password, stored)),
  };
}
export type PasswordHasher = ReturnType<typeof createPasswordHasher>;
