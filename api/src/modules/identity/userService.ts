import { roleSchema } from '@medspa/shared-types';
import type { Role } from '@medspa/shared-types';
import type { DataSource, EntityManager } from 'typeorm';
import { z } from 'zod';
import { recordAudit } from '../../audit/auditWriter.js';
import { isUniqueViolation } from '../../db/pgErrors.js';
import { withTenant } from '../../db/tenantTransaction.js';
import { conflict, notFound } from '../../errors.js';
import type { RequestContext } from '../../http/requestContext.js';
import type { PasswordHasher } from './passwords.js';
import { revokeUserSessions } from './sessions.js';
import { callerOf } from '../../kernel/index.js';

/** A user as the API returns it. Password hashes and TOTP secrets never leave this module. */
export interface UserView {
  id: string;
  practiceId: string;
  role: Role;
  email: string;
  givenName: string;
  familyName: string;
  createdAt: string;
  disabled: boolean;
  mfaEnrolled: boolean;
}

const userRow = z.object({
  id: z.string(),
  practice_id: z.string(),
  role: roleSchema,
  email: z.string(),
  given_name: z.string(),
  family_name: z.string(),
  created_at: z.date(),
  disabled_at: z.date().nullable(),
  totp_enabled_at: z.date().nullable(),
});

const USER_COLUMNS = `id, practice_id, role, email, given_name, family_name, created_at, disabled_at, totp_enabled_at`;

function toView(raw: unknown): UserView {
  const row = userRow.parse(raw);
  return {
    id: row.id,
    practiceId: row.practice_id,
    role: row.role,
    email: row.email,
    givenName: row.given_name,
    familyName: row.family_name,
    createdAt: row.created_at.toISOString(),
    disabled: row.disabled_at !== null,
    mfaEnrolled: row.totp_enabled_at !== null,
  };
}

/** Patient rows are PHI about that patient: audit events name them as the patient. */
const patientIdOf = (user: { id: string; role: Role }): string | null => (user.role === 'patient' ? user.id : null);

export interface NewUserInput {
  role: Role;
  email: string;
  password: string;
  givenName: string;
  familyName: string;
}

async function insertUser(
  manager: EntityManager,
  passwords: PasswordHasher,
  practiceId: string,
  input: NewUserInput,
): Promise<UserView> {
  const passwordHash = await passwords.hash(input.password);
  // A savepoint keeps the transaction usable when the email is taken, so the 409 is clean.
  await manager.query('SAVEPOINT insert_user');
  try {
    const rows = await manager.query<unknown[]>(
      `INSERT INTO users (practice_id, role, email, password_hash, given_name, family_name)
       VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${USER_COLUMNS}`,
      [practiceId, input.role, input.email, passwordHash, input.givenName, input.familyName],
    );
    await manager.query('RELEASE SAVEPOINT insert_user');
    return toView(rows[0]);
  } catch (error) {
    if (isUniqueViolation(error)) {
      await manager.query('ROLLBACK TO SAVEPOINT insert_user');
      throw conflict('email_taken', 'A user with this email already exists in the practice');
    }
    throw error;
  }
}

/** An admin creates a staff member or patient in their own practice. */
export async function createUser(
  dataSource: DataSource,
  passwords: PasswordHasher,
  context: RequestContext,
  input: NewUserInput,
): Promise<UserView> {
  const auth = callerOf(context);
  return withTenant(dataSource, auth.practiceId, async (manager) => {
    const user = await insertUser(manager, passwords, auth.practiceId, input);
    await recordAudit(manager, auth.practiceId, context, {
      action: 'user.create',
      entityType: 'user',
      entityId: user.id,
      patientId: patientIdOf(user),
    });
    return user;
  });
}

async function readUser(manager: EntityManager, context: RequestContext, practiceId: string, userId: string): Promise<UserView> {
  const rows = await manager.query<unknown[]>(`SELECT ${USER_COLUMNS} FROM users WHERE id = $1`, [userId]);
  if (rows.length === 0) {
    throw notFound('user_not_found', 'No such user');
  }
  const user = toView(rows[0]);
  await recordAudit(manager, practiceId, context, {
    action: 'user.read',
    entityType: 'user',
    entityId: user.id,
    patientId: patientIdOf(user),
  });
  return user;
}

/** The caller's own profile. */
export async function getMe(dataSource: DataSource, context: RequestContext): Promise<UserView> {
  const auth = callerOf(context);
  return withTenant(dataSource, auth.practiceId, (manager) => readUser(manager, context, auth.practiceId, auth.userId));
}

/** One user of the caller's practice (another practice's id is simply not found). */
export async function getUser(dataSource: DataSource, context: RequestContext, userId: string): Promise<UserView> {
  const auth = callerOf(context);
  return withTenant(dataSource, auth.practiceId, (manager) => readUser(manager, context, auth.practiceId, userId));
}

export interface ListUsersInput {
  role?: Role | undefined;
  limit: number;
  offset: number;
}

