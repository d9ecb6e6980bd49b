import { compareBytes } from './keyAgreement.js';

/**
 * Short authentication string with a hash commitment (the ZRTP design, RFC 6189 §4.4.1.1
 * and §4.5.2, applied to our ECDH keys).
 *
 * Every participant first sends a commitment, SHA-256(domain || public key || 256-bit nonce),
 * and reveals its key and nonce to a peer only after holding that peer's commitment. A relay
 * that wants to substitute keys must therefore fix its own keys before it sees the honest
 * ones, and cannot search for keys that make both screens show the same code: its chance is
 * 2^-42 per attempt, and every attempt is a visible restart.
 *
 * The SAS hashes every key holder's (public key, nonce), sorted by key so order does not
 * matter, and shows 42 bits as seven symbols from a 64-symbol list (6 bits each).
 */
export const SAS_SYMBOLS: readonly (readonly [emoji: string, word: string])[] = [
  ['🐶', 'dog'], ['🐱', 'cat'], ['🦁', 'lion'], ['🐴', 'horse'], ['🦄', 'unicorn'], ['🐷', 'pig'], ['🐘', 'elephant'], ['🐰', 'rabbit'],
  ['🐼', 'panda'], ['🐓', 'rooster'], ['🐧', 'penguin'], ['🐢', 'turtle'], ['🐟', 'fish'], ['🐙', 'octopus'], ['🦋', 'butterfly'], ['🌷', 'flower'],
  ['🌳', 'tree'], ['🌵', 'cactus'], ['🍄', 'mushroom'], ['🌏', 'globe'], ['🌙', 'moon'], ['☁️', 'cloud'], ['🔥', 'fire'], ['🍌', 'banana'],
  ['🍎', 'apple'], ['🍓', 'strawberry'], ['🌽', 'corn'], ['🍕', 'pizza'], ['🎂', 'cake'], ['❤️', 'heart'], ['🙂', 'smiley'], ['🤖', 'robot'],
  ['🎩', 'hat'], ['👓', 'glasses'], ['🔧', 'spanner'], ['🎅', 'santa'], ['👍', 'thumbs up'], ['☂️', 'umbrella'], ['⌛', 'hourglass'], ['⏰', 'clock'],
  ['🎁', 'gift'], ['💡', 'light bulb'], ['📕', 'book'], ['✏️', 'pencil'], ['📎', 'paperclip'], ['✂️', 'scissors'], ['🔒', 'lock'], ['🔑', 'key'],
  ['🔨', 'hammer'], ['☎️', 'telephone'], ['🏁', 'flag'], ['🚂', 'train'], ['🚲', 'bicycle'], ['✈️', 'aeroplane'], ['🚀', 'rocket'], ['🏆', 'trophy'],
  ['⚽', 'ball'], ['🎸', 'guitar'], ['🎺', 'trumpet'], ['🔔', 'bell'], ['⚓', 'anchor'], ['🎧', 'headphones'], ['📁', 'folder'], ['📌', 'pin'],
];
const SYMBOL_BITS = 6;
/** 7 x 6 = 42 bits, above the 40-bit floor the product asks for. */
export const SAS_LENGTH = 7;
/** Nonce length: 256 bits, as the ZRTP hash-image chain uses (RFC 6189 §9). */
export const COMMIT_NONCE_BYTES = 32;
const COMMIT_DOMAIN = new TextEncoder().encode('medspa-e2ee v2 commit\n');
const SAS_DOMAIN = new TextEncoder().encode('medspa-e2ee v2 sas\n');

/** One key holder's contribution to the SAS: the revealed public key and nonce. */
export interface SasContribution {
  publicKey: Uint8Array;
  nonce: Uint8Array;
}

function concatBytes(parts: readonly Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.byteLength, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.byteLength;
  }
  return out;
}

/** The commitment sent before the key: SHA-256(domain || public key || nonce). */
export async function commitmentOf(publicKey: Uint8Array, nonce: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', concatBytes([COMMIT_DOMAIN, publicKey, nonce])));
}

export interface SasSymbol {
  emoji: string;
  word: string;
}

/** The SAS for every key holder in the room (our own included). Same inputs give the same SAS everywhere. */
export async function shortAuthenticationString(holders: readonly SasContribution[]): Promise<SasSymbol[]> {
  const sorted = [...holders].sort((a, b) => compareBytes(a.publicKey, b.publicKey));
  const digest = new Uint8Array(
    await crypto.subtle.digest('SHA-256', concatBytes([SAS_DOMAIN, ...sorted.flatMap((holder) => [holder.publicKey, holder.nonce])])),
  );
  // The first 48 bits of the digest; the top 42 of them pick the symbols.
  let bits = 0n;
  for (const byte of digest.subarray(0, 6)) bits = (bits << 8n) | BigInt(byte);
  const symbols: SasSymbol[] = [];
  for (let i = 0; i < SAS_LENGTH; i += 1) {
    const shift = BigInt(48 - SYMBOL_BITS * (i + 1));
    const index = Number((bits >> shift) & 0x3fn);
    const [emoji, word] = SAS_SYMBOLS[index] ?? ['?', '?'];
    symbols.push({ emoji, word });
  }
  return symbols;
}
