import type { RequestContext } from '../../http/requestContext.js';
import type { KeyRing } from '../../crypto/keyRing.js';
import type { ApiServices } from '../../services.js';
import type { TokenPair } from './accessTokens.js';
import type { PasswordHasher } from './passwords.js';
/** What the identity services need besides the request. */
export interface IdentityDeps {
    services: ApiServices;
    passwords: PasswordHasher;
    /** KEKs that wrap the data keys sealing TOTP secrets. */
    keyRing: KeyRing;
}
export interface LoginInput {
    practice: string;
    email: string;
    password: string;
    totpCode?: string | undefined;
}
/** Staff who still have to enrol TOTP get only this: it opens the enrolment endpoints, nothing else. */
export interface MfaEnrolmentRequired {
    status: 'mfa_enrolment_required';
    enrolmentToken: string;
    expiresIn: number;
}
/**
 * Password (argon2id) then, for staff, TOTP. Unknown practice, unknown email, disabled
 * account and wrong password all answer the same 401 after the same argon2 work, so
 * neither the reply nor its timing tells which emails exist. Every outcome inside a
 * practice is audited in the transaction that decided it.
 */
export declare function login(deps: IdentityDeps, context: RequestContext, input: LoginInput): Promise<TokenPair | MfaEnrolmentRequired>;
/** Enrolment secret as shown once to the user (QR code / manual entry). */
export interface MfaEnrolment {
    secret: string;
    otpauthUri: string;
}
/**
 * Step 1 of TOTP enrolment: a new shared secret, returned only while enrolment is
 * unconfirmed. Once confirmed, the secret is never returned again.
 */
export declare function startMfaEnrolment(deps: IdentityDeps, context: RequestContext, enrolmentToken: string): Promise<MfaEnrolment>;
/** Step 2: a correct code from the new authenticator turns MFA on and signs the user in. */
export declare function confirmMfaEnrolment(deps: IdentityDeps, context: RequestContext, input: {
    enrolmentToken: string;
    totpCode: string;
}): Promise<TokenPair>;
