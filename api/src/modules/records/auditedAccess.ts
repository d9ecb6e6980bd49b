import type { AuditAction, AuditOutcome } from '@medspa/shared-types';
import type { DataSource, EntityManager } from 'typeorm';
import { recordAudit } from '../../audit/auditWriter.js';
import { withTenant } from '../../db/tenantTransaction.js';
import { AppError } from '../../errors.js';
import type { RequestContext } from '../../http/requestContext.js';

/** What an access is about; `patientId` is filled in by the work once it has loaded the record. */
export interface AccessAttempt {
  action: AuditAction;
  entityType: string;
  entityId?: string;
  patientId?: string | null;
}

function refusalOutcome(error: unknown): AuditOutcome | null {
  if (!(error instanceof AppError)) return null;
  if (error.status === 403) return 'denied';
  if (error.status === 404 || error.status === 409) return 'failure';
  return null;
}

/**
 * Runs one clinical-record access in a tenant transaction (its success audit is written
 * inside, by the work). When the access is refused (403) or fails on an unknown or
 * conflicting record (404/409), that transaction has rolled back; one audit event with
 * outcome `denied`/`failure` is then written on its own, naming the entity and, when the
 * work got that far, the patient, so attempts show up in the patient's access history too.
 */
export async function auditedAccess<T>(
  dataSource: DataSource,
  context: RequestContext,
  practiceId: string,
  attempt: AccessAttempt,
  work: (manager: EntityManager, attempt: AccessAttempt) => Promise<T>,
): Promise<T> {
  try {
    return await withTenant(dataSource, practiceId, (manager) => work(manager, attempt));
  } catch (error) {
    const outcome = refusalOutcome(error);
    if (outcome !== null) {
      await withTenant(dataSource, practiceId, (manager) =>
        recordAudit(manager, practiceId, context, {
          action: attempt.action,
          outcome,
          entityType: attempt.entityType,
          ...(attempt.entityId === undefined ? {} : { entityId: attempt.entityId }),
          patientId: attempt.patientId ?? null,
        }),
      );
    }
    throw error;
  }
}