/** Users of the caller's practice, newest first; the listing itself is audited. */
export async function listUsers(
  dataSource: DataSource,
  context: RequestContext,
  input: ListUsersInput,
): Promise<{ users: UserView[] }> {
  const auth = callerOf(context);
  return withTenant(dataSource, auth.practiceId, async (manager) => {
    const rows = await manager.query<unknown[]>(
      `SELECT ${USER_COLUMNS} FROM users WHERE ($1::text IS NULL OR role = $1)
        ORDER BY created_at DESC, id LIMIT $2 OFFSET $3`,
      [input.role ?? null, input.limit, input.offset],
    );
    await recordAudit(manager, auth.practiceId, context, { action: 'user.list', entityType: 'user' });
    return { users: rows.map(toView) };
  });
}

/**
 * Governance events (who may do what changed): one per effective change, so a review can
 * search role changes, MFA resets and disabled accounts directly. Roles and flags only.
 */
async function auditGovernanceChanges(
  manager: EntityManager,
  practiceId: string,
  context: RequestContext,
  user: UserView,
  before: { role: Role; disabled: boolean; mfa_enrolled: boolean },
  input: UpdateUserInput,
): Promise<void> {
  const target = { entityType: 'user', entityId: user.id, patientId: patientIdOf(user) };
  if (input.role !== undefined && input.role !== before.role) {
    await recordAudit(manager, practiceId, context, {
      action: 'user.role_change',
      ...target,
      metadata: { from_role: before.role, to_role: input.role },
    });
  }
  if (input.disabled !== undefined && input.disabled !== before.disabled) {
    await recordAudit(manager, practiceId, context, { action: input.disabled ? 'user.disable' : 'user.enable', ...target });
  }
  if (input.resetMfa === true) {
    await recordAudit(manager, practiceId, context, {
      action: 'user.mfa_reset',
      ...target,
      metadata: { was_enrolled: before.mfa_enrolled },
    });
  }
}

export interface UpdateUserInput {
  role?: Role | undefined;
  disabled?: boolean | undefined;
  /** Forget the user's authenticator (lost phone): their next sign-in must enrol again. */
  resetMfa?: true | undefined;
}

/**
 * Changes a user's role, disables/enables them or resets their MFA. Any change ends the
 * user's open sessions. Admins cannot change themselves, so a practice cannot lose its last admin by
 * accident.
 */
export async function updateUser(
  dataSource: DataSource,
  context: RequestContext,
  userId: string,
  input: UpdateUserInput,
): Promise<UserView> {
  const auth = callerOf(context);
  // uuids compare case-insensitively in SQL, so compare them that way here too.
  if (userId.toLowerCase() === auth.userId.toLowerCase()) {
    throw conflict('cannot_modify_self', 'Ask another admin to change your own account');
  }
  return withTenant(dataSource, auth.practiceId, async (manager) => {
    const before = (
      await manager.query<{ role: Role; disabled: boolean; mfa_enrolled: boolean }[]>(
        `SELECT role, disabled_at IS NOT NULL AS disabled, totp_enabled_at IS NOT NULL AS mfa_enrolled FROM users WHERE id = $1 FOR UPDATE`,
        [userId],
      )
    )[0];
    if (before === undefined) {
      throw notFound('user_not_found', 'No such user');
    }
    const rows = await manager.query<unknown[]>(
      // Wrapped in a CTE so the driver returns plain rows (TypeORM reshapes UPDATE results).
      `WITH changed AS (
         UPDATE users
            SET role = COALESCE($2, role),
                disabled_at = CASE WHEN $3::boolean IS NULL THEN disabled_at
                                   WHEN $3::boolean THEN COALESCE(disabled_at, now())
                                   ELSE NULL END,
                totp_enabled_at = CASE WHEN $4 THEN NULL ELSE totp_enabled_at END,
                totp_data_key_id = CASE WHEN $4 THEN NULL ELSE totp_data_key_id END,
                totp_secret_iv = CASE WHEN $4 THEN NULL ELSE totp_secret_iv END,
                totp_secret_ciphertext = CASE WHEN $4 THEN NULL ELSE totp_secret_ciphertext END,
                totp_secret_tag = CASE WHEN $4 THEN NULL ELSE totp_secret_tag END,
                totp_last_step = CASE WHEN $4 THEN NULL ELSE totp_last_step END
          WHERE id = $1 RETURNING ${USER_COLUMNS})
       SELECT * FROM changed`,
      [userId, input.role ?? null, input.disabled ?? null, input.resetMfa === true],
    );
    if (rows.length === 0) {
      throw notFound('user_not_found', 'No such user');
    }
    const user = toView(rows[0]);
    await revokeUserSessions(manager, userId);
    await recordAudit(manager, auth.practiceId, context, {
      action: 'user.update',
      entityType: 'user',
      entityId: user.id,
      patientId: patientIdOf(user),
      // Which fields changed and to what: roles and flags, never personal data.
      metadata: {
        role: input.role ?? null,
        disabled: input.disabled ?? null,
        mfaReset: input.resetMfa === true,
      },
    });
    await auditGovernanceChanges(manager, auth.practiceId, context, user, before, input);
    return user;
  });
}
