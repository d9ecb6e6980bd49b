import { clearHeaderLength, OPUS_TOC_BYTES, VP8_INTERFRAME_HEADER_BYTES, VP8_KEYFRAME_HEADER_BYTES } from './codecHeader.js';
import { FRAME_OVERHEAD_BYTES, IvSequence, decryptFrame, encryptFrame, importMediaKey, readTrailer } from './frameCrypto.js';

const keyBytes = (fill: number): ArrayBuffer => new Uint8Array(32).fill(fill).buffer;

function vp8KeyFrame(payloadBytes: number): Uint8Array {
  const frame = new Uint8Array(VP8_KEYFRAME_HEADER_BYTES + payloadBytes);
  // P bit 0 = key frame; start code 9d 01 2a (RFC 6386 §9.1).
  frame.set([0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a, 0x40, 0x01, 0xf0, 0x00]);
  for (let i = VP8_KEYFRAME_HEADER_BYTES; i < frame.length; i += 1) frame[i] = i % 251;
  return frame;
}

describe('frame crypto (AES-GCM, SP 800-38D)', () => {
  it('keeps the VP8 header in the clear, hides the payload and round-trips', async () => {
    const key = await importMediaKey(keyBytes(7));
    const frame = vp8KeyFrame(500);
    const header = clearHeaderLength('video', frame, true);
    const sealed = await encryptFrame(frame, header, key, 3, new IvSequence().next());
    expect(sealed.length).toBe(frame.length + FRAME_OVERHEAD_BYTES);
    expect(Array.from(sealed.subarray(0, header))).toEqual(Array.from(frame.subarray(0, header)));
    expect(Buffer.from(sealed.subarray(header, frame.length)).equals(Buffer.from(frame.subarray(header)))).toBe(false);
    const trailer = readTrailer(sealed);
    expect(trailer).toEqual({ keyIndex: 3, headerLength: VP8_KEYFRAME_HEADER_BYTES });
    if (trailer === null) throw new Error('no trailer');
    const opened = await decryptFrame(sealed, key, trailer);
    expect(opened === null ? null : Array.from(opened)).toEqual(Array.from(frame));
  });

  it('refuses a wrong key, a flipped ciphertext bit and a changed clear header', async () => {
    const key = await importMediaKey(keyBytes(1));
    const frame = vp8KeyFrame(64);
    const sealed = await encryptFrame(frame, VP8_KEYFRAME_HEADER_BYTES, key, 0, new IvSequence().next());
    const trailer = readTrailer(sealed);
    if (trailer === null) throw new Error('no trailer');
    expect(await decryptFrame(sealed, await importMediaKey(keyBytes(2)), trailer)).toBeNull();
    const flipped = sealed.slice();
    flipped[VP8_KEYFRAME_HEADER_BYTES + 5] = (flipped[VP8_KEYFRAME_HEADER_BYTES + 5] ?? 0) ^ 0x01;
    expect(await decryptFrame(flipped, key, trailer)).toBeNull();
    const header = sealed.slice();
    header[1] = (header[1] ?? 0) ^ 0x80;
    expect(await decryptFrame(header, key, trailer)).toBeNull();
  });

  it('treats short or malformed frames as not encrypted', () => {
    expect(readTrailer(new Uint8Array(FRAME_OVERHEAD_BYTES - 1))).toBeNull();
    const badLength = new Uint8Array(100);
    badLength[98] = 42; // clear header longer than any codec needs
    expect(readTrailer(badLength)).toBeNull();
  });

  it('never repeats an IV: fixed field plus a 64-bit counter', () => {
    const sequence = new IvSequence(new Uint8Array([1, 2, 3, 4]));
    const first = sequence.next();
    const second = sequence.next();
    expect(Array.from(first.subarray(0, 4))).toEqual([1, 2, 3, 4]);
    expect(Array.from(first.subarray(4))).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    expect(Array.from(second.subarray(4))).toEqual([0, 0, 0, 0, 0, 0, 0, 1]);
  });

  it('picks the clear header per codec and frame type (RFC 7741 §4.3, RFC 6716 §3.1)', () => {
    const frame = vp8KeyFrame(20);
    expect(clearHeaderLength('video', frame, true)).toBe(VP8_KEYFRAME_HEADER_BYTES);
    expect(clearHeaderLength('video', frame, false)).toBe(VP8_INTERFRAME_HEADER_BYTES);
    // Without the frame type, the VP8 P bit decides (bit 0 of byte 0; 1 = inter frame).
    expect(clearHeaderLength('video', new Uint8Array([0x01, 0, 0, 0]), undefined)).toBe(VP8_INTERFRAME_HEADER_BYTES);
    expect(clearHeaderLength('audio', frame, undefined)).toBe(OPUS_TOC_BYTES);
    expect(clearHeaderLength('video', new Uint8Array(2), true)).toBe(2);
  });
});
