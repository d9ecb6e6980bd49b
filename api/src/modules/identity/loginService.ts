import { STAFF_ROLES, roleSchema } from '@medspa/shared-types';
import type { Role } from '@medspa/shared-types';
import type { EntityManager } from 'typeorm';
import { z } from 'zod';
import { recordAudit } from '../../audit/auditWriter.js';
import { withTenant } from '../../db/tenantTransaction.js';
import { AppError, conflict, unauthorized } from '../../errors.js';
import type { RequestContext } from '../../http/requestContext.js';
import type { KeyRing } from '../../crypto/keyRing.js';
import type { ApiServices } from '../../services.js';
import { tokenPairFor } from './accessTokens.js';
import type { TokenPair } from './accessTokens.js';
import type { PasswordHasher } from './passwords.js';
import { findPracticeIdBySlug } from './practices.js';
import { issueRecoveryCodes, useRecoveryCode } from './recoveryCodes.js';
import { createSession } from './sessions.js';
import { TOKEN_AUDIENCES } from '../../auth/tokens.js';
import { generateTotpSecret, totpUri, verifyTotp } from './totp.js';
import { SEALED_TOTP_COLUMNS, loadTotpSecret, storeTotpSecret } from './totpSecrets.js';

/** Lifetime of the enrolment-only token a staff member gets before TOTP is set up. */
const MFA_ENROLMENT_TOKEN_TTL_SECONDS = 10 * 60;

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
  /** A one-time recovery code, instead of the TOTP code (lost phone). Already normalized. */
  recoveryCode?: string | undefined;
}

/** Staff who still have to enrol TOTP get only this: it opens the enrolment endpoints, nothing else. */
export interface MfaEnrolmentRequired {
  status: 'mfa_enrolment_required';
  enrolmentToken: string;
  expiresIn: number;
}

const loginUserRow = z.object({
  id: z.string(),
  role: roleSchema,
  // NULL for an invited user who has not chosen a password yet.
  password_hash: z.string().nullable(),
  totp_data_key_id: z.string().nullable(),
  totp_secret_iv: z.instanceof(Buffer).nullable(),
  totp_secret_ciphertext: z.instanceof(Buffer).nullable(),
  totp_secret_tag: z.instanceof(Buffer).nullable(),
  totp_enabled: z.boolean(),
  totp_last_step: z.coerce.number().nullable(),
  disabled: z.boolean(),
  locked: z.boolean(),
});
type LoginUserRow = z.infer<typeof loginUserRow>;

const invalidCredentials = (): AppError => unauthorized('invalid_credentials', 'Email or password is incorrect');
const accountLocked = (): AppError =>
  new AppError(423, 'account_locked', 'Too many failed sign-ins; try again later');

/** Row-locks the user so concurrent attempts on one account count failures exactly. */
async function lockUserByEmail(manager: EntityManager, email: string): Promise<LoginUserRow | null> {
  const rows = await manager.query<unknown[]>(
    `SELECT id, role, password_hash, ${SEALED_TOTP_COLUMNS}, totp_enabled_at IS NOT NULL AS totp_enabled, totp_last_step,
            disabled_at IS NOT NULL AS disabled, COALESCE(locked_until > now(), false) AS locked
       FROM users WHERE lower(email) = lower($1) FOR UPDATE`,
    [email],
  );
  return rows.length === 0 ? null : loginUserRow.parse(rows[0]);
}

async function lockUserById(manager: EntityManager, userId: string): Promise<LoginUserRow | null> {
  const rows = await manager.query<unknown[]>(
    `SELECT id, role, password_hash, ${SEALED_TOTP_COLUMNS}, totp_enabled_at IS NOT NULL AS totp_enabled, totp_last_step,
            disabled_at IS NOT NULL AS disabled, COALESCE(locked_until > now(), false) AS locked
       FROM users WHERE id = $1 FOR UPDATE`,
    [userId],
  );
  return rows.length === 0 ? null : loginUserRow.parse(rows[0]);
}

type FailureResult = { kind: 'invalid' } | { kind: 'locked' } | { kind: 'invalid_totp' } | { kind: 'invalid_recovery_code' };

/**
 * Counts a failed attempt; at LOGIN_MAX_FAILURES the account locks for
 * LOGIN_LOCKOUT_SECONDS (NIST SP 800-63B §5.2.2 rate limiting) and the lockout is audited.
 */
