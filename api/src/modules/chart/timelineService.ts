import type { EntityManager } from 'typeorm';
import type { RequestContext } from '../../http/requestContext.js';
import { auditedAccess } from '../../kernel/index.js';
import { needsUrgentReview, symptomAnswersSchema } from '../followups/questionnaireService.js';
import type { SymptomAnswers } from '../followups/questionnaireService.js';
import { clearanceHolds, effectiveClearance } from '../gfe/gfeValidity.js';
import type { ClinicalDeps } from '../records/clinicalAccess.js';
import { locatePatientRow, openJson } from './sealedJson.js';
import type { TreatmentView } from './treatmentService.js';
import { treatmentsOf } from './treatmentService.js';

export interface TimelineVisit {
  id: string;
  kind: string;
  serviceCode: string | null;
  startsAt: string;
  status: string;
  providerName: string;
  state: string;
}

export interface TimelineExam {
  serviceCode: string;
  outcome: 'cleared' | 'deferred' | 'not_cleared';
  decidedAt: string;
  /** When the clearance lapses by date under the practice rule (null: by use, or not a clearance). */
  expiresAt: string | null;
  /** The rule asks for a new exam before every treatment. */
  everyTreatment: boolean;
  current: boolean;
}

export interface TimelineNote {
  id: string;
  appointmentId: string;
  template: string;
  signedAt: string | null;
  authorName: string;
  review: string | null;
}

export interface TimelinePhoto {
  id: string;
  appointmentId: string;
  phase: string;
  createdAt: string;
}

export interface TimelineAnswers {
  appointmentId: string;
  submittedAt: string;
  answers: SymptomAnswers;
  needsUrgentReview: boolean;
}

export interface TimelineAdverseEvent {
  id: string;
  severity: string;
  status: string;
  occurredAt: string;
}

/** Everything a provider sees on a patient's chart, in one audited read. */
export interface PatientTimeline {
  patient: { id: string; name: string; dateOfBirth: string | null };
  visits: TimelineVisit[];
  exams: TimelineExam[];
  notes: TimelineNote[];
  photos: TimelinePhoto[];
  questionnaires: TimelineAnswers[];
  treatments: TreatmentView[];
  intake: { version: number; updatedAt: string } | null;
  adverseEvents: TimelineAdverseEvent[];
}

async function examsOf(tx: EntityManager, patientId: string, state: string | null): Promise<TimelineExam[]> {
  const rows = await tx.query<
    { service_code: string; outcome: TimelineExam['outcome']; decided_at: Date; expires_at: Date | null }[]
  >(
    `SELECT DISTINCT ON (service_code) service_code, outcome, decided_at, expires_at FROM gfe_outcomes
     WHERE patient_id = $1 AND decided_at <= now() ORDER BY service_code, decided_at DESC, id`,
    [patientId],
  );
  const exams: TimelineExam[] = [];
  const now = new Date();
  for (const row of rows) {
    if (row.outcome !== 'cleared') {
      exams.push({ serviceCode: row.service_code, outcome: row.outcome, decidedAt: row.decided_at.toISOString(), expiresAt: null, everyTreatment: false, current: false });
      continue;
    }
    const effective = await effectiveClearance(
      tx,
      { patientId, serviceCode: row.service_code, decidedAt: row.decided_at, expiresAt: row.expires_at },
      state,
    );
    exams.push({
      serviceCode: row.service_code,
      outcome: row.outcome,
      decidedAt: row.decided_at.toISOString(),
      expiresAt: effective.expiresAt?.toISOString() ?? null,
      everyTreatment: effective.everyTreatment,
      current: clearanceHolds(effective, now),
    });
  }
  return exams;
}

