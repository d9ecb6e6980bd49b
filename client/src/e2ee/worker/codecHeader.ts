import type { MediaKind } from './protocol.js';

/**
 * How many leading bytes of an encoded frame stay unencrypted so the RTP packetizer,
 * the SFU and the receiver's depacketizer keep working on E2EE media.
 *
 * VP8: the payload header at the start of every VP8 frame (RFC 7741 §4.3, which refers
 * to RFC 6386 §9.1) is 3 bytes (frame tag: key-frame bit P, version, show_frame,
 * first_partition_size); key frames add 7 bytes (start code 0x9d 0x01 0x2a plus
 * 14-bit width/height with scaling). Keeping these clear lets the SFU see key frames
 * and resolution for simulcast switching; they reveal nothing of the picture.
 *
 * Opus: the TOC byte (RFC 6716 §3.1) stays clear so the packet still parses as Opus.
 *
 * Only VP8 video is used with E2EE (the room asks for VP8): H.264 would need NAL-unit
 * aware handling (RFC 6184 §5.3) to avoid emulated start codes in ciphertext.
 */
export const VP8_INTERFRAME_HEADER_BYTES = 3;
export const VP8_KEYFRAME_HEADER_BYTES = 10;
export const OPUS_TOC_BYTES = 1;

/**
 * Number of clear bytes for a frame. `isKeyFrame` comes from the encoded frame's type;
 * the VP8 P bit (bit 0 of byte 0, 0 = key frame, RFC 6386 §9.1) is used when the type is
 * unavailable.
 */
export function clearHeaderLength(mediaKind: MediaKind, frame: Uint8Array, isKeyFrame: boolean | undefined): number {
  if (mediaKind === 'audio') return Math.min(OPUS_TOC_BYTES, frame.byteLength);
  const first = frame[0];
  const keyFrame = isKeyFrame ?? (first !== undefined && (first & 0x01) === 0);
  return Math.min(keyFrame ? VP8_KEYFRAME_HEADER_BYTES : VP8_INTERFRAME_HEADER_BYTES, frame.byteLength);
}
