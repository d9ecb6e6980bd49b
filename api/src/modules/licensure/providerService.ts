import type { EntityManager } from 'typeorm';
import { z } from 'zod';
import { recordAudit } from '../../audit/auditWriter.js';
import { AppError, conflict, notFound } from '../../errors.js';
import type { RequestContext } from '../../http/requestContext.js';
import { calendarDateSchema, labelSchema, timeZoneSchema } from '../scheduling/inputSchemas.js';
import { calendarDateAt, formatCalendarDate } from '@medspa/shared-types';
import { isProviderRole, requireSelfOrStaff } from './access.js';
import { usStateSchema } from './usStates.js';
import { callerOf } from '../../kernel/index.js';

/** Clinical credentials a medspa provider can hold (docs/product.md "Roles"). */
export const CREDENTIALS = ['RN', 'NP', 'PA', 'MD', 'DO'] as const;

export { timeZoneSchema };

export const providerProfileInputSchema = z.strictObject({
  credential: z.enum(CREDENTIALS),
  specialties: z.array(labelSchema(80)).max(20).default([]),
  timeZone: timeZoneSchema,
  /** A few sentences about the provider, written by them or the admin. */
  bio: z.string().trim().max(1000).default(''),
});
export type ProviderProfileInput = z.infer<typeof providerProfileInputSchema>;

export interface ProviderProfile {
  providerId: string;
  givenName: string;
  familyName: string;
  role: string;
  credential: string;
  specialties: string[];
  timeZone: string;
  bio: string;
}

interface ProfileRow {
  user_id: string;
  given_name: string;
  family_name: string;
  role: string;
  credential: string;
  specialties: string[];
  time_zone: string;
  bio: string;
}

const PROFILE_SELECT = `
  SELECT p.user_id, u.given_name, u.family_name, u.role, p.credential, p.specialties, p.time_zone, p.bio
  FROM provider_profiles p JOIN users u ON u.practice_id = p.practice_id AND u.id = p.user_id`;

function toProfile(row: ProfileRow): ProviderProfile {
  return {
    providerId: row.user_id,
    givenName: row.given_name,
    familyName: row.family_name,
    role: row.role,
    credential: row.credential,
    specialties: row.specialties,
    timeZone: row.time_zone,
    bio: row.bio,
  };
}

/** Roles that manage any provider's profile (providers manage their own). */
export const PROFILE_ADMINS = ['admin'] as const;

/** Creates or replaces a provider's profile. Only users with a provider role can have one. */
export async function upsertProviderProfile(
  manager: EntityManager,
  context: RequestContext,
  providerId: string,
  input: ProviderProfileInput,
): Promise<ProviderProfile> {
  const caller = callerOf(context);
  requireSelfOrStaff(caller, providerId, PROFILE_ADMINS);
  const users = await manager.query<{ role: string; disabled_at: Date | null }[]>(
    `SELECT role, disabled_at FROM users WHERE id = $1`,
    [providerId],
  );
  const user = users[0];
  if (user === undefined) throw notFound('provider_not_found', 'No such provider');
  if (!isProviderRole(user.role as never)) {
    throw new AppError(422, 'not_a_provider', 'Only injectors and medical directors have provider profiles');
  }
  await manager.query(
    `INSERT INTO provider_profiles (practice_id, user_id, credential, specialties, time_zone, bio)
     VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (practice_id, user_id) DO UPDATE
       SET credential = EXCLUDED.credential, specialties = EXCLUDED.specialties,
           time_zone = EXCLUDED.time_zone, bio = EXCLUDED.bio, updated_at = now()`,
    [caller.practiceId, providerId, input.credential, input.specialties, input.timeZone, input.bio],
  );
  return getProviderProfile(manager, providerId);
}

/** One provider's profile; 404 when the user has none (or is not in this practice). */
export async function getProviderProfile(manager: EntityManager, providerId: string): Promise<ProviderProfile> {
  const rows = await manager.query<ProfileRow[]>(`${PROFILE_SELECT} WHERE p.user_id = $1`, [providerId]);
  const row = rows[0];
  if (row === undefined) throw notFound('provider_not_found', 'No such provider');
  return toProfile(row);
}

/** Every active provider of the practice the transaction is scoped to. */
export async function listProviderProfiles(manager: EntityManager): Promise<ProviderProfile[]> {
  const rows = await manager.query<ProfileRow[]>(
    `${PROFILE_SELECT} WHERE u.disabled_at IS NULL ORDER BY u.family_name, u.given_name, p.user_id`,
  );
  return rows.map(toProfile);
}

export const licenseInputSchema = z
  .strictObject({
    state: usStateSchema,
    licenseNumber: labelSchema(64),
    validFrom: calendarDateSchema,
    expiresOn: calendarDateSchema,
  })
  .refine((input) => input.expiresOn >= input.validFrom, { message: 'expiresOn is before validFrom', path: ['expiresOn'] });
export type LicenseInput = z.infer<typeof licenseInputSchema>;

export interface ProviderLicense {
  id: string;
  providerId: string;
  state: string;
  licenseNumber: string;
  validFrom: string;
  expiresOn: string;
  revokedAt: string | null;
}

interface LicenseRow {
  id: string;
  provider_id: string;
  state: string;
  license_number: string;
  valid_from: string;
  expires_on: string;
  revoked_at: Date | null;
}

