import type { EntityManager } from 'typeorm';
import type { SealedData } from '../../crypto/envelope.js';
import type { NoteBody, NoteTemplate } from './noteContent.js';

/**
 * The clinical-notes store (layer rule, docs/house-rules.md): SQL on clinical_notes, their
 * versions and addenda, the rows and their views. Ciphertext goes in and out as
 * `SealedData`; encryption is noteCipher.ts's, rules and audit notesService.ts's.
 */

export interface NoteMeta {
  id: string;
  appointmentId: string;
  patientId: string;
  authorId: string;
  template: NoteTemplate;
  status: 'draft' | 'signed';
  version: number;
  createdAt: string;
  updatedAt: string;
  signedAt: string | null;
  signedBy: string | null;
  signedDigest: string | null;
}

export interface AddendumView {
  id: string;
  authorId: string;
  text: string;
  signedAt: string;
  signedDigest: string;
}

export interface NoteView extends NoteMeta {
  content: NoteBody['content'];
  addenda: AddendumView[];
}

export interface NoteVersionMeta {
  version: number;
  createdBy: string;
  createdAt: string;
}

export interface NoteRow {
  id: string;
  practice_id: string;
  appointment_id: string;
  patient_id: string;
  author_id: string;
  template: NoteTemplate;
  data_key_id: string;
  current_version: number;
  created_at: Date;
  updated_at: Date;
  signed_at: Date | null;
  signed_by: string | null;
  signed_digest: string | null;
}

interface SealedRow {
  iv: Buffer;
  ciphertext: Buffer;
  auth_tag: Buffer;
}

/** An addendum row with its ciphertext. */
export interface AddendumRow {
  id: string;
  authorId: string;
  signedAt: Date;
  signedDigest: string;
  sealed: SealedData;
}

const NOTE_COLUMNS = `id, practice_id, appointment_id, patient_id, author_id, template, data_key_id, current_version,
  created_at, updated_at, signed_at, signed_by, signed_digest`;

/** The metadata view of a note row. */
export function metaOf(row: NoteRow): NoteMeta {
  return {
    id: row.id,
    appointmentId: row.appointment_id,
    patientId: row.patient_id,
    authorId: row.author_id,
    template: row.template,
    status: row.signed_at === null ? 'draft' : 'signed',
    version: row.current_version,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    signedAt: row.signed_at?.toISOString() ?? null,
    signedBy: row.signed_by,
    signedDigest: row.signed_digest,
  };
}

function sealedOf(row: SealedRow): SealedData {
  return { iv: row.iv, ciphertext: row.ciphertext, authTag: row.auth_tag };
}

/** The patient a note belongs to, or null when the note is not in this practice. */
export async function patientOfNote(tx: EntityManager, noteId: string): Promise<string | null> {
  const rows = await tx.query<{ patient_id: string }[]>(`SELECT patient_id FROM clinical_notes WHERE id = $1`, [noteId]);
  return rows[0]?.patient_id ?? null;
}

/** A note row (locked for update until commit when `lock`), or null. */
export async function findNote(tx: EntityManager, noteId: string, lock = false): Promise<NoteRow | null> {
  const rows = await tx.query<NoteRow[]>(`SELECT ${NOTE_COLUMNS} FROM clinical_notes WHERE id = $1${lock ? ' FOR UPDATE' : ''}`, [
    noteId,
  ]);
  return rows[0] ?? null;
}

/** Whether the appointment already has a note. */
export async function appointmentHasNote(tx: EntityManager, appointmentId: string): Promise<boolean> {
  const rows = await tx.query<unknown[]>(`SELECT 1 FROM clinical_notes WHERE appointment_id = $1`, [appointmentId]);
  return rows.length > 0;
}

/**
 * Inserts a note at version 1, or returns null when the appointment got one meanwhile (a
 * concurrent first save loses here rather than on a unique violation).
 */
export async function insertNote(
  tx: EntityManager,
  note: { practiceId: string; appointmentId: string; patientId: string; authorId: string; template: NoteTemplate; dataKeyId: string },
): Promise<NoteRow | null> {
  const rows = await tx.query<NoteRow[]>(
    `INSERT INTO clinical_notes (practice_id, appointment_id, patient_id, author_id, template, data_key_id, current_version)
     VALUES ($1, $2, $3, $4, $5, $6, 1)
     ON CONFLICT (practice_id, appointment_id) DO NOTHING RETURNING ${NOTE_COLUMNS}`,
    [note.practiceId, note.appointmentId, note.patientId, note.authorId, note.template, note.dataKeyId],
  );
  return rows[0] ?? null;
}

/** UPDATE ... RETURNING of one note (TypeORM answers UPDATE with `[rows, affected]`). */
async function updateOne(tx: EntityManager, sql: string, parameters: unknown[]): Promise<NoteRow> {
  const [rows] = await tx.query<[NoteRow[], number]>(sql, parameters);
  const row = rows[0];
  if (row === undefined) {
    throw new Error('note update returned no row');
  }
  return row;
}

