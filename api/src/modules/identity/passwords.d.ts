import { z } from 'zod';
import type { Config } from '../../config.js';
/**
 * Password length bounds. NIST SP 800-63B §5.1.1.2 asks for at least 8 characters and
 * support for at least 64; the practice policy raises the minimum to 12. The maximum
 * bounds the work an unauthenticated caller can make argon2 do per request.
 */
export declare const PASSWORD_MIN_LENGTH = 12;
export declare const PASSWORD_MAX_LENGTH = 128;
/** Validates a new password against the policy (zod, so errors become a 400). */
export declare const newPasswordSchema: z.ZodString;
/**
 * A presented (login) password: only bounded, not policy-checked, so a password set under
 * an older policy still works and the reply never says which rule a guess broke.
 */
export declare const presentedPasswordSchema: z.ZodString;
type HashProfile = Config['PASSWORD_HASH_PROFILE'];
/** Hashes and verifies passwords with the configured argon2id profile. */
export declare class PasswordHasher {
    #private;
    private readonly profile;
    constructor(profile: HashProfile);
    /** Returns a PHC-format argon2id string (parameters, salt and tag). */
    hash(password: string): Promise<string>;
    /** Constant-time comparison is argon2's; a malformed stored hash counts as a mismatch. */
    verify(storedHash: string, password: string): Promise<boolean>;
    /**
     * Whether a stored hash was made with other parameters than the production profile
     * (older, weaker settings): login then re-hashes the just-verified password. Under the
     * test profile nothing is "upgraded" downwards.
     */
    needsRehash(storedHash: string): boolean;
    /**
     * Spends the same time as a real verification when the account does not exist, so
     * response timing does not reveal which emails are registered.
     */
    verifyAgainstDummy(password: string): Promise<void>;
}
export {};
