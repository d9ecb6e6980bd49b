import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { z } from 'zod';
import { recordAudit } from '../../audit/auditWriter.js';
import { TENANT_SETTING } from '../../db/appRole.js';
import { conflict } from '../../errors.js';
import type { RequestContext } from '../../http/requestContext.js';
import type { PasswordHasher } from './passwords.js';
import { newPasswordSchema } from './passwords.js';
import { practiceSlugSchema } from './practices.js';

/** What the practice-creation CLI collects. */
export const newPracticeSchema = z.object({
  slug: practiceSlugSchema,
  name: z.string().trim().min(1).max(200),
  timeZone: z.string().min(1).max(64),
  adminEmail: z.email().max(254),
  adminPassword: newPasswordSchema,
  adminGivenName: z.string().trim().min(1).max(100),
  adminFamilyName: z.string().trim().min(1).max(100),
});
export type NewPractice = z.infer<typeof newPracticeSchema>;

/**
 * Creates a tenant and its first admin in one transaction, on an OWNER connection (the
 * runtime role may not create practices). The admin has no TOTP yet: their first sign-in
 * returns an enrolment-only token, so they must enrol before reaching anything else.
 */
export async function createPracticeWithAdmin(
  ownerDataSource: DataSource,
  passwords: PasswordHasher,
  input: NewPractice,
): Promise<{ practiceId: string; adminUserId: string }> {
  const passwordHash = await passwords.hash(input.adminPassword);
  return ownerDataSource.transaction(async (manager) => {
    const existing = await manager.query<unknown[]>(`SELECT 1 FROM practices WHERE slug = $1`, [input.slug]);
    if (existing.length > 0) {
      throw conflict('practice_exists', `A practice with slug ${input.slug} already exists`);
    }
    // Validates the zone name against PostgreSQL's tz database before it is stored.
    await manager.query(`SELECT now() AT TIME ZONE $1`, [input.timeZone]);
    const practices = await manager.query<{ id: string }[]>(
      `INSERT INTO practices (slug, name, time_zone) VALUES ($1, $2, $3) RETURNING id`,
      [input.slug, input.name, input.timeZone],
    );
    const practiceId = practices[0]?.id;
    if (practiceId === undefined) throw new Error('practice insert returned no row');
    await manager.query('SELECT set_config($1, $2, true)', [TENANT_SETTING, practiceId]);
    const users = await manager.query<{ id: string }[]>(
      `INSERT INTO users (practice_id, role, email, password_hash, given_name, family_name)
       VALUES ($1, 'admin', $2, $3, $4, $5) RETURNING id`,
      [practiceId, input.adminEmail, passwordHash, input.adminGivenName, input.adminFamilyName],
    );
    const adminUserId = users[0]?.id;
    if (adminUserId === undefined) throw new Error('user insert returned no row');
    const context: RequestContext = {
      requestId: `cli-${randomUUID()}`,
      ip: null,
      userAgent: 'medspa-create-practice',
      auth: null,
    };
    await recordAudit(manager, practiceId, context, {
      action: 'user.create',
      entityType: 'user',
      entityId: adminUserId,
      actorUserId: null,
      actorRole: 'system',
    });
    return { practiceId, adminUserId };
  });
}
