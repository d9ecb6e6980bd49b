import { createIdentity, derivePairwiseKey, newSenderKeyMaterial, unwrapSenderKey, wrapSenderKey } from './keyAgreement.js';
import { SAS_SYMBOLS, shortAuthenticationString } from './sas.js';

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

  it('gives both sides the same SAS whatever the key order, and a different one for other keys', async () => {
    const [a, b, c] = await Promise.all([createIdentity(), createIdentity(), createIdentity()]);
    const ab = await shortAuthenticationString([a.publicKey, b.publicKey]);
    expect(await shortAuthenticationString([b.publicKey, a.publicKey])).toEqual(ab);
    expect(ab).toHaveLength(5);
    expect(await shortAuthenticationString([a.publicKey, c.publicKey])).not.toEqual(ab);
  });

  it('has 64 distinct symbols (6 bits each)', () => {
    expect(new Set(SAS_SYMBOLS.map(([, word]) => word)).size).toBe(64);
  });

  it('refuses a public key that is not an uncompressed P-256 point', async () => {
    const alice = await createIdentity();
    await expect(derivePairwiseKey(alice, new Uint8Array(65))).rejects.toThrow();
  });
});