async function registerFailure(
  manager: EntityManager,
  context: RequestContext,
  deps: IdentityDeps,
  practiceId: string,
  user: LoginUserRow,
  reason: 'invalid' | 'invalid_totp' | 'invalid_recovery_code',
): Promise<FailureResult> {
  const { LOGIN_MAX_FAILURES, LOGIN_LOCKOUT_SECONDS } = deps.services.config;
  const rows = await manager.query<{ locked: boolean }[]>(
    // Wrapped in a CTE so the driver returns plain rows (TypeORM reshapes UPDATE results).
    `WITH counted AS (
       UPDATE users
          SET failed_login_count = CASE WHEN failed_login_count + 1 >= $2 THEN 0 ELSE failed_login_count + 1 END,
              locked_until = CASE WHEN failed_login_count + 1 >= $2 THEN now() + make_interval(secs => $3) ELSE locked_until END
        WHERE id = $1
        RETURNING locked_until)
     SELECT COALESCE(locked_until > now(), false) AS locked FROM counted`,
    [user.id, LOGIN_MAX_FAILURES, LOGIN_LOCKOUT_SECONDS],
  );
  const audit = { entityType: 'user', entityId: user.id, actorUserId: user.id, actorRole: user.role };
  await recordAudit(manager, practiceId, context, { ...audit, action: 'auth.login_failed', outcome: 'failure' });
  if (rows[0]?.locked === true) {
    await recordAudit(manager, practiceId, context, { ...audit, action: 'auth.locked_out', outcome: 'denied' });
    return { kind: 'locked' };
  }
  return { kind: reason };
}

async function openSession(
  manager: EntityManager,
  context: RequestContext,
  deps: IdentityDeps,
  practiceId: string,
  user: { id: string; role: Role },
): Promise<{ sessionId: string; refreshToken: string }> {
  await manager.query(`UPDATE users SET failed_login_count = 0, locked_until = NULL WHERE id = $1`, [user.id]);
  const session = await createSession(manager, context, {
    practiceId,
    userId: user.id,
    absoluteTtlSeconds: deps.services.config.REFRESH_TOKEN_TTL_SECONDS,
  });
  await recordAudit(manager, practiceId, context, {
    action: 'auth.login',
    entityType: 'session',
    entityId: session.sessionId,
    actorUserId: user.id,
    actorRole: user.role,
  });
  return session;
}

const isStaff = (role: Role): boolean => STAFF_ROLES.includes(role);

type LoginResult =
  | FailureResult
  | { kind: 'mfa_required' }
  | { kind: 'mfa_enrolment_required'; userId: string }
  | { kind: 'success'; userId: string; role: Role; sessionId: string; refreshToken: string };

/**
 * Password (argon2id) then, for staff, TOTP. Unknown practice, unknown email, disabled
 * account and wrong password all answer the same 401 after the same argon2 work, so
 * neither the reply nor its timing tells which emails exist. Every outcome inside a
 * practice is audited in the transaction that decided it.
 */
