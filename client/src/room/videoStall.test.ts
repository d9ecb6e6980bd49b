import { FROZEN_AFTER_MS, FROZEN_KEY_FRAME_EVERY_MS, STALL_AFTER_MS, STALL_KEY_FRAME_EVERY_MS, watchVideo } from './videoStall.js';
import type { VideoCounters, VideoVerdict, VideoWatch } from './videoStall.js';

/** Feeds samples every 250 ms (as RoomConnection does) and returns each verdict. */
function run(samples: VideoCounters[], start = 0): VideoVerdict[] {
  let watch: VideoWatch | undefined;
  return samples.map((sample, index) => {
    const verdict = watchVideo(watch, sample, start + index * 250);
    watch = verdict.watch;
    return verdict;
  });
}

const flowing = (count: number, from = 0): VideoCounters[] =>
  Array.from({ length: count }, (_, index) => ({ bytesReceived: (from + index + 1) * 1000, framesDecoded: (from + index + 1) * 7 }));

describe('remote video stalls and frozen pictures', () => {
  it('asks for nothing while bytes arrive and frames decode', () => {
    const verdicts = run(flowing(40));
    expect(verdicts.every((verdict) => !verdict.stalled && !verdict.askKeyFrame)).toBe(true);
  });

  it('shows a stall once no byte arrived for STALL_AFTER_MS, asks for key frames every STALL_KEY_FRAME_EVERY_MS, and once more when media resumes', () => {
    const stopped = Array.from({ length: 20 }, () => ({ bytesReceived: 4000, framesDecoded: 28 }));
    const verdicts = run([...flowing(4), ...stopped, ...flowing(4, 10)]);
    const stalledAt = verdicts.findIndex((verdict) => verdict.stalled);
    // Bytes last changed at sample 3 (750 ms); the stall shows from 750 + STALL_AFTER_MS.
    expect(stalledAt * 250).toBe(750 + STALL_AFTER_MS);
    const asks = verdicts.flatMap((verdict, index) => (verdict.askKeyFrame ? [index * 250] : []));
    const whileStalled = asks.filter((at) => at < 24 * 250);
    expect(whileStalled[0]).toBe(750 + STALL_AFTER_MS);
    expect(whileStalled.slice(1).map((at, index) => at - (whileStalled[index] ?? 0))).toEqual(whileStalled.slice(1).map(() => STALL_KEY_FRAME_EVERY_MS));
    // Resumed at sample 24: no stall any more, and one key frame asked at once.
    expect(verdicts[24]).toMatchObject({ stalled: false, askKeyFrame: true });
    expect(verdicts.slice(25).some((verdict) => verdict.stalled || verdict.askKeyFrame)).toBe(false);
  });

  it('asks for a key frame when bytes keep arriving but nothing decodes for FROZEN_AFTER_MS, then every FROZEN_KEY_FRAME_EVERY_MS, and stops once frames decode', () => {
    const frozen = Array.from({ length: 24 }, (_, index) => ({ bytesReceived: 5000 + index * 1000, framesDecoded: 28 }));
    const verdicts = run([...flowing(4), ...frozen, ...flowing(8, 40)]);
    expect(verdicts.some((verdict) => verdict.stalled)).toBe(false);
    const asks = verdicts.flatMap((verdict, index) => (verdict.askKeyFrame ? [index * 250] : []));
    // Frames last changed at sample 3 (750 ms).
    expect(asks).toEqual([750 + FROZEN_AFTER_MS, 750 + FROZEN_AFTER_MS + FROZEN_KEY_FRAME_EVERY_MS, 750 + FROZEN_AFTER_MS + 2 * FROZEN_KEY_FRAME_EVERY_MS]);
  });

  it('gives a new consumer FROZEN_AFTER_MS for its first key frame before asking', () => {
    const starting = Array.from({ length: 12 }, (_, index) => ({ bytesReceived: index * 100, framesDecoded: 0 }));
    const asks = run(starting).flatMap((verdict, index) => (verdict.askKeyFrame ? [index * 250] : []));
    expect(asks).toEqual([FROZEN_AFTER_MS]);
  });
});
