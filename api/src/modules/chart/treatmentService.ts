import type { EntityManager } from 'typeorm';
import { z } from 'zod';
import { createDataKey } from '../../crypto/dataKeys.js';
import type { RecordBinding } from '../../crypto/envelope.js';
import { AppError, badRequest, conflict, forbidden, notFound } from '../../errors.js';
import type { RequestContext } from '../../http/requestContext.js';
import { auditedAccess } from '../../kernel/index.js';
import { assertGfeClearance } from '../gfe/gfeService.js';
import type { ClinicalDeps } from '../records/clinicalAccess.js';
import { loadAppointment, requireNotCancelled } from '../records/clinicalAccess.js';
import type { Appointment } from '../scheduling/appointments.js';
import { bookAppointmentIn } from '../scheduling/appointments.js';
import { locatePatientRow, openJson, personName, sealJson } from './sealedJson.js';

const calendarDate = z.iso.date();

/**
 * One injection site on the face diagram: x and y are normalised to the diagram (0..1 from
 * the left and the top), so the map does not depend on the size it was drawn at.
 */
export const injectionSiteSchema = z.strictObject({
  x: z.number().min(0).max(1),
  y: z.number().min(0).max(1),
  label: z.string().trim().min(1).max(80),
  amount: z.number().positive().max(1_000),
});

/** What the injector records about an in-person treatment (sealed at rest). */
export const treatmentContentSchema = z.strictObject({
  product: z.string().trim().min(1).max(120),
  lotNumber: z.string().trim().min(1).max(60),
  lotExpiry: calendarDate,
  unit: z.enum(['units', 'ml']),
  totalAmount: z.number().positive().max(1_000),
  sites: z.array(injectionSiteSchema).min(1).max(60),
  notes: z.string().trim().max(4_000).default(''),
});
export type TreatmentContent = z.infer<typeof treatmentContentSchema>;

export interface TreatmentView {
  id: string;
  appointmentId: string;
  patientId: string;
  providerId: string;
  providerName: string;
  serviceCode: string;
  treatedAt: string;
  content: TreatmentContent;
  followUps: { appointmentId: string; startsAt: string; status: string }[];
}

interface TreatmentRow {
  id: string;
  practice_id: string;
  appointment_id: string;
  patient_id: string;
  provider_id: string;
  service_code: string;
  data_key_id: string;
  iv: Buffer;
  ciphertext: Buffer;
  auth_tag: Buffer;
  treated_at: Date;
}

const COLUMNS = `id, practice_id, appointment_id, patient_id, provider_id, service_code, data_key_id, iv, ciphertext, auth_tag, treated_at`;

function binding(practiceId: string, id: string): RecordBinding {
  return { purpose: 'treatment_record', practiceId, recordId: id, version: 0 };
}

async function loadTreatment(tx: EntityManager, treatmentId: string): Promise<TreatmentRow> {
  const rows = await tx.query<TreatmentRow[]>(`SELECT ${COLUMNS} FROM treatment_records WHERE id = $1`, [treatmentId]);
  const row = rows[0];
  if (row === undefined) throw notFound('treatment_not_found', 'No such treatment record');
  return row;
}

async function viewOf(tx: EntityManager, deps: ClinicalDeps, row: TreatmentRow): Promise<TreatmentView> {
  const content = treatmentContentSchema.parse(await openJson(tx, deps.keyRing, row.data_key_id, row, binding(row.practice_id, row.id)));
  const followUps = await tx.query<{ id: string; starts_at: Date; status: string }[]>(
    `SELECT a.id, a.starts_at, a.status FROM follow_ups f
     JOIN appointments a ON a.practice_id = f.practice_id AND a.id = f.follow_up_appointment_id
     WHERE f.treatment_record_id = $1 ORDER BY a.starts_at`,
    [row.id],
  );
  return {
    id: row.id,
    appointmentId: row.appointment_id,
    patientId: row.patient_id,
    providerId: row.provider_id,
    providerName: await personName(tx, row.provider_id),
    serviceCode: row.service_code,
    treatedAt: row.treated_at.toISOString(),
    content,
    followUps: followUps.map((f) => ({ appointmentId: f.id, startsAt: f.starts_at.toISOString(), status: f.status })),
  };
}

