import { open, seal } from '../../crypto/envelope.js';
import type { RecordBinding, SealedData } from '../../crypto/envelope.js';
import { noteBodySchema } from './noteContent.js';
import type { NoteBody, NoteTemplate } from './noteContent.js';

/**
 * The one owner of how clinical notes are encrypted: AES-256-GCM under the note's data key
 * (api/src/crypto/envelope.ts), each ciphertext bound by its AAD to what it is. Every
 * reader of note text (the notes use cases, patients' visit summaries) goes through here,
 * so a change of binding or format cannot leave a second copy behind.
 */

/** AAD purposes: a version can never pass for an addendum, nor either for another record. */
const VERSION_PURPOSE = 'clinical_note_version';
const ADDENDUM_PURPOSE = 'clinical_note_addendum';

/** Which note a version belongs to. */
export interface NoteRef {
  practiceId: string;
  noteId: string;
}

function versionBinding(note: NoteRef, version: number): RecordBinding {
  return { purpose: VERSION_PURPOSE, practiceId: note.practiceId, recordId: note.noteId, version };
}

function addendumBinding(practiceId: string, addendumId: string): RecordBinding {
  return { purpose: ADDENDUM_PURPOSE, practiceId, recordId: addendumId, version: 0 };
}

/** Encrypts one version's content (the JSON of the template's fields). */
export function sealNoteVersion(dataKey: Buffer, note: NoteRef, version: number, content: NoteBody['content']): SealedData {
  return seal(dataKey, Buffer.from(JSON.stringify(content), 'utf8'), versionBinding(note, version));
}

/** Decrypts one version to its plaintext bytes (what a signature digest covers). */
export function openNoteVersion(dataKey: Buffer, note: NoteRef, version: number, sealed: SealedData): Buffer {
  return open(dataKey, sealed, versionBinding(note, version));
}

/** Parses a decrypted version as the template's content. */
export function noteContentOf(template: NoteTemplate, plaintext: Buffer): NoteBody['content'] {
  return noteBodySchema.parse({ template, content: JSON.parse(plaintext.toString('utf8')) as unknown }).content;
}

/** Encrypts an addendum's text, bound to the addendum's own id. */
export function sealAddendum(dataKey: Buffer, practiceId: string, addendumId: string, text: Buffer): SealedData {
  return seal(dataKey, text, addendumBinding(practiceId, addendumId));
}

/** Decrypts an addendum's text. */
export function openAddendum(dataKey: Buffer, practiceId: string, addendumId: string, sealed: SealedData): string {
  return open(dataKey, sealed, addendumBinding(practiceId, addendumId)).toString('utf8');
}
