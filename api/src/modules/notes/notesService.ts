import { createHash } from 'node:crypto';
import type { AuditAction } from '@medspa/shared-types';
import { PROVIDER_ROLES } from '@medspa/shared-types';
import type { EntityManager } from 'typeorm';
import { createDataKey, loadDataKey } from '../../crypto/dataKeys.js';
import { badRequest, conflict, forbidden, notFound } from '../../errors.js';
import type { AuthContext, RequestContext } from '../../http/requestContext.js';
import type { AccessSpec } from '../../kernel/index.js';
import { auditedAccess, callerOf } from '../../kernel/index.js';
import { recordGfeOutcomes } from '../gfe/gfeService.js';
import type { ClinicalDeps } from '../records/clinicalAccess.js';
import { loadAppointment, requireNotCancelled, requirePatientInPractice, requireRole } from '../records/clinicalAccess.js';
import { noteContentOf, openAddendum, openNoteVersion, sealAddendum, sealNoteVersion } from './noteCipher.js';
import { noteBodySchema } from './noteContent.js';
import type { GfeContent, NoteBody, NoteTemplate } from './noteContent.js';
import type { AddendumView, NoteMeta, NoteRow, NoteVersionMeta, NoteView } from './noteStore.js';
import {
  appointmentHasNote,
  findNote,
  findVersion,
  insertAddendum,
  insertNote,
  insertVersion,
  listAddenda,
  listVersions,
  markSigned,
  metaOf,
  newAddendumId,
  notesOfPatient,
  patientOfNote,
  setCurrentVersion,
} from './noteStore.js';

/**
 * Clinical-notes use cases (layer rule, docs/house-rules.md): who may write, sign, amend
 * and read notes, through the kernel's audited access with the care-team check. SQL lives
 * in noteStore.ts, encryption in noteCipher.ts.
 */

export type { AddendumView, NoteMeta, NoteVersionMeta, NoteView } from './noteStore.js';

/** Who reads full clinical notes: the licensed providers of the practice. */
const NOTE_READERS = PROVIDER_ROLES;

