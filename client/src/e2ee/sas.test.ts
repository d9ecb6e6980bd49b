import { createIdentity, derivePairwiseKey, newSenderKeyMaterial, unwrapSenderKey, wrapSenderKey } from './keyAgreement.js';
import { SAS_LENGTH, SAS_SYMBOLS, commitmentOf, shortAuthenticationString } from './sas.js';

describe('key agreement and short authentication string', () => {
  it('derives the same pairwise key on both sides and opens only what was sealed for the recipient', async () => {
    const alice = await createIdentity();
    const bob = await createIdentity();
    const mallory = await createIdentity();
    const aliceKey = await derivePairwiseKey(alice, bob.publicKey);
    const bobKey = await derivePairwiseKey(bob, alice.publicKey);
    const material = newSenderKeyMaterial();
    const wrapped = await wrapSenderKey(aliceKey, material, 'alice', 'bob', 4);
    expect(Buffer.from(await unwrapSenderKey(bobKey, wrapped)).equals(Buffer.from(material))).toBe(true);
    // Re-addressed (AAD) or opened by someone with another pairwise key: refused.
    await expect(unwrapSenderKey(bobKey, { ...wrapped, keyIndex: 5 })).rejects.toThrow();
    await expect(unwrapSenderKey(await derivePairwiseKey(mallory, alice.publicKey), wrapped)).rejects.toThrow();
  });

  it('gives both sides the same 42-bit SAS whatever the order, and a different one for other keys or nonces', async () => {
    const [a, b, c] = await Promise.all([createIdentity(), createIdentity(), createIdentity()]);
    const nonce = (fill: number): Uint8Array => new Uint8Array(32).fill(fill);
    const holder = (identity: { publicKey: Uint8Array }, fill: number) => ({ publicKey: identity.publicKey, nonce: nonce(fill) });
    const ab = await shortAuthenticationString([holder(a, 1), holder(b, 2)]);
    expect(await shortAuthenticationString([holder(b, 2), holder(a, 1)])).toEqual(ab);
    expect(ab).toHaveLength(SAS_LENGTH);
    expect(SAS_LENGTH * 6).toBeGreaterThanOrEqual(40);
    expect(await shortAuthenticationString([holder(a, 1), holder(c, 2)])).not.toEqual(ab);
    expect(await shortAuthenticationString([holder(a, 1), holder(b, 3)])).not.toEqual(ab);
  });

  it('commits to a key and nonce: a different key or nonce gives a different commitment', async () => {
    const [a, b] = await Promise.all([createIdentity(), createIdentity()]);
    const nonce = new Uint8Array(32).fill(9);
    const commitment = await commitmentOf(a.publicKey, nonce);
    expect(commitment).toHaveLength(32);
    expect(Buffer.from(await commitmentOf(a.publicKey, nonce)).equals(Buffer.from(commitment))).toBe(true);
    expect(Buffer.from(await commitmentOf(b.publicKey, nonce)).equals(Buffer.from(commitment))).toBe(false);
    expect(Buffer.from(await commitmentOf(a.publicKey, new Uint8Array(32))).equals(Buffer.from(commitment))).toBe(false);
  });

  it('has 64 distinct symbols (6 bits each)', () => {
    expect(new Set(SAS_SYMBOLS.map(([, word]) => word)).size).toBe(64);
  });

  it('refuses a public key that is not an uncompressed P-256 point', async () => {
    const alice = await createIdentity();
    await expect(derivePairwiseKey(alice, new Uint8Array(65))).rejects.toThrow();
  });
});