export async function login(deps: IdentityDeps, context: RequestContext, input: LoginInput): Promise<TokenPair | MfaEnrolmentRequired> {
  const { services, passwords } = deps;
  const practiceId = await findPracticeIdBySlug(services.dataSource, input.practice);
  if (practiceId === null) {
    await passwords.verifyAgainstDummy(input.password);
    throw invalidCredentials();
  }
  const result = await withTenant(services.dataSource, practiceId, async (manager): Promise<LoginResult> => {
    const user = await lockUserByEmail(manager, input.email);
    if (user === null) {
      await passwords.verifyAgainstDummy(input.password);
      await recordAudit(manager, practiceId, context, {
        action: 'auth.login_failed',
        outcome: 'failure',
        entityType: 'user',
        actorUserId: null,
        actorRole: null,
      });
      return { kind: 'invalid' };
    }
    if (user.locked) {
      await recordAudit(manager, practiceId, context, {
        action: 'auth.login_failed',
        outcome: 'denied',
        entityType: 'user',
        entityId: user.id,
        actorUserId: user.id,
        actorRole: user.role,
      });
      return { kind: 'locked' };
    }
    if (user.password_hash === null) {
      // Invited, no password yet: same work and answer as a wrong password.
      await passwords.verifyAgainstDummy(input.password);
      return registerFailure(manager, context, deps, practiceId, user, 'invalid');
    }
    const passwordOk = await passwords.verify(user.password_hash, input.password);
    if (!passwordOk || user.disabled) {
      return registerFailure(manager, context, deps, practiceId, user, 'invalid');
    }
    if (passwords.needsRehash(user.password_hash)) {
      await manager.query(`UPDATE users SET password_hash = $2 WHERE id = $1`, [user.id, await passwords.hash(input.password)]);
    }
    if (isStaff(user.role)) {
      const secret = user.totp_enabled ? await loadTotpSecret(manager, deps.keyRing, practiceId, user.id, user) : null;
      if (secret === null) {
        return { kind: 'mfa_enrolment_required', userId: user.id };
      }
      if (input.totpCode === undefined && input.recoveryCode !== undefined) {
        const remaining = await useRecoveryCode(manager, user.id, input.recoveryCode);
        if (remaining === null) {
          return registerFailure(manager, context, deps, practiceId, user, 'invalid_recovery_code');
        }
        await recordAudit(manager, practiceId, context, {
          action: 'auth.recovery_code_used',
          entityType: 'user',
          entityId: user.id,
          actorUserId: user.id,
          actorRole: user.role,
          metadata: { remaining },
        });
        const session = await openSession(manager, context, deps, practiceId, user);
        return { kind: 'success', userId: user.id, role: user.role, ...session };
      }
      if (input.totpCode === undefined) {
        return { kind: 'mfa_required' };
      }
      const step = verifyTotp(secret, input.totpCode, user.totp_last_step);
      if (step === null) {
        return registerFailure(manager, context, deps, practiceId, user, 'invalid_totp');
      }
      await manager.query(`UPDATE users SET totp_last_step = $2 WHERE id = $1`, [user.id, step]);
    }
    const session = await openSession(manager, context, deps, practiceId, user);
    return { kind: 'success', userId: user.id, role: user.role, ...session };
  });

  switch (result.kind) {
    case 'invalid':
      throw invalidCredentials();
    case 'invalid_totp':
      throw unauthorized('invalid_totp', 'Authentication code is incorrect or already used');
    case 'invalid_recovery_code':
      throw invalidRecoveryCode();
    case 'locked':
      throw accountLocked();
    case 'mfa_required':
      throw unauthorized('mfa_required', 'Authentication code required');
    case 'mfa_enrolment_required':
      return enrolmentRequired(services, result.userId, practiceId);
    case 'success':
      return tokenPairFor(
        services.tokens,
        services.config.ACCESS_TOKEN_TTL_SECONDS,
        { userId: result.userId, practiceId, role: result.role, sessionId: result.sessionId },
        result.refreshToken,
      );
  }
}

const invalidRecoveryCode = (): AppError =>
  unauthorized('invalid_recovery_code', 'Recovery code is incorrect or already used');

/** The enrolment-only token a staff member without TOTP gets (sign-in, accepted invite, first-run setup). */
export async function enrolmentRequired(services: ApiServices, userId: string, practiceId: string): Promise<MfaEnrolmentRequired> {
  return {
    status: 'mfa_enrolment_required',
    enrolmentToken: await services.tokens.sign({
      audience: TOKEN_AUDIENCES.mfaEnrolment,
      subject: userId,
      ttlSeconds: MFA_ENROLMENT_TOKEN_TTL_SECONDS,
      claims: { pid: practiceId },
    }),
    expiresIn: MFA_ENROLMENT_TOKEN_TTL_SECONDS,
  };
}

const enrolmentClaims = z.object({ sub: z.uuid(), pid: z.uuid() });

async function enrolmentSubject(deps: IdentityDeps, enrolmentToken: string): Promise<{ userId: string; practiceId: string }> {
  try {
    const claims = enrolmentClaims.parse(await deps.services.tokens.verify(enrolmentToken, TOKEN_AUDIENCES.mfaEnrolment));
    return { userId: claims.sub, practiceId: claims.pid };
  } catch {
    throw unauthorized('token_invalid', 'Enrolment token is invalid or expired');
  }
}

/** Enrolment secret as shown once to the user (QR code / manual entry). */
export interface MfaEnrolment {
  secret: string;
  otpauthUri: string;
}

/**
 * Step 1 of TOTP enrolment: a new shared secret, returned only while enrolment is
 * unconfirmed. Once confirmed, the secret is never returned again.
 */
