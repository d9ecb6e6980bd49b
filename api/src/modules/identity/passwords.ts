import { randomBytes } from 'node:crypto';
import argon2 from 'argon2';
import { z } from 'zod';
import type { Config } from '../../config.js';

/**
 * Password length bounds. NIST SP 800-63B §5.1.1.2 asks for at least 8 characters and
 * support for at least 64; the practice policy raises the minimum to 12. The maximum
 * bounds the work an unauthenticated caller can make argon2 do per request.
 */
export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 128;

/** Validates a new password against the policy (zod, so errors become a 400). */
export const newPasswordSchema = z
  .string()
  .min(PASSWORD_MIN_LENGTH, `must be at least ${PASSWORD_MIN_LENGTH} characters`)
  .max(PASSWORD_MAX_LENGTH, `must be at most ${PASSWORD_MAX_LENGTH} characters`);

/**
 * A presented (login) password: only bounded, not policy-checked, so a password set under
 * an older policy still works and the reply never says which rule a guess broke.
 */
export const presentedPasswordSchema = z.string().min(1).max(PASSWORD_MAX_LENGTH);

type HashProfile = Config['PASSWORD_HASH_PROFILE'];

/**
 * argon2id parameters (RFC 9106 §3.1: argon2id is the variant to use for passwords).
 * `owasp` is the OWASP Password Storage Cheat Sheet's first configuration: m = 19 MiB,
 * t = 2, p = 1 — well above its floor and affordable on small 2-core hosts, unlike RFC 9106
 * §4's 2 GiB first recommendation. `test_minimum` exists only so test suites that create
 * hundreds of users stay fast; config refuses it when NODE_ENV=production. Verification
 * reads the parameters from the stored PHC string, so hashes made under either profile
 * keep verifying.
 */
const PROFILES: Record<HashProfile, { memoryCost: number; timeCost: number; parallelism: number }> = {
  owasp: { memoryCost: 19_456, timeCost: 2, parallelism: 1 },
  test_minimum: { memoryCost: 1_024, timeCost: 1, parallelism: 1 },
};

/** Argon2 version 1.3 (0x13), the version RFC 9106 specifies. */
const ARGON2_VERSION = 0x13;

/** Salt length in bytes: RFC 9106 §3.1 recommends 128 bits. */
const SALT_BYTES = 16;
/** Tag length in bytes: RFC 9106 §4 uses a 256-bit tag. */
const HASH_BYTES = 32;

/** Hashes and verifies passwords with the configured argon2id profile. */
export class PasswordHasher {
  #dummyHash: Promise<string> | undefined;

  constructor(private readonly profile: HashProfile) {}

  /** Returns a PHC-format argon2id string (parameters, salt and tag). */
  async hash(password: string): Promise<string> {
    return argon2.hash(password, {
      type: argon2.argon2id,
      ...PROFILES[this.profile],
      hashLength: HASH_BYTES,
      salt: randomBytes(SALT_BYTES),
    });
  }

  /** Constant-time comparison is argon2's; a malformed stored hash counts as a mismatch. */
  async verify(storedHash: string, password: string): Promise<boolean> {
    try {
      return await argon2.verify(storedHash, password);
    } catch {
      return false;
    }
  }

  /**
   * Whether a stored hash was made with other parameters than the production profile
   * (older, weaker settings): login then re-hashes the just-verified password. Under the
   * test profile nothing is "upgraded" downwards.
   */
  needsRehash(storedHash: string): boolean {
    if (this.profile !== 'owasp') return false;
    try {
      return argon2.needsRehash(storedHash, { ...PROFILES.owasp, version: ARGON2_VERSION });
    } catch {
      return false;
    }
  }

  /**
   * Spends the same time as a real verification when the account does not exist, so
   * response timing does not reveal which emails are registered.
   */
  async verifyAgainstDummy(password: string): Promise<void> {
    this.#dummyHash ??= this.hash(randomBytes(18).toString('base64url'));
    await this.verify(await this.#dummyHash, password);
  }
}
