import type { EntityManager } from 'typeorm';
import { AppError } from '../../errors.js';
import type { RequestContext } from '../../http/requestContext.js';
import type { GfeOutcome, ServiceAssessment } from '../notes/noteContent.js';
import type { ClinicalDeps } from '../records/clinicalAccess.js';
import { requirePatientInPractice } from '../records/clinicalAccess.js';
import { auditedAccess } from '../../kernel/index.js';
import { clearanceHolds, effectiveClearance } from './gfeValidity.js';

const DAY_MS = 24 * 60 * 60 * 1000;

/** One decision of record about one service for one patient. */
export interface GfeOutcomeView {
  id: string;
  serviceCode: string;
  outcome: GfeOutcome;
  decidedAt: string;
  expiresAt: string | null;
  providerId: string;
  appointmentId: string;
  noteId: string;
  /** True when this is a clearance that has not expired at the time asked about. */
  current: boolean;
}

interface OutcomeRow {
  id: string;
  service_code: string;
  outcome: GfeOutcome;
  decided_at: Date;
  expires_at: Date | null;
  provider_id: string;
  appointment_id: string;
  note_id: string;
}

function viewOf(row: OutcomeRow, at: Date): GfeOutcomeView {
  return {
    id: row.id,
    serviceCode: row.service_code,
    outcome: row.outcome,
    decidedAt: row.decided_at.toISOString(),
    expiresAt: row.expires_at?.toISOString() ?? null,
    providerId: row.provider_id,
    appointmentId: row.appointment_id,
    noteId: row.note_id,
    current: row.outcome === 'cleared' && row.expires_at !== null && row.expires_at > at,
  };
}

/** The GFE note being signed, whose assessments become outcomes of record. */
export interface GfeDecision {
  noteId: string;
  appointmentId: string;
  patientId: string;
  providerId: string;
  decidedAt: Date;
  services: readonly ServiceAssessment[];
}

/**
 * Writes one outcome per assessed service when a GFE note is signed, in the signing
 * transaction. A clearance expires `validForDays` after signing; deferrals and refusals do
 * not expire but are superseded by any later decision for the same service.
 */
export async function recordGfeOutcomes(manager: EntityManager, practiceId: string, decision: GfeDecision): Promise<void> {
  for (const service of decision.services) {
    const expiresAt =
      service.outcome === 'cleared' && service.validForDays !== undefined
        ? new Date(decision.decidedAt.getTime() + service.validForDays * DAY_MS)
        : null;
    await manager.query(
      `INSERT INTO gfe_outcomes (practice_id, patient_id, provider_id, note_id, appointment_id, service_code,
         outcome, decided_at, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [
        practiceId,
        decision.patientId,
        decision.providerId,
        decision.noteId,
        decision.appointmentId,
        service.serviceCode,
        service.outcome,
        decision.decidedAt,
        expiresAt,
      ],
    );
  }
}

/** The latest decision per service for a patient, as of `at` (tenant transaction). */
export async function latestGfeOutcomes(manager: EntityManager, patientId: string, at: Date): Promise<GfeOutcomeView[]> {
  const rows = await manager.query<OutcomeRow[]>(
    `SELECT DISTINCT ON (service_code) id, service_code, outcome, decided_at, expires_at, provider_id, appointment_id, note_id
     FROM gfe_outcomes
     WHERE patient_id = $1 AND decided_at <= $2
     ORDER BY service_code, decided_at DESC, id`,
    [patientId, at],
  );
  return rows.map((row) => viewOf(row, at));
}

export interface ClearanceQuery {
  patientId: string;
  serviceCode: string;
  /** When the treatment takes place: the clearance must still hold then. */
  at: Date;
  /** Where the patient is (the visit's state): picks the medical director's validity rule. */
  state?: string | null;
}

/**
 * Refuses (409 `gfe_clearance_required`) unless the patient's latest Good Faith Exam
 * decision for the service is a clearance that still holds at `at` under the practice's
 * validity rule for the patient's state (gfeValidity.ts; without a rule, the exam's own
 * expiry). Call it inside the booking or treatment transaction (tenant-scoped manager) so
 * the check and the write commit together.
 */
export async function assertGfeClearance(manager: EntityManager, query: ClearanceQuery): Promise<void> {
  const rows = await manager.query<{ outcome: GfeOutcome; decided_at: Date; expires_at: Date | null }[]>(
    `SELECT outcome, decided_at, expires_at FROM gfe_outcomes
     WHERE patient_id = $1 AND service_code = $2 AND decided_at <= now()
     ORDER BY decided_at DESC, id LIMIT 1`,
    [query.patientId, query.serviceCode],
  );
  const latest = rows[0];
  const holds =
    latest?.outcome === 'cleared' &&
    clearanceHolds(
      await effectiveClearance(
        manager,
        { patientId: query.patientId, serviceCode: query.serviceCode, decidedAt: latest.decided_at, expiresAt: latest.expires_at },
        query.state ?? null,
      ),
      query.at,
    );
  if (!holds) {
    throw new AppError(
      409,
      'gfe_clearance_required',
      'A current Good Faith Exam clearance for this service is required before treatment',
    );
  }
}

/**
 * Lists a patient's latest GFE decision per service (audited `gfe.read`): a clinical
 * record, so the patient themself or their care team (docs/access-policy.md). Booking a
 * treatment checks clearance on the server, so the front desk needs no read of its own.
 */
export async function listGfeOutcomes(
  { dataSource }: ClinicalDeps,
  context: RequestContext,
  input: { patientId: string },
): Promise<GfeOutcomeView[]> {
  return auditedAccess(
    dataSource,
    context,
    {
      action: 'gfe.read',
      entityType: 'patient',
      entityId: input.patientId,
      locatePatient: async (tx) => {
        await requirePatientInPractice(tx, input.patientId);
        return input.patientId;
      },
      careTeam: true,
    },
    (manager) => latestGfeOutcomes(manager, input.patientId, new Date()),
  );
}
