/**
 * What a remote video's receive counters say, sampled a few times a second: media stopped
 * (their network dropped: show "reconnecting" and keep asking for a key frame, so one
 * follows as soon as packets flow again), or bytes arrive but no picture decodes (a key
 * frame was lost or dropped: ask for one, since the decoder cannot start without it).
 */

/** How long without a byte of their video counts as a stall. */
export const STALL_AFTER_MS = 1500;
/** While stalled, a key frame is asked for again this often (earlier ones may be lost with the network). */
export const STALL_KEY_FRAME_EVERY_MS = 1000;
/** How long bytes may arrive without a decoded frame before a key frame is asked for. */
export const FROZEN_AFTER_MS = 2000;
/** While frozen, a key frame is asked for again this often (the sender may be busy). */
export const FROZEN_KEY_FRAME_EVERY_MS = 2000;

/** One inbound video stream's counters (RTCInboundRtpStreamStats). */
export interface VideoCounters {
  bytesReceived: number;
  framesDecoded: number;
}

/** What the previous samples established about one consumer. */
export interface VideoWatch {
  bytes: number;
  /** When `bytes` last changed. */
  bytesAt: number;
  frames: number;
  /** When `frames` last changed (or bytes resumed after a stall: the wait starts afresh). */
  framesAt: number;
  /** The last key frame asked for, or null when none is outstanding for this episode. */
  keyFrameAskedAt: number | null;
}

export interface VideoVerdict {
  watch: VideoWatch;
  /** No bytes for STALL_AFTER_MS: the tile shows "reconnecting". */
  stalled: boolean;
  askKeyFrame: boolean;
}

/** A watch that starts at this sample: bytes and frames both counted from now. */
function startAt(sample: VideoCounters, now: number, keyFrameAskedAt: number | null): VideoWatch {
  return { bytes: sample.bytesReceived, bytesAt: now, frames: sample.framesDecoded, framesAt: now, keyFrameAskedAt };
}

/** Folds one sample into the watch: the new watch, and whether to show a stall or ask for a key frame. */
export function watchVideo(previous: VideoWatch | undefined, sample: VideoCounters, now: number): VideoVerdict {
  if (previous === undefined) return { watch: startAt(sample, now, null), stalled: false, askKeyFrame: false };
  const asked = previous.keyFrameAskedAt;
  if (sample.bytesReceived === previous.bytes) {
    if (now - previous.bytesAt < STALL_AFTER_MS) return { watch: previous, stalled: false, askKeyFrame: false };
    // Asked while the network is down, the request waits in the socket and reaches the SFU
    // as soon as the network is back: the key frame follows right behind it.
    const ask = asked === null || now - asked >= STALL_KEY_FRAME_EVERY_MS;
    return { watch: ask ? { ...previous, keyFrameAskedAt: now } : previous, stalled: true, askKeyFrame: ask };
  }
  const resumed = now - previous.bytesAt >= STALL_AFTER_MS;
  if (resumed) {
    // Media flows again after a stall: the decoder needs a key frame, ask at once.
    return { watch: startAt(sample, now, now), stalled: false, askKeyFrame: true };
  }
  if (sample.framesDecoded !== previous.frames) return { watch: startAt(sample, now, null), stalled: false, askKeyFrame: false };
  const frozen = now - previous.framesAt >= FROZEN_AFTER_MS;
  const ask = frozen && (asked === null || now - asked >= FROZEN_KEY_FRAME_EVERY_MS);
  const watch = { ...previous, bytes: sample.bytesReceived, bytesAt: now, ...(ask ? { keyFrameAskedAt: now } : {}) };
  return { watch, stalled: false, askKeyFrame: ask };
}
