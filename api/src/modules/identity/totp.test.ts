import { generateTotpSecret, totpCodeAt, totpUri, verifyTotp } from './totp.js';

/** RFC 6238 Appendix B: SHA-1 seed "12345678901234567890" (base32 below), last 6 of 8 digits. */
const RFC6238_SECRET = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';
const RFC6238_VECTORS: [number, string][] = [
  [59, '287082'],
  [1111111109, '081804'],
  [1111111111, '050471'],
  [1234567890, '005924'],
  [2000000000, '279037'],
];

describe('TOTP (RFC 6238)', () => {
  it.each(RFC6238_VECTORS)('matches the RFC test vector at T=%i', (seconds, code) => {
    expect(totpCodeAt(RFC6238_SECRET, seconds * 1000)).toBe(code);
    expect(verifyTotp(RFC6238_SECRET, code, null, seconds * 1000)).toBe(Math.floor(seconds / 30));
  });

  it('accepts one step of drift either way, not two', () => {
    const now = 1_700_000_000_000;
    const secret = generateTotpSecret();
    expect(verifyTotp(secret, totpCodeAt(secret, now - 30_000), null, now)).not.toBeNull();
    expect(verifyTotp(secret, totpCodeAt(secret, now + 30_000), null, now)).not.toBeNull();
    expect(verifyTotp(secret, totpCodeAt(secret, now - 60_000), null, now)).toBeNull();
    expect(verifyTotp(secret, totpCodeAt(secret, now + 60_000), null, now)).toBeNull();
  });

  it('refuses a code whose step was already used, and earlier steps', () => {
    const now = 1_700_000_000_000;
    const secret = generateTotpSecret();
    const code = totpCodeAt(secret, now);
    const step = verifyTotp(secret, code, null, now);
    expect(step).not.toBeNull();
    expect(verifyTotp(secret, code, step, now)).toBeNull();
    expect(verifyTotp(secret, totpCodeAt(secret, now - 30_000), step, now)).toBeNull();
    expect(verifyTotp(secret, totpCodeAt(secret, now + 30_000), step, now)).toBe((step ?? 0) + 1);
  });

  it('makes 160-bit secrets and an otpauth URI without the account email', () => {
    const secret = generateTotpSecret();
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    const uri = totpUri(secret, 'user-123');
    expect(uri).toContain('otpauth://totp/');
    expect(uri).toContain(`secret=${secret}`);
    expect(uri).toContain('algorithm=SHA1');
    expect(uri).toContain('digits=6');
    expect(uri).toContain('period=30');
  });
});
