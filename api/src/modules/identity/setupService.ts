import { TIME_ZONE_CHOICES } from '@medspa/shared-types';
import type { DataSource } from 'typeorm';
import { z } from 'zod';
import { recordAudit } from '../../audit/auditWriter.js';
import { TENANT_SETTING } from '../../db/appRole.js';
import { AppError, conflict } from '../../errors.js';
import type { RequestContext } from '../../http/requestContext.js';
import type { MfaEnrolmentRequired } from './loginService.js';
import { enrolmentRequired } from './loginService.js';
import type { IdentityDeps } from './loginService.js';
import { newSecret, tokenDigest, tokenExpired, tokenInvalid, tokenUsed } from './oneTimeTokens.js';
import { newPasswordSchema } from './passwords.js';
import { practiceSlugSchema } from './practices.js';

const zoneIds = TIME_ZONE_CHOICES.map((choice) => choice.id) as [string, ...string[]];

/** What the first-run setup screen sends. */
export const firstRunSchema = z.strictObject({
  practice: z.strictObject({
    name: z.string().trim().min(1).max(200),
    slug: practiceSlugSchema,
    timeZone: z.enum(zoneIds),
    brandingName: z.string().trim().min(1).max(200),
  }),
  admin: z.strictObject({
    givenName: z.string().trim().min(1).max(100),
    familyName: z.string().trim().min(1).max(100),
    email: z.email().max(254),
    password: newPasswordSchema,
  }),
});
export type FirstRunInput = z.infer<typeof firstRunSchema>;

/**
 * With no practice in the database, issues a fresh one-time setup token (earlier unused
 * ones stop working) and returns it; null once a practice exists. Runs on an OWNER
 * connection at start (api/src/index.ts): the runtime role cannot see the token table.
 */
export async function issueSetupTokenIfUnconfigured(owner: DataSource, ttlSeconds: number): Promise<string | null> {
  return owner.transaction(async (manager) => {
    await manager.query(`LOCK TABLE setup_tokens IN SHARE ROW EXCLUSIVE MODE`);
    const practices = await manager.query<unknown[]>(`SELECT 1 FROM practices LIMIT 1`);
    if (practices.length > 0) return null;
    await manager.query(`DELETE FROM setup_tokens WHERE used_at IS NULL`);
    const token = newSecret();
    await manager.query(`INSERT INTO setup_tokens (token_hash, expires_at) VALUES ($1, now() + make_interval(secs => $2))`, [
      tokenDigest(token),
      ttlSeconds,
    ]);
    return token;
  });
}

function throwForState(state: string): never {
  switch (state) {
    case 'token_used':
      throw tokenUsed();
    case 'token_expired':
      throw tokenExpired();
    case 'practice_exists':
      throw conflict('setup_complete', 'This installation is already set up. Sign in instead.');
    default:
      throw tokenInvalid();
  }
}

/** Whether a setup link still works (the screen asks before showing the form). */
export async function checkSetupToken(dataSource: DataSource, token: string): Promise<{ status: 'ready' }> {
  const rows = await dataSource.query<{ state: string }[]>(`SELECT setup_token_state($1, false) AS state`, [tokenDigest(token)]);
  const state = rows[0]?.state ?? 'token_invalid';
  if (state !== 'ok') throwForState(state);
  return { status: 'ready' };
}

/**
 * Uses the setup token and creates the first practice and its admin in one transaction
 * (the practice row through a SECURITY DEFINER function: the runtime role may not insert
 * practices otherwise). The admin continues straight into TOTP enrolment.
 */
export async function completeFirstRun(
  deps: IdentityDeps,
  context: RequestContext,
  token: string,
  input: FirstRunInput,
): Promise<MfaEnrolmentRequired> {
  const passwordHash = await deps.passwords.hash(input.admin.password);
  const { practiceId, adminUserId } = await deps.services.dataSource.transaction(async (manager) => {
    const rows = await manager.query<{ state: string; practice_id: string | null }[]>(
      `SELECT state, practice_id FROM create_first_practice($1, $2, $3, $4, $5)`,
      [tokenDigest(token), input.practice.slug, input.practice.name, input.practice.timeZone, input.practice.brandingName],
    );
    const row = rows[0];
    const newPracticeId = row?.state === 'ok' ? row.practice_id : null;
    if (newPracticeId === null) throwForState(row?.state ?? 'token_invalid');
    await manager.query('SELECT set_config($1, $2, true)', [TENANT_SETTING, newPracticeId]);
    const users = await manager.query<{ id: string }[]>(
      `INSERT INTO users (practice_id, role, email, password_hash, given_name, family_name)
       VALUES ($1, 'admin', $2, $3, $4, $5) RETURNING id`,
      [newPracticeId, input.admin.email, passwordHash, input.admin.givenName, input.admin.familyName],
    );
    const userId = users[0]?.id;
    if (userId === undefined) throw new AppError(500, 'internal', 'user insert returned no row');
    const audit = { actorUserId: null, actorRole: 'system' } as const;
    await recordAudit(manager, newPracticeId, context, { ...audit, action: 'practice.setup', entityType: 'practice', entityId: newPracticeId });
    await recordAudit(manager, newPracticeId, context, { ...audit, action: 'user.create', entityType: 'user', entityId: userId });
    return { practiceId: newPracticeId, adminUserId: userId };
  });
  return enrolmentRequired(deps.services, adminUserId, practiceId);
}
