import type { AuditAction, AuditOutcome } from '@medspa/shared-types';
import type { DataSource, EntityManager } from 'typeorm';
import type { AuditMetadata } from '../audit/auditMetadata.js';
import { recordAudit } from '../audit/auditWriter.js';
import { withTenant } from '../db/tenantTransaction.js';
import { AppError } from '../errors.js';
import type { RequestContext } from '../http/requestContext.js';
import type { Caller } from './caller.js';
import { callerOf } from './caller.js';
import type { CareTeamBasis } from './careTeam.js';
import { requireCareTeam } from './careTeam.js';

/** What one audited access is about. */
export interface AccessSpec<T> {
  action: AuditAction;
  entityType: string;
  /** The record's id when known up front; `entityIdOf` names one created by the work. */
  entityId?: string;
  entityIdOf?: (value: T) => string;
  /**
   * The success event's entity type when the work creates a record of another kind than
   * the one addressed (a photo uploaded to an appointment): the refusal event keeps
   * `entityType`/`entityId`, the success event names the new record.
   */
  createdEntityType?: string;
  /** The 404 code a patient gets for another patient's record (default `patient_not_found`). */
  notFoundCode?: string;
  /**
   * Finds the patient the record belongs to, in the access's transaction (throwing 404
   * when the record is not in this practice), or null for records about no patient.
   */
  locatePatient: (tx: EntityManager) => Promise<string | null>;
  /**
   * Clinical records (notes, photos, questionnaires, intake, treatments...) are read and
   * written only by the patient's care team (kernel/careTeam.ts). Leave false for
   * records the route's role list alone governs (schedule, consent, identity).
   */
  careTeam: boolean;
  /** Non-PHI facts about the access for its success event (counts, formats). */
  metadataOf?: (value: T) => AuditMetadata;
}

/** What the work learns from the kernel. */
export interface AccessFacts {
  caller: Caller;
  patientId: string | null;
  /** Set when `careTeam` was checked. */
  basis: CareTeamBasis | null;
}

function refusalOutcome(error: unknown): AuditOutcome | null {
  if (!(error instanceof AppError)) return null;
  if (error.status === 403) return 'denied';
  if (error.status === 404 || error.status === 409 || error.status === 422) return 'failure';
  return null;
}

/**
 * The one audited-access helper (house rule 5, docs/house-rules.md). In one tenant
 * transaction: locate the patient, check the care team, run the work, write the success
 * event. If the access is refused (403) or fails on an unknown or conflicting record
 * (404/409/422), that transaction rolls back and one `denied`/`failure` event is written on
 * its own, naming the patient when the access got that far, so refused attempts appear in
 * the patient's access history too.
 */
export async function auditedAccess<T>(
  dataSource: DataSource,
  context: RequestContext,
  spec: AccessSpec<T>,
  work: (tx: EntityManager, facts: AccessFacts) => Promise<T>,
): Promise<T> {
  const caller = callerOf(context);
  // How far the access got, for its refusal event (the transaction's values roll back).
  const reached: { patientId: string | null; basis: CareTeamBasis | null } = { patientId: null, basis: null };
  try {
    return await withTenant(dataSource, caller.practiceId, async (tx) => {
      const patientId = await spec.locatePatient(tx);
      reached.patientId = patientId;
      const basis = spec.careTeam && patientId !== null ? await requireCareTeam(tx, caller, patientId, { notFoundCode: spec.notFoundCode }) : null;
      reached.basis = basis;
      const value = await work(tx, { caller, patientId, basis });
      const entityId = spec.entityIdOf?.(value) ?? spec.entityId;
      const metadata = { ...(spec.metadataOf?.(value) ?? {}), ...(basis === 'break_glass' ? { access_basis: basis } : {}) };
      await recordAudit(tx, caller.practiceId, context, {
        action: spec.action,
        entityType: spec.entityIdOf !== undefined && spec.createdEntityType !== undefined ? spec.createdEntityType : spec.entityType,
        ...(entityId === undefined ? {} : { entityId }),
        patientId,
        metadata: Object.keys(metadata).length === 0 ? null : metadata,
      });
      return value;
    });
  } catch (error) {
    const { patientId, basis } = reached;
    await auditRefusal(dataSource, context, error, {
      action: spec.action,
      entityType: spec.entityType,
      ...(spec.entityId === undefined ? {} : { entityId: spec.entityId }),
      patientId,
      // A refusal past the care-team check under break-glass is still break-glass access.
      ...(basis === 'break_glass' ? { metadata: { access_basis: basis } } : {}),
    });
    throw error;
  }
}

/** What a refusal event names. */
export interface RefusalSpec {
  action: AuditAction;
  entityType: string;
  entityId?: string;
  patientId: string | null;
  metadata?: AuditMetadata;
}

/**
 * The one refusal policy (docs/access-policy.md): a 403 is recorded as `denied`, a 404,
 * 409 or 422 as `failure`, each in a transaction of its own because the access's own
 * transaction has rolled back. Other errors (bugs, outages) are not refusals and are left
 * to the error handler.
 */
async function auditRefusal(dataSource: DataSource, context: RequestContext, error: unknown, spec: RefusalSpec): Promise<void> {
  const outcome = refusalOutcome(error);
  const caller = context.auth;
  if (outcome === null || caller === null) return;
  await withTenant(dataSource, caller.practiceId, (tx) =>
    recordAudit(tx, caller.practiceId, context, {
      action: spec.action,
      outcome,
      entityType: spec.entityType,
      ...(spec.entityId === undefined ? {} : { entityId: spec.entityId }),
      patientId: spec.patientId,
      metadata: spec.metadata ?? null,
    }),
  );
}

/**
 * For use cases that write their own success events because they also run inside larger
 * transactions (booking an appointment is reused by follow-up scheduling): runs `work` in
 * one tenant transaction and records a refusal under the same policy as `auditedAccess`.
 * `refusal` names the attempt; the patient may be null when it is not yet known.
 */
export async function withRefusalAudit<T>(
  dataSource: DataSource,
  context: RequestContext,
  refusal: RefusalSpec,
  work: (tx: EntityManager, caller: Caller) => Promise<T>,
): Promise<T> {
  const caller = callerOf(context);
  try {
    return await withTenant(dataSource, caller.practiceId, (tx) => work(tx, caller));
  } catch (error) {
    await auditRefusal(dataSource, context, error, refusal);
    throw error;
  }
}
