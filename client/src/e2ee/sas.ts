import { compareBytes } from './keyAgreement.js';

/**
 * Short authentication string: both participants hash every public key in the room (sorted,
 * so order does not matter) and show the first 30 bits as five symbols. If the SFU or anyone
 * else swapped a public key, the two screens differ and the people can tell by reading the
 * words to each other (the ZRTP idea, RFC 6189 §4.5.2, applied to our ECDH keys).
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
const SAS_LENGTH = 5;

export interface SasSymbol {
  emoji: string;
  word: string;
}

/** The SAS for a set of public keys (our own included). Same keys give the same SAS everywhere. */
export async function shortAuthenticationString(publicKeys: readonly Uint8Array[]): Promise<SasSymbol[]> {
  const sorted = [...publicKeys].sort(compareBytes);
  const joined = new Uint8Array(sorted.reduce((sum, key) => sum + key.byteLength, 0));
  let offset = 0;
  for (const key of sorted) {
    joined.set(key, offset);
    offset += key.byteLength;
  }
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', joined));
  let bits = 0n;
  for (const byte of digest.subarray(0, 4)) bits = (bits << 8n) | BigInt(byte);
  const symbols: SasSymbol[] = [];
  for (let i = 0; i < SAS_LENGTH; i += 1) {
    const shift = BigInt(32 - SYMBOL_BITS * (i + 1));
    const index = Number((bits >> shift) & 0x3fn);
    const [emoji, word] = SAS_SYMBOLS[index] ?? ['?', '?'];
    symbols.push({ emoji, word });
  }
  return symbols;
}