/** Moves a draft to a new current version. */
export function setCurrentVersion(tx: EntityManager, noteId: string, version: number): Promise<NoteRow> {
  return updateOne(tx, `UPDATE clinical_notes SET current_version = $2, updated_at = now() WHERE id = $1 RETURNING ${NOTE_COLUMNS}`, [
    noteId,
    version,
  ]);
}

/** Signs and locks the note at its current version (the database refuses later changes). */
export function markSigned(tx: EntityManager, noteId: string, signature: { at: Date; by: string; digest: string }): Promise<NoteRow> {
  return updateOne(
    tx,
    `UPDATE clinical_notes SET signed_at = $2, signed_by = $3, signed_version = current_version,
       signed_digest = $4, updated_at = $2
     WHERE id = $1 RETURNING ${NOTE_COLUMNS}`,
    [noteId, signature.at, signature.by, signature.digest],
  );
}

/** Stores one encrypted version of a note. */
export async function insertVersion(
  tx: EntityManager,
  note: Pick<NoteRow, 'practice_id' | 'id'>,
  version: number,
  sealed: SealedData,
  createdBy: string,
): Promise<void> {
  await tx.query(
    `INSERT INTO clinical_note_versions (practice_id, note_id, version, iv, ciphertext, auth_tag, created_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    [note.practice_id, note.id, version, sealed.iv, sealed.ciphertext, sealed.authTag, createdBy],
  );
}

/** One version's ciphertext, or null when the note has no such version. */
export async function findVersion(tx: EntityManager, noteId: string, version: number): Promise<SealedData | null> {
  const rows = await tx.query<SealedRow[]>(`SELECT iv, ciphertext, auth_tag FROM clinical_note_versions WHERE note_id = $1 AND version = $2`, [
    noteId,
    version,
  ]);
  const row = rows[0];
  return row === undefined ? null : sealedOf(row);
}

/** A note's versions (metadata only), oldest first. */
export async function listVersions(tx: EntityManager, noteId: string): Promise<NoteVersionMeta[]> {
  const rows = await tx.query<{ version: number; created_by: string; created_at: Date }[]>(
    `SELECT version, created_by, created_at FROM clinical_note_versions WHERE note_id = $1 ORDER BY version`,
    [noteId],
  );
  return rows.map((row) => ({ version: row.version, createdBy: row.created_by, createdAt: row.created_at.toISOString() }));
}

/** A note's addenda with their ciphertext, in signing order. */
export async function listAddenda(tx: EntityManager, noteId: string): Promise<AddendumRow[]> {
  const rows = await tx.query<(SealedRow & { id: string; author_id: string; signed_at: Date; signed_digest: string })[]>(
    `SELECT id, author_id, iv, ciphertext, auth_tag, signed_at, signed_digest
     FROM clinical_note_addenda WHERE note_id = $1 ORDER BY signed_at, id`,
    [noteId],
  );
  return rows.map((row) => ({
    id: row.id,
    authorId: row.author_id,
    signedAt: row.signed_at,
    signedDigest: row.signed_digest,
    sealed: sealedOf(row),
  }));
}

/** A fresh id for an addendum (its ciphertext is bound to the id before the row exists). */
export async function newAddendumId(tx: EntityManager): Promise<string> {
  const rows = await tx.query<{ id: string }[]>(`SELECT gen_random_uuid() AS id`);
  const id = rows[0]?.id;
  if (id === undefined) {
    throw new Error('could not allocate an addendum id');
  }
  return id;
}

/** Stores a signed addendum; returns its signing time. */
export async function insertAddendum(
  tx: EntityManager,
  addendum: { id: string; practiceId: string; noteId: string; authorId: string; sealed: SealedData; digest: string },
): Promise<Date> {
  const rows = await tx.query<{ signed_at: Date }[]>(
    `INSERT INTO clinical_note_addenda (id, practice_id, note_id, author_id, iv, ciphertext, auth_tag, signed_digest)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING signed_at`,
    [addendum.id, addendum.practiceId, addendum.noteId, addendum.authorId, addendum.sealed.iv, addendum.sealed.ciphertext, addendum.sealed.authTag, addendum.digest],
  );
  return rows[0]?.signed_at ?? new Date();
}

/** A patient's notes, newest first. */
export async function notesOfPatient(tx: EntityManager, patientId: string): Promise<NoteMeta[]> {
  const rows = await tx.query<NoteRow[]>(`SELECT ${NOTE_COLUMNS} FROM clinical_notes WHERE patient_id = $1 ORDER BY created_at DESC`, [
    patientId,
  ]);
  return rows.map(metaOf);
}