/**
 * Records an in-person treatment on its treatment appointment: the appointment's provider
 * (or a medical director) writes it once, the lot must not have expired, and the patient
 * needs a Good Faith Exam clearance for the service that holds today under the practice's
 * validity rule for the visit's state. Sealed under its own data key.
 */
export async function recordTreatment(
  deps: ClinicalDeps,
  context: RequestContext,
  input: { appointmentId: string; content: TreatmentContent },
): Promise<TreatmentView> {
  let patientId = '';
  return auditedAccess(
    deps.dataSource,
    context,
    {
      action: 'treatment.write',
      entityType: 'treatment_record',
      entityIdOf: (value) => value.id,
      locatePatient: async (tx) => {
        patientId = (await loadAppointment(tx, input.appointmentId)).patientId;
        return patientId;
      },
      careTeam: true,
      metadataOf: (value) => ({ sites: value.content.sites.length, service: value.serviceCode }),
    },
    async (tx, { caller }) => {
      const appointment = await loadAppointment(tx, input.appointmentId);
      requireNotCancelled(appointment);
      if (caller.role !== 'medical_director' && appointment.providerId !== caller.userId) {
        throw forbidden('not_your_appointment', 'Only the treating provider or a medical director records the treatment');
      }
      if (appointment.kind !== 'treatment' || appointment.serviceCode === null) {
        throw badRequest('not_a_treatment_visit', 'Treatments are recorded on an in-person treatment visit');
      }
      const today = new Date();
      if (input.content.lotExpiry < today.toISOString().slice(0, 10)) {
        throw new AppError(422, 'lot_expired', 'This lot has expired: use product from an unexpired lot');
      }
      const existing = await tx.query<unknown[]>(`SELECT 1 FROM treatment_records WHERE appointment_id = $1`, [appointment.id]);
      if (existing.length > 0) throw conflict('treatment_recorded', 'This visit already has a treatment record');
      const stateRows = await tx.query<{ state: string }[]>(
        `SELECT coalesce(confirmed_state, patient_state) AS state FROM appointments WHERE id = $1`,
        [appointment.id],
      );
      await assertGfeClearance(tx, {
        patientId: appointment.patientId,
        serviceCode: appointment.serviceCode,
        at: today,
        state: stateRows[0]?.state ?? null,
      });
      const idRows = await tx.query<{ id: string }[]>(`SELECT gen_random_uuid() AS id`);
      const id = idRows[0]?.id ?? '';
      const dataKey = await createDataKey(tx, deps.keyRing, caller.practiceId);
      const sealed = sealJson(dataKey.key, input.content, binding(caller.practiceId, id));
      const rows = await tx.query<TreatmentRow[]>(
        `INSERT INTO treatment_records (id, practice_id, patient_id, appointment_id, provider_id, service_code, data_key_id,
           iv, ciphertext, auth_tag)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING ${COLUMNS}`,
        [
          id,
          caller.practiceId,
          appointment.patientId,
          appointment.id,
          caller.userId,
          appointment.serviceCode,
          dataKey.id,
          sealed.iv,
          sealed.ciphertext,
          sealed.authTag,
        ],
      );
      const row = rows[0];
      if (row === undefined) throw new Error('treatment insert returned no row');
      return viewOf(tx, deps, row);
    },
  );
}

/** One treatment record, decrypted (care team only). */
export async function readTreatment(deps: ClinicalDeps, context: RequestContext, input: { treatmentId: string }): Promise<TreatmentView> {
  return auditedAccess(
    deps.dataSource,
    context,
    {
      action: 'treatment.read',
      entityType: 'treatment_record',
      entityId: input.treatmentId,
      locatePatient: async (tx) => (await loadTreatment(tx, input.treatmentId)).patient_id,
      careTeam: true,
    },
    async (tx) => viewOf(tx, deps, await loadTreatment(tx, input.treatmentId)),
  );
}

