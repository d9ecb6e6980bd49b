import { createHash, randomBytes } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import { z } from 'zod';
import { recordAudit } from '../../audit/auditWriter.js';
import { withTenant } from '../../db/tenantTransaction.js';
import { AppError, badRequest, notFound } from '../../errors.js';
import type { RequestContext } from '../../http/requestContext.js';
import type { ApiServices } from '../../services.js';
import type { PasswordHasher } from './passwords.js';
import { presentedPasswordSchema } from './passwords.js';
import { practiceSlugSchema } from './practices.js';

/** A verification link is good for a day: long enough for a slow inbox, short enough to go stale. */
export const VERIFICATION_TTL_MS = 24 * 3_600_000;
/** 256 bits from the CSPRNG: unguessable (NIST SP 800-63B §5.1.1.2 asks for at least 112). */
const TOKEN_BYTES = 32;

/** The token as it travels in the link: base64url of {@link TOKEN_BYTES} bytes. */
export const verificationTokenSchema = z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'not a verification token');

/**
 * The link's token plus the password chosen at registration: whoever opens a link must also
 * know the password of the registration that sent it, so a stranger who registered the
 * address first cannot have the owner confirm the stranger's password by clicking.
 */
export const verifyEmailSchema = z.strictObject({
  practice: practiceSlugSchema,
  token: verificationTokenSchema,
  password: presentedPasswordSchema,
});

export interface RegistrationInput {
  email: string;
  password: string;
  givenName: string;
  familyName: string;
}

/** The one answer registration gives, whether or not the address already has an account. */
export interface RegistrationAccepted {
  status: 'check_email';
}

const hashToken = (token: string): Buffer => createHash('sha256').update(token, 'utf8').digest();

interface PracticeRow {
  id: string;
  name: string;
  slug: string;
}

async function practiceBySlug(dataSource: DataSource, slug: string): Promise<PracticeRow | null> {
  // Practice names and slugs are public (practices_public_read), so no tenant is needed.
  const rows = await dataSource.query<PracticeRow[]>(`SELECT id, name, slug FROM practices WHERE slug = $1`, [slug]);
  return rows[0] ?? null;
}

interface ExistingUser {
  id: string;
  role: string;
  given_name: string;
  verified: boolean;
}

async function findByEmail(manager: EntityManager, email: string): Promise<ExistingUser | null> {
  const rows = await manager.query<ExistingUser[]>(
    `SELECT id, role, given_name, email_verified_at IS NOT NULL AS verified FROM users WHERE lower(email) = lower($1) FOR UPDATE`,
    [email],
  );
  return rows[0] ?? null;
}

