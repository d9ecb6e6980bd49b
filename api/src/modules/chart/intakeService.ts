import type { EntityManager } from 'typeorm';
import { z } from 'zod';
import { createDataKey, loadDataKey } from '../../crypto/dataKeys.js';
import type { RecordBinding } from '../../crypto/envelope.js';
import { conflict, forbidden, notFound } from '../../errors.js';
import type { RequestContext } from '../../http/requestContext.js';
import { auditedAccess } from '../../kernel/index.js';
import type { ClinicalDeps } from '../records/clinicalAccess.js';
import { locatePatientRow, openJson, sealJson } from './sealedJson.js';

const text = z.string().trim().max(4_000);

/** The health questions a patient answers before a Good Faith Exam. */
export const intakeContentSchema = z.strictObject({
  medicalHistory: text,
  medications: text,
  allergies: text,
  pregnancyOrBreastfeeding: z.enum(['no', 'pregnant', 'breastfeeding', 'trying_to_conceive', 'not_applicable']),
  priorInjectables: text,
  priorComplications: text,
});
export type IntakeContent = z.infer<typeof intakeContentSchema>;

export interface IntakeView {
  version: number;
  updatedAt: string;
  updatedBy: string;
  content: IntakeContent;
}

export interface IntakeVersionMeta {
  version: number;
  createdAt: string;
  createdBy: string;
}

interface IntakeRow {
  id: string;
  practice_id: string;
  data_key_id: string;
  current_version: number;
}

/** AAD of one version: a version can never pass for another version or another record. */
function binding(row: Pick<IntakeRow, 'practice_id' | 'id'>, version: number): RecordBinding {
  return { purpose: 'intake_form_version', practiceId: row.practice_id, recordId: row.id, version };
}

async function intakeOf(manager: EntityManager, patientId: string, lock = false): Promise<IntakeRow | null> {
  const rows = await manager.query<IntakeRow[]>(
    `SELECT id, practice_id, data_key_id, current_version FROM intake_forms WHERE patient_id = $1${lock ? ' FOR UPDATE' : ''}`,
    [patientId],
  );
  return rows[0] ?? null;
}

async function readVersion(manager: EntityManager, deps: ClinicalDeps, row: IntakeRow, version: number): Promise<IntakeView> {
  const versions = await manager.query<{ iv: Buffer; ciphertext: Buffer; auth_tag: Buffer; created_at: Date; created_by: string }[]>(
    `SELECT iv, ciphertext, auth_tag, created_at, created_by FROM intake_form_versions WHERE intake_id = $1 AND version = $2`,
    [row.id, version],
  );
  const found = versions[0];
  if (found === undefined) throw notFound('intake_version_not_found', 'No such version of the intake form');
  const content = intakeContentSchema.parse(await openJson(manager, deps.keyRing, row.data_key_id, found, binding(row, version)));
  return { version, updatedAt: found.created_at.toISOString(), updatedBy: found.created_by, content };
}

/**
 * Saves the patient's intake as a new version (version 1 creates the record under a new
 * data key). Only the patient writes it; `expectedVersion` (0 for the first save) refuses
 * a save over answers changed elsewhere with 409 `intake_changed`.
 */
export async function saveIntake(
  deps: ClinicalDeps,
  context: RequestContext,
  input: { patientId: string; expectedVersion: number; content: IntakeContent },
): Promise<IntakeView> {
  return auditedAccess(
    deps.dataSource,
    context,
    {
      action: 'intake.write',
      entityType: 'intake_form',
      locatePatient: (tx) => locatePatientRow(tx, input.patientId),
      careTeam: true,
      metadataOf: (value) => ({ version: value.version }),
    },
    async (tx, { caller }) => {
      if (caller.role !== 'patient') throw forbidden('patient_answers_intake', 'The patient fills in their own intake form');
      let row = await intakeOf(tx, input.patientId, true);
      if (row === null) {
        const dataKey = await createDataKey(tx, deps.keyRing, caller.practiceId);
        const created = await tx.query<IntakeRow[]>(
          `INSERT INTO intake_forms (practice_id, patient_id, data_key_id) VALUES ($1, $2, $3)
           ON CONFLICT (practice_id, patient_id) DO NOTHING
           RETURNING id, practice_id, data_key_id, current_version`,
          [caller.practiceId, input.patientId, dataKey.id],
        );
        row = created[0] ?? (await intakeOf(tx, input.patientId, true));
        if (row === null) throw new Error('intake insert returned no row');
      }
      if (row.current_version !== input.expectedVersion) {
        throw conflict('intake_changed', 'The intake form changed since you opened it; reload it first');
      }
      const version = row.current_version + 1;
      const key = await loadDataKey(tx, deps.keyRing, row.data_key_id);
      const sealed = sealJson(key, input.content, binding(row, version));
      await tx.query(
        `INSERT INTO intake_form_versions (practice_id, intake_id, version, iv, ciphertext, auth_tag, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        [caller.practiceId, row.id, version, sealed.iv, sealed.ciphertext, sealed.authTag, caller.userId],
      );
      await tx.query(`UPDATE intake_forms SET current_version = $2, updated_at = now() WHERE id = $1`, [row.id, version]);
      return readVersion(tx, deps, { ...row, current_version: version }, version);
    },
  );
}

/** The patient's current intake (or one version), or null when none was filled in yet. */
export async function readIntake(
  deps: ClinicalDeps,
  context: RequestContext,
  input: { patientId: string; version?: number },
): Promise<IntakeView | null> {
  return auditedAccess(
    deps.dataSource,
    context,
    {
      action: 'intake.read',
      entityType: 'intake_form',
      locatePatient: (tx) => locatePatientRow(tx, input.patientId),
      careTeam: true,
      metadataOf: (value) => ({ version: value?.version ?? 0 }),
    },
    async (tx) => {
      const row = await intakeOf(tx, input.patientId);
      if (row === null || row.current_version === 0) {
        if (input.version !== undefined) throw notFound('intake_version_not_found', 'No such version of the intake form');
        return null;
      }
      return readVersion(tx, deps, row, input.version ?? row.current_version);
    },
  );
}

/** Every saved version of the intake, newest first (no content). */
export async function listIntakeVersions(
  deps: ClinicalDeps,
  context: RequestContext,
  input: { patientId: string },
): Promise<IntakeVersionMeta[]> {
  return auditedAccess(
    deps.dataSource,
    context,
    {
      action: 'intake.read',
      entityType: 'intake_form',
      locatePatient: (tx) => locatePatientRow(tx, input.patientId),
      careTeam: true,
      metadataOf: (value) => ({ versions: value.length }),
    },
    async (tx) => {
      const rows = await tx.query<{ version: number; created_at: Date; created_by: string }[]>(
        `SELECT v.version, v.created_at, v.created_by FROM intake_form_versions v
         JOIN intake_forms f ON f.practice_id = v.practice_id AND f.id = v.intake_id
         WHERE f.patient_id = $1 ORDER BY v.version DESC`,
        [input.patientId],
      );
      return rows.map((row) => ({ version: row.version, createdAt: row.created_at.toISOString(), createdBy: row.created_by }));
    },
  );
}
