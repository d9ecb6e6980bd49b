import { recordAudit } from '../../audit/auditWriter.js';
import { loadDataKey } from '../../crypto/dataKeys.js';
import { withTenant } from '../../db/tenantTransaction.js';
import { forbidden } from '../../errors.js';
import type { RequestContext } from '../../http/requestContext.js';
import { noteContentOf, openNoteVersion } from '../notes/noteCipher.js';
import type { NoteTemplate } from '../notes/noteContent.js';
import type { ClinicalDeps } from './clinicalAccess.js';
import { callerOf } from '../../kernel/index.js';

/** What a patient sees of one visit: what was done, decisions, and what comes next. */
export interface VisitSummary {
  appointmentId: string;
  kind: string;
  serviceCode: string | null;
  startsAt: string;
  status: string;
  provider: { name: string; credential: string | null };
  /** The signed note (readable in full at /v1/me/notes/:noteId); null until signed. */
  noteId: string | null;
  /** The signed note's patient-facing summary; null until the note is signed. */
  summary: string | null;
  signedAt: string | null;
  gfeOutcomes: { serviceCode: string; outcome: string; expiresAt: string | null }[];
  followUps: { appointmentId: string; startsAt: string; status: string }[];
}

const MAX_VISITS = 200;

interface VisitRow {
  id: string;
  kind: string;
  service_code: string | null;
  starts_at: Date;
  status: string;
  given_name: string;
  family_name: string;
  credential: string | null;
  note_id: string | null;
  template: NoteTemplate | null;
  data_key_id: string | null;
  signed_at: Date | null;
  signed_version: number | null;
  iv: Buffer | null;
  ciphertext: Buffer | null;
  auth_tag: Buffer | null;
}

/**
 * The signed-in patient's visits, newest first, with each signed note's patient summary
 * (the clinical sections stay with providers), GFE outcomes and booked follow-ups.
 * Audited as one `visit_summary.read` of the patient's record.
 */
export async function listOwnVisitSummaries(deps: ClinicalDeps, context: RequestContext): Promise<VisitSummary[]> {
  const caller = callerOf(context);
  if (caller.role !== 'patient') {
    throw forbidden();
  }
  return withTenant(deps.dataSource, caller.practiceId, async (manager) => {
    // Only the signed version of a note is shown: drafts are not part of the record yet.
    const visits = await manager.query<VisitRow[]>(
      `SELECT a.id, a.kind, a.service_code, a.starts_at, a.status, u.given_name, u.family_name, pp.credential,
              n.id AS note_id, n.template, n.data_key_id, n.signed_at, n.signed_version,
              v.iv, v.ciphertext, v.auth_tag
       FROM appointments a
       JOIN users u ON u.practice_id = a.practice_id AND u.id = a.provider_id
       LEFT JOIN provider_profiles pp ON pp.practice_id = a.practice_id AND pp.user_id = a.provider_id
       LEFT JOIN clinical_notes n ON n.practice_id = a.practice_id AND n.appointment_id = a.id
       LEFT JOIN clinical_note_versions v
         ON v.practice_id = n.practice_id AND v.note_id = n.id AND v.version = n.signed_version
       WHERE a.patient_id = $1 AND a.status <> 'cancelled'
       ORDER BY a.starts_at DESC LIMIT ${MAX_VISITS}`,
      [caller.userId],
    );
    const ids = visits.map((visit) => visit.id);
    const outcomes = await manager.query<{ appointment_id: string; service_code: string; outcome: string; expires_at: Date | null }[]>(
      `SELECT appointment_id, service_code, outcome, expires_at FROM gfe_outcomes
       WHERE appointment_id = ANY($1::uuid[]) ORDER BY service_code`,
      [ids],
    );
    const followUps = await manager.query<{ treatment_appointment_id: string; id: string; starts_at: Date; status: string }[]>(
      `SELECT f.treatment_appointment_id, a.id, a.starts_at, a.status FROM follow_ups f
       JOIN appointments a ON a.practice_id = f.practice_id AND a.id = f.follow_up_appointment_id
       WHERE f.treatment_appointment_id = ANY($1::uuid[]) ORDER BY a.starts_at`,
      [ids],
    );
    const summaries: VisitSummary[] = [];
    for (const visit of visits) {
      let summary: string | null = null;
      if (
        visit.note_id !== null &&
        visit.template !== null &&
        visit.data_key_id !== null &&
        visit.signed_version !== null &&
        visit.iv !== null &&
        visit.ciphertext !== null &&
        visit.auth_tag !== null
      ) {
        const dataKey = await loadDataKey(manager, deps.keyRing, visit.data_key_id);
        const plaintext = openNoteVersion(
          dataKey,
          { practiceId: caller.practiceId, noteId: visit.note_id },
          visit.signed_version,
          { iv: visit.iv, ciphertext: visit.ciphertext, authTag: visit.auth_tag },
        );
        summary = noteContentOf(visit.template, plaintext).patientSummary;
      }
      summaries.push({
        appointmentId: visit.id,
        kind: visit.kind,
        serviceCode: visit.service_code,
        startsAt: visit.starts_at.toISOString(),
        status: visit.status,
        provider: { name: `${visit.given_name} ${visit.family_name}`, credential: visit.credential },
        noteId: summary === null ? null : visit.note_id,
        summary,
        signedAt: visit.signed_at?.toISOString() ?? null,
        gfeOutcomes: outcomes
          .filter((outcome) => outcome.appointment_id === visit.id)
          .map((outcome) => ({
            serviceCode: outcome.service_code,
            outcome: outcome.outcome,
            expiresAt: outcome.expires_at?.toISOString() ?? null,
          })),
        followUps: followUps
          .filter((followUp) => followUp.treatment_appointment_id === visit.id)
          .map((followUp) => ({ appointmentId: followUp.id, startsAt: followUp.starts_at.toISOString(), status: followUp.status })),
      });
    }
    await recordAudit(manager, caller.practiceId, context, {
      action: 'visit_summary.read',
      entityType: 'patient',
      entityId: caller.userId,
      patientId: caller.userId,
    });
    return summaries;
  });
}
