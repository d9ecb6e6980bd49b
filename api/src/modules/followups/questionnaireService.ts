import { z } from 'zod';
import { createDataKey, loadDataKey } from '../../crypto/dataKeys.js';
import { open, seal } from '../../crypto/envelope.js';
import type { RecordBinding } from '../../crypto/envelope.js';
import { badRequest, conflict, forbidden, notFound } from '../../errors.js';
import type { RequestContext } from '../../http/requestContext.js';
import type { ClinicalDeps } from '../records/clinicalAccess.js';
import { loadAppointment, requireNotCancelled } from '../records/clinicalAccess.js';
import { auditedAccess, callerOf } from '../../kernel/index.js';

const severity = z.enum(['none', 'mild', 'moderate', 'severe']);

/** The post-treatment symptom check a patient answers before a follow-up. */
export const symptomAnswersSchema = z.strictObject({
  /** 0 (none) to 10 (worst imaginable), the numeric rating scale. */
  painScore: z.int().min(0).max(10),
  swelling: severity,
  bruising: severity,
  asymmetry: z.boolean(),
  /** Redness spreading, warmth, discharge or fever. */
  infectionSigns: z.boolean(),
  /** Blurred or lost vision, or skin blanching: possible vascular occlusion after filler. */
  visionOrSkinColourChanges: z.boolean(),
  comments: z.string().max(2_000).default(''),
});
export type SymptomAnswers = z.infer<typeof symptomAnswersSchema>;

export interface QuestionnaireView {
  id: string;
  appointmentId: string;
  submittedAt: string;
  answers: SymptomAnswers;
  /** Answers that should bring a provider in before the scheduled follow-up. */
  needsUrgentReview: boolean;
}

/** Pain this high, infection or vascular warning signs are flagged for a provider. */
const URGENT_PAIN_SCORE = 8;

/** Whether answers should bring a provider in before the scheduled follow-up. */
export function needsUrgentReview(answers: SymptomAnswers): boolean {
  return answers.visionOrSkinColourChanges || answers.infectionSigns || answers.painScore >= URGENT_PAIN_SCORE;
}

function binding(practiceId: string, id: string): RecordBinding {
  return { purpose: 'symptom_questionnaire', practiceId, recordId: id, version: 0 };
}

/** Stores the patient's answers for a follow-up visit, encrypted (once per visit). */
export async function submitQuestionnaire(
  deps: ClinicalDeps,
  context: RequestContext,
  input: { appointmentId: string; answers: SymptomAnswers },
): Promise<QuestionnaireView> {
  if (callerOf(context).role !== 'patient') {
    throw forbidden('not_your_record', 'Only the visit patient answers its questionnaire');
  }
  return auditedAccess(
    deps.dataSource,
    context,
    {
      action: 'questionnaire.submit',
      entityType: 'appointment',
      entityId: input.appointmentId,
      createdEntityType: 'symptom_questionnaire',
      entityIdOf: (view) => view.id,
      locatePatient: async (tx) => (await loadAppointment(tx, input.appointmentId)).patientId,
      // The patient answers only their own visit's questions: anyone else's is 404.
      careTeam: true,
      notFoundCode: 'appointment_not_found',
    },
    async (manager, { caller }) => {
      const appointment = await loadAppointment(manager, input.appointmentId);
      if (appointment.kind !== 'follow_up') {
        throw badRequest('not_a_follow_up', 'Symptom questionnaires belong to follow-up visits');
      }
      requireNotCancelled(appointment);
      const existing = await manager.query<unknown[]>(`SELECT 1 FROM symptom_questionnaires WHERE appointment_id = $1`, [
        appointment.id,
      ]);
      if (existing.length > 0) {
        throw conflict('questionnaire_submitted', 'This visit already has answers');
      }
      const idRows = await manager.query<{ id: string }[]>(`SELECT gen_random_uuid() AS id`);
      const id = idRows[0]?.id ?? '';
      const dataKey = await createDataKey(manager, deps.keyRing, caller.practiceId);
      const sealed = seal(dataKey.key, Buffer.from(JSON.stringify(input.answers), 'utf8'), binding(caller.practiceId, id));
      const rows = await manager.query<{ submitted_at: Date }[]>(
        `INSERT INTO symptom_questionnaires (id, practice_id, patient_id, appointment_id, data_key_id, iv, ciphertext, auth_tag)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (practice_id, appointment_id) DO NOTHING RETURNING submitted_at`,
        [id, caller.practiceId, caller.userId, appointment.id, dataKey.id, sealed.iv, sealed.ciphertext, sealed.authTag],
      );
      if (rows.length === 0) {
        // A concurrent submission won the race.
        throw conflict('questionnaire_submitted', 'This visit already has answers');
      }
      return {
        id,
        appointmentId: appointment.id,
        submittedAt: (rows[0]?.submitted_at ?? new Date()).toISOString(),
        answers: input.answers,
        needsUrgentReview: needsUrgentReview(input.answers),
      };
    },
  );
}

/** Reads a follow-up's answers (the patient or a provider; audited). */
export async function readQuestionnaire(
  deps: ClinicalDeps,
  context: RequestContext,
  input: { appointmentId: string },
): Promise<QuestionnaireView> {
  const caller = callerOf(context);
  return auditedAccess(
    deps.dataSource,
    context,
    {
      action: 'questionnaire.read',
      entityType: 'appointment',
      entityId: input.appointmentId,
      createdEntityType: 'symptom_questionnaire',
      entityIdOf: (view) => view.id,
      locatePatient: async (tx) => {
        const rows = await tx.query<{ patient_id: string }[]>(
          `SELECT patient_id FROM symptom_questionnaires WHERE appointment_id = $1`,
          [input.appointmentId],
        );
        const row = rows[0];
        if (row === undefined) {
          throw notFound('questionnaire_not_found', 'No answers for this visit');
        }
        return row.patient_id;
      },
      careTeam: true,
      notFoundCode: 'questionnaire_not_found',
    },
    async (manager) => {
      const rows = await manager.query<
        { id: string; patient_id: string; data_key_id: string; iv: Buffer; ciphertext: Buffer; auth_tag: Buffer; submitted_at: Date }[]
      >(
        `SELECT id, patient_id, data_key_id, iv, ciphertext, auth_tag, submitted_at
         FROM symptom_questionnaires WHERE appointment_id = $1`,
        [input.appointmentId],
      );
      const row = rows[0];
      if (row === undefined) {
        throw notFound('questionnaire_not_found', 'No answers for this visit');
      }
      const dataKey = await loadDataKey(manager, deps.keyRing, row.data_key_id);
      const plaintext = open(dataKey, { iv: row.iv, ciphertext: row.ciphertext, authTag: row.auth_tag }, binding(caller.practiceId, row.id));
      const answers = symptomAnswersSchema.parse(JSON.parse(plaintext.toString('utf8')) as unknown);
      return {
        id: row.id,
        appointmentId: input.appointmentId,
        submittedAt: row.submitted_at.toISOString(),
        answers,
        needsUrgentReview: needsUrgentReview(answers),
      };
    },
  );
}
