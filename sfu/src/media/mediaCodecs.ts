import type { types } from 'mediasoup';

/**
 * Codecs every room's router offers. VP8 because its simulcast support is universal in
 * browsers and because frame-level E2EE (encoded transforms) is proven with it; Opus for audio
 * (RFC 7587: 48 kHz clock, two channels in SDP regardless of the actual channel count).
 */
export const ROUTER_MEDIA_CODECS: types.RouterRtpCodecCapability[] = [
  { kind: 'audio', mimeType: 'audio/opus', clockRate: 48000, channels: 2, preferredPayloadType: 100 },
  // RFC 7741 §6.1: VP8 uses a 90 kHz RTP clock.
  { kind: 'video', mimeType: 'video/VP8', clockRate: 90000, preferredPayloadType: 101 },
];