export async function startMfaEnrolment(deps: IdentityDeps, context: RequestContext, enrolmentToken: string): Promise<MfaEnrolment> {
  const { userId, practiceId } = await enrolmentSubject(deps, enrolmentToken);
  const secret = generateTotpSecret();
  const labels = await withTenant(deps.services.dataSource, practiceId, async (manager) => {
    const user = await lockUserById(manager, userId);
    if (user === null || user.disabled) {
      throw unauthorized('token_invalid', 'Enrolment token is invalid or expired');
    }
    if (user.totp_enabled) {
      throw conflict('mfa_already_enrolled', 'Authenticator is already enrolled');
    }
    await storeTotpSecret(manager, deps.keyRing, practiceId, userId, secret);
    await recordAudit(manager, practiceId, context, {
      action: 'auth.mfa_enrolment_started',
      entityType: 'user',
      entityId: userId,
      actorUserId: userId,
      actorRole: user.role,
    });
    const rows = await manager.query<{ email: string; practice_name: string }[]>(
      `SELECT u.email, COALESCE(p.branding_name, p.name) AS practice_name
         FROM users u JOIN practices p ON p.id = u.practice_id WHERE u.id = $1`,
      [userId],
    );
    const row = rows[0];
    if (row === undefined) throw new Error('enrolling user vanished');
    return row;
  });
  // Issuer = practice, account = the user's own email: how the entry reads in the app. Only
  // staff enrol, and the URI is shown only to the user enrolling.
  return { secret, otpauthUri: totpUri(secret, labels.email, labels.practice_name) };
}

/** Step 2: a correct code from the new authenticator turns MFA on and signs the user in. */
export async function confirmMfaEnrolment(
  deps: IdentityDeps,
  context: RequestContext,
  input: { enrolmentToken: string; totpCode: string },
): Promise<TokenPair & { recoveryCodes: string[] }> {
  const { userId, practiceId } = await enrolmentSubject(deps, input.enrolmentToken);
  let recoveryCodes: string[] = [];
  const result = await withTenant(deps.services.dataSource, practiceId, async (manager): Promise<LoginResult> => {
    const user = await lockUserById(manager, userId);
    if (user === null || user.disabled) {
      return { kind: 'invalid' };
    }
    if (user.totp_enabled) {
      throw conflict('mfa_already_enrolled', 'Authenticator is already enrolled');
    }
    if (user.locked) {
      return { kind: 'locked' };
    }
    const secret = await loadTotpSecret(manager, deps.keyRing, practiceId, userId, user);
    if (secret === null) {
      throw conflict('mfa_enrolment_not_started', 'Start enrolment first');
    }
    const step = verifyTotp(secret, input.totpCode, user.totp_last_step);
    if (step === null) {
      return registerFailure(manager, context, deps, practiceId, user, 'invalid_totp');
    }
    await manager.query(`UPDATE users SET totp_enabled_at = now(), totp_last_step = $2 WHERE id = $1`, [userId, step]);
    await recordAudit(manager, practiceId, context, {
      action: 'auth.mfa_enrolled',
      entityType: 'user',
      entityId: userId,
      actorUserId: userId,
      actorRole: user.role,
    });
    // Recovery codes come with the authenticator, so a lost phone never needs an admin.
    recoveryCodes = await issueRecoveryCodes(manager, practiceId, userId);
    await recordAudit(manager, practiceId, context, {
      action: 'auth.recovery_codes_issued',
      entityType: 'user',
      entityId: userId,
      actorUserId: userId,
      actorRole: user.role,
      metadata: { count: recoveryCodes.length },
    });
    const session = await openSession(manager, context, deps, practiceId, user);
    return { kind: 'success', userId, role: user.role, ...session };
  });
  switch (result.kind) {
    case 'success':
      return {
        ...(await tokenPairFor(
          deps.services.tokens,
          deps.services.config.ACCESS_TOKEN_TTL_SECONDS,
          { userId: result.userId, practiceId, role: result.role, sessionId: result.sessionId },
          result.refreshToken,
        )),
        recoveryCodes,
      };
    case 'locked':
      throw accountLocked();
    case 'invalid_totp':
      throw unauthorized('invalid_totp', 'Authentication code is incorrect or already used');
    case 'invalid':
    case 'invalid_recovery_code':
    case 'mfa_required':
    case 'mfa_enrolment_required':
      throw unauthorized('token_invalid', 'Enrolment token is invalid or expired');
  }
}
