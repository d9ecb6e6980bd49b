import { randomBytes } from 'node:crypto';
import { DecryptionFailedError, generateDataKey, open, seal } from './envelope.js';
import type { RecordBinding } from './envelope.js';

const binding: RecordBinding = {
  purpose: 'clinical_note_version',
  practiceId: '0b7b2f8e-5d2c-4a53-9a43-1a0f7f6c1d01',
  recordId: '7f1d7b4c-2a8e-4f1e-b2a1-53c0f4c8f2aa',
  version: 3,
};

describe('envelope encryption (AES-256-GCM, NIST SP 800-38D)', () => {
  it('round-trips and never emits the plaintext', () => {
    const key = generateDataKey();
    const plaintext = Buffer.from('Subjective: patient reports mild bruising', 'utf8');
    const sealed = seal(key, plaintext, binding);
    expect(sealed.iv).toHaveLength(12);
    expect(sealed.authTag).toHaveLength(16);
    expect(sealed.ciphertext.includes(Buffer.from('bruising'))).toBe(false);
    expect(open(key, sealed, binding).equals(plaintext)).toBe(true);
  });

  it('uses a fresh IV for every encryption', () => {
    const key = generateDataKey();
    const a = seal(key, Buffer.from('same'), binding);
    const b = seal(key, Buffer.from('same'), binding);
    expect(a.iv.equals(b.iv)).toBe(false);
    expect(a.ciphertext.equals(b.ciphertext)).toBe(false);
  });

  it.each([
    ['another practice', { practiceId: '0b7b2f8e-5d2c-4a53-9a43-1a0f7f6c1d02' }],
    ['another record', { recordId: '7f1d7b4c-2a8e-4f1e-b2a1-53c0f4c8f2ab' }],
    ['another version', { version: 2 }],
    ['another kind of record', { purpose: 'clinical_photo' }],
  ])('refuses a ciphertext moved to %s', (_label, change) => {
    const key = generateDataKey();
    const sealed = seal(key, Buffer.from('note'), binding);
    expect(() => open(key, sealed, { ...binding, ...change })).toThrow(DecryptionFailedError);
  });

  it('refuses tampered ciphertext, tag or key', () => {
    const key = generateDataKey();
    const sealed = seal(key, Buffer.from('plan: follow up in two weeks'), binding);
    const flipped = Buffer.from(sealed.ciphertext);
    flipped[0] = (flipped[0] ?? 0) ^ 1;
    expect(() => open(key, { ...sealed, ciphertext: flipped }, binding)).toThrow(DecryptionFailedError);
    expect(() => open(key, { ...sealed, authTag: randomBytes(16) }, binding)).toThrow(DecryptionFailedError);
    expect(() => open(generateDataKey(), sealed, binding)).toThrow(DecryptionFailedError);
    expect(() => open(key, { ...sealed, authTag: sealed.authTag.subarray(0, 8) }, binding)).toThrow(DecryptionFailedError);
  });
});
