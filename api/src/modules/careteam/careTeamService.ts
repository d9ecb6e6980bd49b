import type { AuditAction } from '@medspa/shared-types';
import type { DataSource } from 'typeorm';
import { conflict, notFound } from '../../errors.js';
import type { RequestContext } from '../../http/requestContext.js';
import type { AccessSpec } from '../../kernel/index.js';
import { BREAK_GLASS_MINUTES, auditedAccess } from '../../kernel/index.js';
import { requirePatientInPractice } from '../records/clinicalAccess.js';
import type { AssignmentRow } from './careTeamStore.js';
import { activeAssignments, endAssignment, grantsForReview, insertAssignment, insertGrant, isProviderUser } from './careTeamStore.js';

/** Who may assign providers to a patient's care team (docs/access-policy.md). */
export const CARE_TEAM_MANAGERS = ['admin', 'medical_director'] as const;

/** Who reviews break-glass grants (the compliance console). */
export const BREAK_GLASS_REVIEWERS = ['compliance_officer', 'admin'] as const;

export interface AssignmentView {
  id: string;
  patientId: string;
  providerId: string;
  assignedBy: string;
  assignedAt: string;
  endedAt: string | null;
}

export interface BreakGlassView {
  id: string;
  patientId: string;
  grantedAt: string;
  expiresAt: string;
}

export interface BreakGlassReview extends BreakGlassView {
  user: { id: string; name: string; role: string };
  /** Reviewers need to know whose record was opened; they are entitled to the name. */
  patientName: string;
  reason: string;
  active: boolean;
}

const assignmentView = (row: AssignmentRow): AssignmentView => ({
  id: row.id,
  patientId: row.patient_id,
  providerId: row.provider_id,
  assignedBy: row.assigned_by,
  assignedAt: row.assigned_at.toISOString(),
  endedAt: row.ended_at?.toISOString() ?? null,
});

/** Locates a patient of the caller's practice for an access about them (404 otherwise). */
const thePatient = (patientId: string) => async (tx: Parameters<typeof requirePatientInPractice>[0]) => {
  await requirePatientInPractice(tx, patientId);
  return patientId;
};

/**
 * An assignment change is audited against the patient (so it shows in their access
 * history), names the assignment it made or ended, and records which provider.
 */
function assignmentAccess(action: AuditAction, input: { patientId: string; providerId: string }): AccessSpec<AssignmentView> {
  return {
    action,
    entityType: 'patient',
    entityId: input.patientId,
    createdEntityType: 'care_team_assignment',
    entityIdOf: (view) => view.id,
    locatePatient: thePatient(input.patientId),
    careTeam: false,
    metadataOf: () => ({ provider_id: input.providerId }),
  };
}

/** Puts a provider on a patient's care team (409 when already assigned). */
export async function assignToCareTeam(
  dataSource: DataSource,
  context: RequestContext,
  input: { patientId: string; providerId: string },
): Promise<AssignmentView> {
  return auditedAccess(
    dataSource,
    context,
    assignmentAccess('care_team.assign', input),
    async (tx, { caller }) => {
      if (!(await isProviderUser(tx, input.providerId))) {
        throw notFound('provider_not_found', 'No provider with this id in the practice');
      }
      const row = await insertAssignment(tx, {
        practiceId: caller.practiceId,
        patientId: input.patientId,
        providerId: input.providerId,
        assignedBy: caller.userId,
      });
      if (row === null) {
        throw conflict('already_on_care_team', 'This provider is already on the patient’s care team');
      }
      return assignmentView(row);
    },
  );
}

/** Ends a provider's assignment to a patient (404 when none is active). */
export async function removeFromCareTeam(
  dataSource: DataSource,
  context: RequestContext,
  input: { patientId: string; providerId: string },
): Promise<AssignmentView> {
  return auditedAccess(
    dataSource,
    context,
    assignmentAccess('care_team.end', input),
    async (tx, { caller }) => {
      const row = await endAssignment(tx, { patientId: input.patientId, providerId: input.providerId, endedBy: caller.userId });
      if (row === null) {
        throw notFound('assignment_not_found', 'This provider has no active assignment to the patient');
      }
      return assignmentView(row);
    },
  );
}

/** A patient's active explicit assignments (appointments add the rest of the care team). */
export async function listCareTeamAssignments(
  dataSource: DataSource,
  context: RequestContext,
  input: { patientId: string },
): Promise<AssignmentView[]> {
  return auditedAccess(
    dataSource,
    context,
    { action: 'care_team.list', entityType: 'patient', entityId: input.patientId, locatePatient: thePatient(input.patientId), careTeam: false },
    async (tx) => (await activeAssignments(tx, input.patientId)).map(assignmentView),
  );
}

/**
 * Break-glass: a staff member outside the patient's care team takes time-boxed access to
 * their clinical records for a stated reason. The reason is stored with the grant for
 * compliance review; the audit event (`access.break_glass`) carries only its length, as it
 * may describe the patient's condition. Every access under the grant is audited with
 * `access_basis: break_glass` by the kernel.
 */
export async function breakGlass(
  dataSource: DataSource,
  context: RequestContext,
  input: { patientId: string; reason: string },
): Promise<BreakGlassView> {
  return auditedAccess(
    dataSource,
    context,
    {
      action: 'access.break_glass',
      entityType: 'patient',
      entityId: input.patientId,
      createdEntityType: 'break_glass_grant',
      entityIdOf: (view) => view.id,
      locatePatient: thePatient(input.patientId),
      careTeam: false,
      metadataOf: () => ({ reason_length: input.reason.length, expires_in_minutes: BREAK_GLASS_MINUTES }),
    },
    async (tx, { caller }) => {
      const row = await insertGrant(tx, {
        practiceId: caller.practiceId,
        userId: caller.userId,
        patientId: input.patientId,
        reason: input.reason,
        minutes: BREAK_GLASS_MINUTES,
      });
      return { id: row.id, patientId: row.patient_id, grantedAt: row.granted_at.toISOString(), expiresAt: row.expires_at.toISOString() };
    },
  );
}

/** Break-glass grants since `since` for compliance review (audited `break_glass.list`). */
export async function reviewBreakGlass(
  dataSource: DataSource,
  context: RequestContext,
  input: { since: Date; limit: number },
): Promise<BreakGlassReview[]> {
  return auditedAccess(
    dataSource,
    context,
    {
      action: 'break_glass.list',
      entityType: 'break_glass_grant',
      locatePatient: () => Promise.resolve(null),
      careTeam: false,
      metadataOf: (rows) => ({ since: input.since.toISOString(), count: rows.length }),
    },
    async (tx) => {
      const now = Date.now();
      return (await grantsForReview(tx, input.since, input.limit)).map((row) => ({
        id: row.id,
        patientId: row.patient_id,
        grantedAt: row.granted_at.toISOString(),
        expiresAt: row.expires_at.toISOString(),
        user: { id: row.user_id, name: `${row.given_name} ${row.family_name}`, role: row.role },
        patientName: `${row.patient_given_name} ${row.patient_family_name}`,
        reason: row.reason,
        active: row.expires_at.getTime() > now,
      }));
    },
  );
}