async function issueToken(manager: EntityManager, practiceId: string, userId: string, pending: { passwordHash: string; givenName: string; familyName: string }): Promise<string> {
  const token = randomBytes(TOKEN_BYTES).toString('base64url');
  await manager.query(
    `INSERT INTO email_verification_tokens (practice_id, user_id, token_hash, password_hash, given_name, family_name, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    [practiceId, userId, hashToken(token), pending.passwordHash, pending.givenName, pending.familyName, new Date(Date.now() + VERIFICATION_TTL_MS)],
  );
  return token;
}

type Outgoing = { kind: 'verify'; token: string; givenName: string } | { kind: 'already_registered'; givenName: string };

/** The link a new patient opens; the token rides in the fragment, so no server or referrer logs it. */
function verificationLink(services: ApiServices, practice: PracticeRow, token: string): string {
  return new URL(`/verify-email#practice=${encodeURIComponent(practice.slug)}&token=${token}`, services.config.PUBLIC_APP_URL).toString();
}

function signInLink(services: ApiServices, practice: PracticeRow): string {
  return new URL(`/practices/${encodeURIComponent(practice.slug)}/sign-in`, services.config.PUBLIC_APP_URL).toString();
}

async function sendRegistrationMail(services: ApiServices, practice: PracticeRow, email: string, outgoing: Outgoing): Promise<void> {
  if (outgoing.kind === 'verify') {
    const link = verificationLink(services, practice, outgoing.token);
    await services.mailer.send({
      to: email,
      subject: `Confirm your email for ${practice.name}`,
      text: `Hello ${outgoing.givenName},\n\nPlease confirm your email address to finish creating your account with ${practice.name}:\n\n${link}\n\nThe link works once and expires in 24 hours. If you did not ask for an account, you can ignore this email.\n`,
    });
    return;
  }
  await services.mailer.send({
    to: email,
    subject: `Someone tried to create an account with ${practice.name}`,
    text: `Hello ${outgoing.givenName},\n\nSomeone (perhaps you) tried to create a new account with ${practice.name} using this email address. You already have an account, so nothing was changed.\n\nSign in here: ${signInLink(services, practice)}\n\nIf you have forgotten your password, use "Forgot password" on the sign-in page. If it was not you, you can ignore this email.\n`,
  });
}

/**
 * Public self-registration of a patient. The reply is the same 202 for a new address and an
 * address that has an account, after the same password-hashing work,
 * so it reveals nothing about who is registered; the difference goes to the mailbox only:
 * a new (or still unverified) address gets a verification link, a registered one a
 * "someone tried to register" notice. The password chosen now takes effect only when the
 * link is opened, so the person who controls the mailbox decides the account's password.
 */
export async function registerPatient(
  services: ApiServices,
  passwords: PasswordHasher,
  context: RequestContext,
  practiceSlug: string,
  input: RegistrationInput,
): Promise<RegistrationAccepted> {
  // Both hashes are made on every path (new, unverified or registered address), so the
  // reply's timing does not tell them apart either.
  const passwordHash = await passwords.hash(input.password);
  const placeholder = await passwords.hash(randomBytes(18).toString('base64url'));
  const practice = await practiceBySlug(services.dataSource, practiceSlug);
  if (practice === null) throw notFound('practice_not_found', 'No such practice');
  const pending = { passwordHash, givenName: input.givenName, familyName: input.familyName };
  const outgoing = await withTenant(services.dataSource, practice.id, async (manager): Promise<Outgoing> => {
    const existing = await findByEmail(manager, input.email);
    if (existing !== null && (existing.verified || existing.role !== 'patient')) {
      return { kind: 'already_registered', givenName: existing.given_name };
    }
    let userId = existing?.id;
    if (userId === undefined) {
      // Unusable until verification: no password anyone knows opens it.
      const rows = await manager.query<{ id: string }[]>(
        `INSERT INTO users (practice_id, role, email, password_hash, given_name, family_name, email_verified_at)
         VALUES ($1, 'patient', $2, $3, $4, $5, NULL) RETURNING id`,
        [practice.id, input.email, placeholder, input.givenName, input.familyName],
      );
      userId = rows[0]?.id;
      if (userId === undefined) throw new Error('insert returned no row');
      await recordAudit(manager, practice.id, context, {
        action: 'user.create',
        entityType: 'user',
        entityId: userId,
        patientId: userId,
        actorUserId: userId,
        actorRole: 'patient',
      });
    }
    return { kind: 'verify', token: await issueToken(manager, practice.id, userId, pending), givenName: input.givenName };
  });
  try {
    await sendRegistrationMail(services, practice, input.email, outgoing);
  } catch (error) {
    // The account is saved; registering again sends a fresh link. The log names no one.
    services.logger.error({ err: error instanceof Error ? error.name : 'unknown' }, 'registration email could not be sent');
  }
  return { status: 'check_email' };
}

interface TokenRow {
  id: string;
  user_id: string;
  password_hash: string;
  given_name: string;
  family_name: string;
  expired: boolean;
  used: boolean;
}

const invalidLink = (): AppError => badRequest('verification_link_invalid', 'This confirmation link is not valid. Please register again to get a new one.');

/**
 * Opens a verification link: single-use (the row is locked and marked used), expiring,
 * looked up by its SHA-256, and only with the password chosen at that registration. Applies
 * the registration's password and names and marks the email verified; older links of the
 * same account stop working.
 */
export async function verifyEmail(
  services: ApiServices,
  passwords: PasswordHasher,
  context: RequestContext,
  input: z.infer<typeof verifyEmailSchema>,
): Promise<{ practice: { slug: string; name: string }; email: string }> {
  const practice = await practiceBySlug(services.dataSource, input.practice);
  if (practice === null) throw invalidLink();
  const email = await withTenant(services.dataSource, practice.id, async (manager) => {
    const rows = await manager.query<(TokenRow & { email: string })[]>(
      `SELECT t.id, t.user_id, t.password_hash, t.given_name, t.family_name, t.expires_at <= now() AS expired,
              t.used_at IS NOT NULL AS used, u.email
         FROM email_verification_tokens t JOIN users u ON u.practice_id = t.practice_id AND u.id = t.user_id
        WHERE t.token_hash = $1 FOR UPDATE OF t`,
      [hashToken(input.token)],
    );
    const row = rows[0];
    if (row === undefined) throw invalidLink();
    if (row.used) throw new AppError(410, 'verification_link_used', 'This confirmation link was already used. You can sign in.');
    if (row.expired) throw new AppError(410, 'verification_link_expired', 'This confirmation link has expired. Please register again to get a new one.');
    if (!(await passwords.verify(row.password_hash, input.password))) {
      throw badRequest(
        'verification_password_mismatch',
        'That is not the password chosen when this link was requested. Try again, or register again to get a new link.',
      );
    }
    await manager.query(`UPDATE email_verification_tokens SET used_at = now() WHERE user_id = $1 AND used_at IS NULL`, [row.user_id]);
    await manager.query(
      `UPDATE users SET password_hash = $2, given_name = $3, family_name = $4, email_verified_at = now()
        WHERE id = $1 AND role = 'patient'`,
      [row.user_id, row.password_hash, row.given_name, row.family_name],
    );
    await recordAudit(manager, practice.id, context, {
      action: 'auth.email_verified',
      entityType: 'user',
      entityId: row.user_id,
      patientId: row.user_id,
      actorUserId: row.user_id,
      actorRole: 'patient',
    });
    return row.email;
  });
  // The link's owner learns their own address back, so the app can sign them in at once.
  return { practice: { slug: practice.slug, name: practice.name }, email };
}

/** 403 email_not_verified for a self-registered patient who has not opened the link yet. */
export async function requireVerifiedEmail(manager: EntityManager, userId: string): Promise<void> {
  const rows = await manager.query<{ verified: boolean }[]>(`SELECT email_verified_at IS NOT NULL AS verified FROM users WHERE id = $1`, [userId]);
  if (rows[0]?.verified !== true) {
    throw new AppError(403, 'email_not_verified', 'Please confirm your email address (see the link we sent) before booking.');
  }
}