/** The treatment recorded on a visit, or null (the treatment screen asks on open). */
export async function readVisitTreatment(
  deps: ClinicalDeps,
  context: RequestContext,
  input: { appointmentId: string },
): Promise<TreatmentView | null> {
  return auditedAccess(
    deps.dataSource,
    context,
    {
      action: 'treatment.read',
      entityType: 'appointment',
      entityId: input.appointmentId,
      locatePatient: async (tx) => (await loadAppointment(tx, input.appointmentId)).patientId,
      careTeam: true,
    },
    async (tx) => {
      const rows = await tx.query<TreatmentRow[]>(`SELECT ${COLUMNS} FROM treatment_records WHERE appointment_id = $1`, [
        input.appointmentId,
      ]);
      const row = rows[0];
      return row === undefined ? null : viewOf(tx, deps, row);
    },
  );
}

/** A patient's treatments, newest first, decrypted (care team only). */
export async function listPatientTreatments(
  deps: ClinicalDeps,
  context: RequestContext,
  input: { patientId: string },
): Promise<TreatmentView[]> {
  return auditedAccess(
    deps.dataSource,
    context,
    {
      action: 'treatment.list',
      entityType: 'patient',
      entityId: input.patientId,
      locatePatient: (tx) => locatePatientRow(tx, input.patientId),
      careTeam: true,
      metadataOf: (value) => ({ count: value.length }),
    },
    async (tx) => treatmentsOf(tx, deps, input.patientId),
  );
}

/** Decrypted treatments of a patient (inside a caller's audited access). */
export async function treatmentsOf(tx: EntityManager, deps: ClinicalDeps, patientId: string): Promise<TreatmentView[]> {
  const rows = await tx.query<TreatmentRow[]>(
    `SELECT ${COLUMNS} FROM treatment_records WHERE patient_id = $1 ORDER BY treated_at DESC, id`,
    [patientId],
  );
  const views: TreatmentView[] = [];
  for (const row of rows) views.push(await viewOf(tx, deps, row));
  return views;
}

export interface FollowUpFromTreatmentInput {
  treatmentId: string;
  appointmentTypeId: string;
  providerId?: string;
  startsAt: string;
  patientState: string;
  patientTimeZone: string;
}

/**
 * Books the virtual follow-up of a recorded treatment (GFE -> treatment -> follow-up)
 * through scheduling's booking (hours, license, no double-booking), linked to the record,
 * in one transaction.
 */
export async function bookFollowUpFromTreatment(
  deps: ClinicalDeps,
  context: RequestContext,
  input: FollowUpFromTreatmentInput,
): Promise<Appointment> {
  return auditedAccess(
    deps.dataSource,
    context,
    {
      action: 'followup.schedule',
      entityType: 'appointment',
      entityIdOf: (value) => value.id,
      locatePatient: async (tx) => (await loadTreatment(tx, input.treatmentId)).patient_id,
      careTeam: true,
    },
    async (tx, { caller }) => {
      const treatment = await loadTreatment(tx, input.treatmentId);
      const type = await tx.query<{ kind: string }[]>(`SELECT kind FROM appointment_types WHERE id = $1`, [input.appointmentTypeId]);
      if (type[0] !== undefined && type[0].kind !== 'follow_up') {
        throw badRequest('not_a_follow_up_type', 'Choose a follow-up visit type');
      }
      if (new Date(input.startsAt) <= treatment.treated_at) {
        throw badRequest('follow_up_before_treatment', 'A follow-up starts after the treatment');
      }
      const appointment = await bookAppointmentIn(tx, context, {
        appointmentTypeId: input.appointmentTypeId,
        providerId: input.providerId ?? treatment.provider_id,
        patientId: treatment.patient_id,
        startsAt: input.startsAt,
        patientState: input.patientState,
        patientTimeZone: input.patientTimeZone,
      });
      await tx.query(
        `INSERT INTO follow_ups (practice_id, follow_up_appointment_id, treatment_appointment_id, scheduled_by, treatment_record_id)
         VALUES ($1, $2, $3, $4, $5)`,
        [caller.practiceId, appointment.id, treatment.appointment_id, caller.userId, treatment.id],
      );
      return appointment;
    },
  );
}
