import { z } from 'zod';

/** Every role a user can hold inside one practice (tenant). See docs/product.md "Roles". */
export const ROLES = [
  'patient',
  'injector',
  'medical_director',
  'front_desk',
  'compliance_officer',
  'admin',
] as const;

export const roleSchema = z.enum(ROLES);
export type Role = z.infer<typeof roleSchema>;

/** Roles that are workforce members: they must enrol TOTP MFA (HIPAA 164.312(d)). */
export const STAFF_ROLES: readonly Role[] = ROLES.filter((role) => role !== 'patient');

/** Licensed providers who may run consults and sign notes. */
export const PROVIDER_ROLES: readonly Role[] = ['injector', 'medical_director'];