/** The chart of one patient for their care team (audited `timeline.read`). */
export async function readTimeline(deps: ClinicalDeps, context: RequestContext, input: { patientId: string }): Promise<PatientTimeline> {
  return auditedAccess(
    deps.dataSource,
    context,
    {
      action: 'timeline.read',
      entityType: 'patient',
      entityId: input.patientId,
      locatePatient: (tx) => locatePatientRow(tx, input.patientId),
      careTeam: true,
    },
    async (tx) => {
      const patientId = input.patientId;
      const people = await tx.query<{ name: string; date_of_birth: string | null }[]>(
        `SELECT given_name || ' ' || family_name AS name, to_jsonb(u) ->> 'date_of_birth' AS date_of_birth FROM users u WHERE id = $1`,
        [patientId],
      );
      const visits = await tx.query<
        { id: string; kind: string; service_code: string | null; starts_at: Date; status: string; provider_name: string; state: string }[]
      >(
        `SELECT a.id, a.kind, a.service_code, a.starts_at, a.status, u.given_name || ' ' || u.family_name AS provider_name,
           coalesce(a.confirmed_state, a.patient_state) AS state
         FROM appointments a JOIN users u ON u.practice_id = a.practice_id AND u.id = a.provider_id
         WHERE a.patient_id = $1 ORDER BY a.starts_at DESC LIMIT 200`,
        [patientId],
      );
      // The rule in force is the one for where the patient was at their latest visit.
      const state = visits.find((visit) => visit.starts_at.getTime() <= Date.now())?.state ?? visits[0]?.state ?? null;
      const notes = await tx.query<
        { id: string; appointment_id: string; template: string; signed_at: Date | null; author_name: string; review: string | null }[]
      >(
        `SELECT n.id, n.appointment_id, n.template, n.signed_at, u.given_name || ' ' || u.family_name AS author_name, r.status AS review
         FROM clinical_notes n JOIN users u ON u.practice_id = n.practice_id AND u.id = n.author_id
         LEFT JOIN chart_reviews r ON r.practice_id = n.practice_id AND r.note_id = n.id
         WHERE n.patient_id = $1 ORDER BY n.created_at DESC`,
        [patientId],
      );
      const photos = await tx.query<{ id: string; appointment_id: string; phase: string; created_at: Date }[]>(
        `SELECT id, appointment_id, phase, created_at FROM clinical_photos WHERE patient_id = $1 ORDER BY created_at DESC`,
        [patientId],
      );
      const answerRows = await tx.query<
        { id: string; practice_id: string; appointment_id: string; data_key_id: string; iv: Buffer; ciphertext: Buffer; auth_tag: Buffer; submitted_at: Date }[]
      >(
        `SELECT id, practice_id, appointment_id, data_key_id, iv, ciphertext, auth_tag, submitted_at
         FROM symptom_questionnaires WHERE patient_id = $1 ORDER BY submitted_at DESC`,
        [patientId],
      );
      const questionnaires: TimelineAnswers[] = [];
      for (const row of answerRows) {
        // The binding questionnaireService seals answers with.
        const answers = symptomAnswersSchema.parse(
          await openJson(tx, deps.keyRing, row.data_key_id, row, {
            purpose: 'symptom_questionnaire',
            practiceId: row.practice_id,
            recordId: row.id,
            version: 0,
          }),
        );
        questionnaires.push({
          appointmentId: row.appointment_id,
          submittedAt: row.submitted_at.toISOString(),
          answers,
          needsUrgentReview: needsUrgentReview(answers),
        });
      }
      const intake = await tx.query<{ current_version: number; updated_at: Date }[]>(
        `SELECT current_version, updated_at FROM intake_forms WHERE patient_id = $1 AND current_version > 0`,
        [patientId],
      );
      const events = await tx.query<{ id: string; severity: string; status: string; occurred_at: Date }[]>(
        `SELECT id, severity, status, occurred_at FROM adverse_events WHERE patient_id = $1 ORDER BY occurred_at DESC`,
        [patientId],
      );
      return {
        patient: { id: patientId, name: people[0]?.name ?? '', dateOfBirth: people[0]?.date_of_birth ?? null },
        visits: visits.map((visit) => ({
          id: visit.id,
          kind: visit.kind,
          serviceCode: visit.service_code,
          startsAt: visit.starts_at.toISOString(),
          status: visit.status,
          providerName: visit.provider_name,
          state: visit.state,
        })),
        exams: await examsOf(tx, patientId, state),
        notes: notes.map((note) => ({
          id: note.id,
          appointmentId: note.appointment_id,
          template: note.template,
          signedAt: note.signed_at?.toISOString() ?? null,
          authorName: note.author_name,
          review: note.review,
        })),
        photos: photos.map((photo) => ({ id: photo.id, appointmentId: photo.appointment_id, phase: photo.phase, createdAt: photo.created_at.toISOString() })),
        questionnaires,
        treatments: await treatmentsOf(tx, deps, patientId),
        intake: intake[0] === undefined ? null : { version: intake[0].current_version, updatedAt: intake[0].updated_at.toISOString() },
        adverseEvents: events.map((event) => ({ id: event.id, severity: event.severity, status: event.status, occurredAt: event.occurred_at.toISOString() })),
      };
    },
  );
}
