import fc from 'fast-check';
import { createPasswordHasher, hashPassword, needsRehash, verifyPassword } from './passwords';
import { hashSecret, newReadKeySecret, secretMatches } from './secrets';

describe('passwords (scrypt)', () => {
  it('verifies the right password only, with a fresh salt each time', async () => {
    const a = await hashPassword('correct horse battery', 1024);
    const b = await hashPassword('correct horse battery', 1024);
    expect(a).not.toBe(b);
    expect(a).toMatch(/^scrypt\$1024\$8\$1\$/);
    expect(await verifyPassword('correct horse battery', a)).toBe(true);
    expect(await verifyPassword('correct horse batterY', a)).toBe(false);
  });

  it('never verifies against a malformed or foreign hash', async () => {
    for (const stored of ['', 'plain', 'scrypt$1024$8$1$c2FsdA$', 'bcrypt$2b$10$abc', 'scrypt$0$8$1$c2FsdA$aGFzaA']) expect(await verifyPassword('x', stored)).toBe(false);
  });

  it('round-trips any password (NFKC-normalised)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ minLength: 1, maxLength: 40 }), async (password) => (await verifyPassword(password, await hashPassword(password, 1024))) === true),
      { numRuns: 15 },
    );
    expect(await verifyPassword('ﬁ', await hashPassword('fi', 1024))).toBe(true);
  });
});

describe('password hasher admission', () => {
  it('finding 2: runs `concurrency` hashes, queues `queue` more and refuses the rest at once with 503', async () => {
    const hasher = createPasswordHasher({ cost: 1024, concurrency: 1, queue: 2 });
    const settled = await Promise.allSettled(Array.from({ length: 6 }, () => hasher.hash('password 1234')));
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'rejected', 'rejected', 'rejected']);
    expect((settled[3] as PromiseRejectedResult).reason).toMatchObject({ status: 503, headers: { 'Retry-After': '1' } });
    // The slots are all free again.
    expect(await Promise.all([hasher.hash('a password'), hasher.hash('a password'), hasher.hash('a password')])).toHaveLength(3);
  });

  it('finding 2: hashes with a lower cost than configured are flagged for a re-hash', async () => {
    expect(needsRehash(await hashPassword('x', 1024), 2048)).toBe(true);
    expect(needsRehash(await hashPassword('x', 2048), 2048)).toBe(false);
  });
});

describe('read key secrets', () => {
  it('are 256-bit random and matched by their SHA-256 only', () => {
    const secret = newReadKeySecret();
    expect(secret).toMatch(/^rk_[A-Za-z0-9_-]{43}$/);
    expect(secretMatches(secret, hashSecret(secret))).toBe(true);
    expect(secretMatches(`${secret}x`, hashSecret(secret))).toBe(false);
    expect(secretMatches(secret, 'not hex')).toBe(false);
  });
});
