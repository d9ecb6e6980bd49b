/**
 * Anti-replay sliding window over frame counters, in the manner of IPsec ESP
 * (RFC 4303 §3.4.3) and SRTP (RFC 3711 §3.3.2): a frame whose counter was already accepted,
 * or lies more than WINDOW_SIZE behind the highest accepted one, is dropped. The counter is
 * the 64-bit invocation field of the AES-GCM IV (frameCrypto.ts, SP 800-38D §8.2.1), which
 * the GCM tag authenticates, so a relay cannot renumber a recorded frame.
 *
 * `check` runs before decryption (cheap rejection); `accept` only after the tag verified,
 * so forged frames cannot move the window.
 */

/**
 * Frames of one sender key arrive through separate audio and video pipelines (and several
 * simulcast encoders share the counter), so some reordering is normal: 2048 counters is
 * several seconds of one participant's media.
 */
export const WINDOW_SIZE = 2048;
const WORDS = WINDOW_SIZE / 32;

/**
 * The bitmap is a ring indexed by counter mod WINDOW_SIZE: advancing the highest counter
 * by k clears k bits, so the usual one-step advance costs one bit operation.
 */
export class ReplayWindow {
  #highest = -1n;
  readonly #bits = new Uint32Array(WORDS);

  #slot(counter: bigint): number {
    return Number(counter % BigInt(WINDOW_SIZE));
  }

  #isSet(slot: number): boolean {
    return ((this.#bits[slot >>> 5] ?? 0) & (1 << (slot & 31))) !== 0;
  }

  /** True when `counter` could still be new. */
  check(counter: bigint): boolean {
    if (counter < 0n) return false;
    if (counter > this.#highest) return true;
    if (this.#highest - counter >= BigInt(WINDOW_SIZE)) return false;
    return !this.#isSet(this.#slot(counter));
  }

  /** Records an authenticated counter; returns false when it was a replay after all. */
  accept(counter: bigint): boolean {
    if (!this.check(counter)) return false;
    if (counter > this.#highest) {
      const advance = counter - this.#highest;
      if (advance >= BigInt(WINDOW_SIZE)) {
        this.#bits.fill(0);
      } else {
        for (let next = this.#highest + 1n; next <= counter; next += 1n) {
          const slot = this.#slot(next);
          this.#bits[slot >>> 5] = (this.#bits[slot >>> 5] ?? 0) & ~(1 << (slot & 31));
        }
      }
      this.#highest = counter;
    }
    const slot = this.#slot(counter);
    this.#bits[slot >>> 5] = (this.#bits[slot >>> 5] ?? 0) | (1 << (slot & 31));
    return true;
  }
}