function sha256Hex(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Validates a body against the note's template; bad content is a 400, never a 500. */
function parseBody(template: NoteTemplate, content: unknown): NoteBody {
  const result = noteBodySchema.safeParse({ template, content });
  if (!result.success) {
    const reasons = result.error.issues
      .slice(0, 5)
      .map((issue) => `${['content', ...issue.path.slice(1).map(String)].join('.')}: ${issue.message}`);
    throw badRequest('validation_failed', reasons.join('; '));
  }
  return result.data;
}

/** The patient a note belongs to (404 `note_not_found` outside this practice). */
async function locateNote(manager: EntityManager, noteId: string): Promise<string> {
  const patientId = await patientOfNote(manager, noteId);
  if (patientId === null) {
    throw notFound('note_not_found', 'No such note');
  }
  return patientId;
}

/**
 * The audited access to one note: notes are clinical records, so only the patient's care
 * team gets past the kernel, and another practice's note is a plain 404.
 */
function noteAccess<T>(action: AuditAction, noteId: string): AccessSpec<T> {
  return {
    action,
    entityType: 'clinical_note',
    entityId: noteId,
    locatePatient: (tx) => locateNote(tx, noteId),
    careTeam: true,
    notFoundCode: 'note_not_found',
  };
}

async function loadNote(manager: EntityManager, noteId: string, lock = false): Promise<NoteRow> {
  const row = await findNote(manager, noteId, lock);
  if (row === null) {
    throw notFound('note_not_found', 'No such note');
  }
  return row;
}

/** Encrypts and stores one version of a note's content. */
async function writeVersion(
  manager: EntityManager,
  note: NoteRow,
  dataKey: Buffer,
  version: number,
  body: NoteBody,
  authorId: string,
): Promise<void> {
  const sealed = sealNoteVersion(dataKey, { practiceId: note.practice_id, noteId: note.id }, version, body.content);
  await insertVersion(manager, note, version, sealed, authorId);
}

async function readVersionPlaintext(
  manager: EntityManager,
  deps: ClinicalDeps,
  note: NoteRow,
  version: number,
): Promise<Buffer> {
  const sealed = await findVersion(manager, note.id, version);
  if (sealed === null) {
    throw notFound('note_version_not_found', 'No such note version');
  }
  const dataKey = await loadDataKey(manager, deps.keyRing, note.data_key_id);
  return openNoteVersion(dataKey, { practiceId: note.practice_id, noteId: note.id }, version, sealed);
}

function requireAuthor(caller: AuthContext, note: NoteRow): void {
  if (note.author_id !== caller.userId) {
    throw forbidden('not_note_author', 'Only the note author may change or sign it');
  }
}

function requireDraft(note: NoteRow): void {
  if (note.signed_at !== null) {
    throw conflict('note_signed', 'The note is signed and locked; add an addendum instead');
  }
}

export interface CreateNoteInput {
  appointmentId: string;
  body: NoteBody;
}

/**
 * Starts the note of a visit as version 1 of a draft, encrypted under a new per-note data
 * key. The appointment's provider or a medical director writes it; a GFE note belongs
 * to a GFE appointment.
 */
export async function createNote(deps: ClinicalDeps, context: RequestContext, input: CreateNoteInput): Promise<NoteView> {
  const caller = callerOf(context);
  requireRole(caller, PROVIDER_ROLES);
  return auditedAccess(
    deps.dataSource,
    context,
    {
      action: 'note.write',
      entityType: 'appointment',
      entityId: input.appointmentId,
      createdEntityType: 'clinical_note',
      entityIdOf: (note) => note.id,
      locatePatient: async (tx) => (await loadAppointment(tx, input.appointmentId)).patientId,
      careTeam: true,
    },
    async (manager) => {
      const appointment = await loadAppointment(manager, input.appointmentId);
      requireNotCancelled(appointment);
      if (appointment.providerId !== caller.userId && caller.role !== 'medical_director') {
        throw forbidden('not_your_appointment', 'Only the appointment provider or a medical director may write its note');
      }
      if ((input.body.template === 'gfe') !== (appointment.kind === 'gfe')) {
        throw badRequest('template_mismatch', 'GFE notes are written for GFE appointments, SOAP notes for the others');
      }
      if (await appointmentHasNote(manager, appointment.id)) {
        throw conflict('note_exists', 'This appointment already has a note');
      }
      const dataKey = await createDataKey(manager, deps.keyRing, caller.practiceId);
      // A concurrent first save of the same visit loses here (no row) rather than on a
      // unique violation; throwing rolls back its data key too.
      const note = await insertNote(manager, {
        practiceId: caller.practiceId,
        appointmentId: appointment.id,
        patientId: appointment.patientId,
        authorId: caller.userId,
        template: input.body.template,
        dataKeyId: dataKey.id,
      });
      if (note === null) {
        throw conflict('note_exists', 'This appointment already has a note');
      }
      await writeVersion(manager, note, dataKey.key, 1, input.body, caller.userId);
      return { ...metaOf(note), content: input.body.content, addenda: [] };
    },
  );
}

export interface SaveDraftInput {
  noteId: string;
  /** The version the author edited; a stale one is a 409 instead of a lost update. */
  expectedVersion: number;
  content: unknown;
}

/** Saves a draft as a new encrypted version (earlier versions stay readable). */
export async function saveDraft(deps: ClinicalDeps, context: RequestContext, input: SaveDraftInput): Promise<NoteView> {
  const caller = callerOf(context);
  requireRole(caller, PROVIDER_ROLES);
  return auditedAccess(
    deps.dataSource,
    context,
    noteAccess('note.write', input.noteId),
    async (manager) => {
      const note = await loadNote(manager, input.noteId, true);
      requireAuthor(caller, note);
      requireDraft(note);
      if (note.current_version !== input.expectedVersion) {
        throw conflict('version_conflict', `The note is at version ${note.current_version}`);
      }
      const body = parseBody(note.template, input.content);
      const version = note.current_version + 1;
      const updated = await setCurrentVersion(manager, note.id, version);
      const dataKey = await loadDataKey(manager, deps.keyRing, note.data_key_id);
      await writeVersion(manager, note, dataKey, version, body, caller.userId);
      return { ...metaOf(updated), content: body.content, addenda: [] };
    },
  );
}

async function readAddenda(manager: EntityManager, deps: ClinicalDeps, note: NoteRow): Promise<AddendumView[]> {
  const rows = await listAddenda(manager, note.id);
  if (rows.length === 0) {
    return [];
  }
  // Addenda are encrypted under the note's data key, each bound to its own id.
  const dataKey = await loadDataKey(manager, deps.keyRing, note.data_key_id);
  return rows.map((row) => ({
    id: row.id,
    authorId: row.authorId,
    text: openAddendum(dataKey, note.practice_id, row.id, row.sealed),
    signedAt: row.signedAt.toISOString(),
    signedDigest: row.signedDigest,
  }));
}

/** Reads a note's current version and addenda (providers only; audited `note.read`). */
export async function getNote(deps: ClinicalDeps, context: RequestContext, input: { noteId: string }): Promise<NoteView> {
  const caller = callerOf(context);
  requireRole(caller, NOTE_READERS);
  return auditedAccess(
    deps.dataSource,
    context,
    noteAccess('note.read', input.noteId),
    async (manager) => {
      const note = await loadNote(manager, input.noteId);
      const plaintext = await readVersionPlaintext(manager, deps, note, note.current_version);
      const addenda = await readAddenda(manager, deps, note);
      return { ...metaOf(note), content: noteContentOf(note.template, plaintext), addenda };
    },
  );
}

/**
 * A patient's own signed note in full (HIPAA right of access, 45 CFR 164.524): the signed
 * version and its addenda. Drafts are not yet part of the record, so they are 404 like
 * other patients' notes. Audited `note.read` with the patient as actor.
 */
export async function getOwnSignedNote(deps: ClinicalDeps, context: RequestContext, input: { noteId: string }): Promise<NoteView> {
  const caller = callerOf(context);
  requireRole(caller, ['patient']);
  return auditedAccess(
    deps.dataSource,
    context,
    noteAccess('note.read', input.noteId),
    async (manager) => {
      const note = await loadNote(manager, input.noteId);
      // The kernel already kept other patients out; drafts are not yet part of the record.
      if (note.signed_at === null) {
        throw notFound('note_not_found', 'No such note');
      }
      const plaintext = await readVersionPlaintext(manager, deps, note, note.current_version);
      const addenda = await readAddenda(manager, deps, note);
      return { ...metaOf(note), content: noteContentOf(note.template, plaintext), addenda };
    },
  );
}

/** Lists a note's versions (metadata only, audited as a read of the note). */
export async function listNoteVersions(
  deps: ClinicalDeps,
  context: RequestContext,
  input: { noteId: string },
): Promise<NoteVersionMeta[]> {
  const caller = callerOf(context);
  requireRole(caller, NOTE_READERS);
  return auditedAccess(
    deps.dataSource,
    context,
    noteAccess('note.read', input.noteId),
    async (manager) => {
      const note = await loadNote(manager, input.noteId);
      return listVersions(manager, note.id);
    },
  );
}

/** Reads one historical version of a note (audited `note.read`). */
export async function getNoteVersion(
  deps: ClinicalDeps,
  context: RequestContext,
  input: { noteId: string; version: number },
): Promise<{ version: number; content: NoteBody['content'] }> {
  const caller = callerOf(context);
  requireRole(caller, NOTE_READERS);
  return auditedAccess(
    deps.dataSource,
    context,
    noteAccess('note.read', input.noteId),
    async (manager) => {
      const note = await loadNote(manager, input.noteId);
      const plaintext = await readVersionPlaintext(manager, deps, note, input.version);
      return { version: input.version, content: noteContentOf(note.template, plaintext) };
    },
  );
}

/** What signing a GFE note needs beyond the draft: every decision complete. */
function assertGfeComplete(content: GfeContent): void {
  if (content.servicesAssessed.length === 0) {
    throw badRequest('gfe_incomplete', 'A GFE note must assess at least one service before signing');
  }
  for (const service of content.servicesAssessed) {
    if (service.outcome === 'cleared' && service.validForDays === undefined) {
      throw badRequest('gfe_incomplete', 'Each cleared service needs validForDays before signing');
    }
  }
}

/**
 * Signs and locks the note at the version the author reviewed. The signature records
 * signer, time and the SHA-256 digest of the signed plaintext; afterwards the database
 * refuses any change (trigger), and a GFE note's decisions become outcomes of record.
 */
export async function signNote(
  deps: ClinicalDeps,
  context: RequestContext,
  input: { noteId: string; expectedVersion: number },
): Promise<NoteView> {
  const caller = callerOf(context);
  requireRole(caller, PROVIDER_ROLES);
  return auditedAccess(
    deps.dataSource,
    context,
    noteAccess('note.sign', input.noteId),
    async (manager) => {
      const note = await loadNote(manager, input.noteId, true);
      requireAuthor(caller, note);
      requireDraft(note);
      if (note.current_version !== input.expectedVersion) {
        throw conflict('version_conflict', `The note is at version ${note.current_version}`);
      }
      const plaintext = await readVersionPlaintext(manager, deps, note, note.current_version);
      const content = noteContentOf(note.template, plaintext);
      const signedAt = new Date();
      if (note.template === 'gfe') {
        const gfe = content as GfeContent;
        assertGfeComplete(gfe);
        await recordGfeOutcomes(manager, caller.practiceId, {
          noteId: note.id,
          appointmentId: note.appointment_id,
          patientId: note.patient_id,
          providerId: caller.userId,
          decidedAt: signedAt,
          services: gfe.servicesAssessed,
        });
      }
      const signed = await markSigned(manager, note.id, { at: signedAt, by: caller.userId, digest: sha256Hex(plaintext) });
      return { ...metaOf(signed), content, addenda: [] };
    },
  );
}

/** Adds a signed addendum to a signed note (any provider of the practice). */
export async function addAddendum(
  deps: ClinicalDeps,
  context: RequestContext,
  input: { noteId: string; text: string },
): Promise<AddendumView> {
  const caller = callerOf(context);
  requireRole(caller, PROVIDER_ROLES);
  return auditedAccess(
    deps.dataSource,
    context,
    noteAccess('note.addendum', input.noteId),
    async (manager) => {
      const note = await loadNote(manager, input.noteId, true);
      if (note.signed_at === null) {
        throw conflict('note_not_signed', 'Addenda follow signing; edit the draft instead');
      }
      const id = await newAddendumId(manager);
      const plaintext = Buffer.from(input.text, 'utf8');
      const dataKey = await loadDataKey(manager, deps.keyRing, note.data_key_id);
      const sealed = sealAddendum(dataKey, note.practice_id, id, plaintext);
      const digest = sha256Hex(plaintext);
      const signedAt = await insertAddendum(manager, {
        id,
        practiceId: caller.practiceId,
        noteId: note.id,
        authorId: caller.userId,
        sealed,
        digest,
      });
      return { id, authorId: caller.userId, text: input.text, signedAt: signedAt.toISOString(), signedDigest: digest };
    },
  );
}

/** Lists a patient's notes (metadata, no content; audited `note.list`). */
export async function listPatientNotes(
  deps: ClinicalDeps,
  context: RequestContext,
  input: { patientId: string },
): Promise<NoteMeta[]> {
  const caller = callerOf(context);
  // Patients read their visits through visit summaries, which show the patient-facing part.
  requireRole(caller, NOTE_READERS);
  return auditedAccess(
    deps.dataSource,
    context,
    {
      action: 'note.list',
      entityType: 'patient',
      entityId: input.patientId,
      locatePatient: async (tx) => {
        await requirePatientInPractice(tx, input.patientId);
        return input.patientId;
      },
      careTeam: true,
    },
    (manager) => notesOfPatient(manager, input.patientId),
  );
}
