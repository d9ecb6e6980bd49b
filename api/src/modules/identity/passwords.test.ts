import { PasswordHasher, newPasswordSchema } from './passwords.js';

describe('argon2id password hashing', () => {
  it('produces argon2id PHC strings with the configured parameters', async () => {
    const owasp = await new PasswordHasher('owasp').hash('correct horse battery staple');
    expect(owasp).toMatch(/^\$argon2id\$v=19\$/);
    expect(owasp.split('$')[3]?.split(',').sort()).toEqual(['m=19456', 'p=1', 't=2']);
    const fast = await new PasswordHasher('test_minimum').hash('correct horse battery staple');
    expect(fast.split('$')[3]?.split(',').sort()).toEqual(['m=1024', 'p=1', 't=1']);
  });

  it('verifies the right password only, and treats a malformed hash as a mismatch', async () => {
    const hasher = new PasswordHasher('test_minimum');
    const stored = await hasher.hash('correct horse battery staple');
    expect(await hasher.verify(stored, 'correct horse battery staple')).toBe(true);
    expect(await hasher.verify(stored, 'correct horse battery stapler')).toBe(false);
    expect(await hasher.verify('not-a-hash', 'anything')).toBe(false);
    await expect(hasher.verifyAgainstDummy('anything')).resolves.toBeUndefined();
  });

  it('asks to re-hash weaker hashes under the production profile only', async () => {
    const weak = await new PasswordHasher('test_minimum').hash('correct horse battery staple');
    const strong = await new PasswordHasher('owasp').hash('correct horse battery staple');
    expect(new PasswordHasher('owasp').needsRehash(weak)).toBe(true);
    expect(new PasswordHasher('owasp').needsRehash(strong)).toBe(false);
    expect(new PasswordHasher('test_minimum').needsRehash(strong)).toBe(false);
  });

  it('salts every hash', async () => {
    const hasher = new PasswordHasher('test_minimum');
    expect(await hasher.hash('same password here')).not.toBe(await hasher.hash('same password here'));
  });

  it('enforces 12..128 characters for new passwords', () => {
    expect(newPasswordSchema.safeParse('a'.repeat(11)).success).toBe(false);
    expect(newPasswordSchema.safeParse('a'.repeat(12)).success).toBe(true);
    expect(newPasswordSchema.safeParse('a'.repeat(128)).success).toBe(true);
    expect(newPasswordSchema.safeParse('a'.repeat(129)).success).toBe(false);
  });
});
