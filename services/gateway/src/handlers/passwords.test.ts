import fc from 'fast-check';
import { hashPassword, verifyPassword } from './passwords';
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

describe('read key secrets', () => {
  it('are 256-bit random and matched by their SHA-256 only', () => {
    const secret = newReadKeySecret();
    expect(secret).toMatch(/^rk_[A-Za-z0-9_-]{43}$/);
    expect(secretMatches(secret, hashSecret(secret))).toBe(true);
    expect(secretMatches(`${secret}x`, hashSecret(secret))).toBe(false);
    expect(secretMatches(secret, 'not hex')).toBe(false);
  });
});
