import type { Role } from '@medspa/shared-types';
import { PROVIDER_ROLES } from '@medspa/shared-types';
import type { DataSource, EntityManager } from 'typeorm';
import { withTenant } from '../../db/tenantTransaction.js';
import { notFound } from '../../errors.js';
import { callerOf } from '../../kernel/index.js';
import type { AuthContext, RequestContext } from '../../http/requestContext.js';

/** Whether the role runs consults (injector or medical director). */
export function isProviderRole(role: Role): boolean {
  return PROVIDER_ROLES.includes(role);
}

/**
 * Providers may manage their own profile, availability and time off; admins (and front
 * desk, where the route allows it) manage anyone's. Anyone else is told the record is not
 * theirs to manage with a 404, as for every record-level refusal in these modules: the
 * role check (403) already happened at the route.
 */
export function requireSelfOrStaff(caller: AuthContext, providerId: string, staffRoles: readonly Role[]): void {
  if (staffRoles.includes(caller.role)) return;
  if (isProviderRole(caller.role) && caller.userId === providerId) return;
  throw notFound('not_your_provider_record', 'No provider record of yours with this id');
}

/** Runs `work` in one transaction scoped to the caller's practice (row-level security). */
export function inCallerPractice<T>(
  dataSource: DataSource,
  context: RequestContext,
  work: (manager: EntityManager) => Promise<T>,
): Promise<T> {
  return withTenant(dataSource, callerOf(context).practiceId, work);
}