const LICENSE_COLUMNS = `id, provider_id, state, license_number, valid_from::text AS valid_from,
  expires_on::text AS expires_on, revoked_at`;

function toLicense(row: LicenseRow): ProviderLicense {
  return {
    id: row.id,
    providerId: row.provider_id,
    state: row.state,
    licenseNumber: row.license_number,
    validFrom: row.valid_from,
    expiresOn: row.expires_on,
    revokedAt: row.revoked_at === null ? null : row.revoked_at.toISOString(),
  };
}

/** A governance event about a license: which provider, state and validity; not the number. */
async function auditLicense(
  manager: EntityManager,
  context: RequestContext,
  action: 'license.add' | 'license.revoke',
  row: LicenseRow,
): Promise<void> {
  await recordAudit(manager, callerOf(context).practiceId, context, {
    action,
    entityType: 'provider_license',
    entityId: row.id,
    metadata: { provider_id: row.provider_id, state: row.state, expires_on: row.expires_on },
  });
}

/** Roles that record and revoke licenses (primary-source verification is their job). */
export const LICENSE_ADMINS = ['admin', 'medical_director'] as const;

/** Records a state license; the provider must have a profile. */
export async function addLicense(
  manager: EntityManager,
  context: RequestContext,
  providerId: string,
  input: LicenseInput,
): Promise<ProviderLicense> {
  const caller = callerOf(context);
  await getProviderProfile(manager, providerId);
  const rows = await manager.query<LicenseRow[]>(
    `INSERT INTO provider_licenses (practice_id, provider_id, state, license_number, valid_from, expires_on)
     VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (practice_id, provider_id, state, license_number) DO NOTHING
     RETURNING ${LICENSE_COLUMNS}`,
    [caller.practiceId, providerId, input.state, input.licenseNumber, input.validFrom, input.expiresOn],
  );
  const row = rows[0];
  if (row === undefined) throw conflict('license_exists', 'This license is already recorded');
  await auditLicense(manager, context, 'license.add', row);
  return toLicense(row);
}

/** Marks a license revoked (kept for the record); bookings then stop accepting it. */
export async function revokeLicense(
  manager: EntityManager,
  context: RequestContext,
  providerId: string,
  licenseId: string,
): Promise<ProviderLicense> {
  const before = await manager.query<{ revoked: boolean }[]>(
    `SELECT revoked_at IS NOT NULL AS revoked FROM provider_licenses WHERE id = $1 AND provider_id = $2 FOR UPDATE`,
    [licenseId, providerId],
  );
  const rows = await manager.query<[LicenseRow[], number]>(
    `UPDATE provider_licenses SET revoked_at = COALESCE(revoked_at, now())
     WHERE id = $1 AND provider_id = $2 RETURNING ${LICENSE_COLUMNS}`,
    [licenseId, providerId],
  );
  const row = rows[0][0];
  if (row === undefined) throw notFound('license_not_found', 'No such license');
  // Revoking twice changes nothing, so it is recorded once.
  if (before[0]?.revoked === false) await auditLicense(manager, context, 'license.revoke', row);
  return toLicense(row);
}

/** A provider's licenses, newest expiry first. */
export async function listLicenses(manager: EntityManager, providerId: string): Promise<ProviderLicense[]> {
  await getProviderProfile(manager, providerId);
  const rows = await manager.query<LicenseRow[]>(
    `SELECT ${LICENSE_COLUMNS} FROM provider_licenses WHERE provider_id = $1 ORDER BY expires_on DESC, state`,
    [providerId],
  );
  return rows.map(toLicense);
}

/** What a license check needs: who, where the patient is, and when the visit is. */
export interface LicenseQuestion {
  providerId: string;
  /** The patient's stated location (USPS code). */
  state: string;
  startsAt: Date;
  endsAt: Date;
  /**
   * The patient's IANA zone: license dates are calendar dates of the state that issued
   * them, so the visit's first and last instant are read as dates where the patient is.
   */
  patientTimeZone: string;
}

/**
 * Whether the provider holds an unrevoked license for the state that is valid for the
 * whole visit (valid_from <= local date of the start, expires_on >= local date of the
 * end). Runs in the caller's transaction.
 */
export async function holdsValidLicense(manager: EntityManager, question: LicenseQuestion): Promise<boolean> {
  // Local dates are computed here with the same zone code as the slot search, so both
  // agree to the minute and PostgreSQL's own tz names never come into play.
  const firstDate = formatCalendarDate(calendarDateAt(question.startsAt, question.patientTimeZone));
  const lastDate = formatCalendarDate(calendarDateAt(new Date(question.endsAt.getTime() - 1), question.patientTimeZone));
  const rows = await manager.query<{ ok: boolean }[]>(
    `SELECT EXISTS (
       SELECT 1 FROM provider_licenses
       WHERE provider_id = $1 AND state = $2 AND revoked_at IS NULL AND valid_from <= $3::date AND expires_on >= $4::date
     ) AS ok`,
    [question.providerId, question.state, firstDate, lastDate],
  );
  return rows[0]?.ok === true;
}

/** Throws 422 provider_not_licensed unless {@link holdsValidLicense}. */
export async function requireValidLicense(manager: EntityManager, question: LicenseQuestion): Promise<void> {
  if (!(await holdsValidLicense(manager, question))) {
    throw new AppError(
      422,
      'provider_not_licensed',
      'The provider holds no valid license in the patient’s state at the appointment time',
    );
  }
}
