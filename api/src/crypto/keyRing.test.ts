import { randomBytes } from 'node:crypto';
import { KeyRing, KeyUnavailableError, keyRingFromConfig } from './keyRing.js';

function ring(keks: Record<string, Buffer>, active: string): KeyRing {
  return new KeyRing(new Map(Object.entries(keks)), active);
}

describe('KeyRing (RFC 3394 AES Key Wrap)', () => {
  it('matches the RFC 3394 section 4.6 test vector (256-bit data with a 256-bit KEK)', () => {
    const kek = Buffer.from('000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F', 'hex');
    const data = Buffer.from('00112233445566778899AABBCCDDEEFF000102030405060708090A0B0C0D0E0F', 'hex');
    const wrapped = ring({ k1: kek }, 'k1').wrap(data);
    expect(wrapped.kekId).toBe('k1');
    expect(wrapped.wrapped.toString('hex').toUpperCase()).toBe(
      '28C9F404C4B810F4CBCCB35CFB87F8263F5786E2D80ED326CBC7F0E71A99F43BFB988B9B7A02DD21',
    );
  });

  it('unwraps what it wrapped and refuses a wrong or unknown KEK', () => {
    const dataKey = randomBytes(32);
    const a = ring({ a: randomBytes(32) }, 'a');
    const wrapped = a.wrap(dataKey);
    expect(a.unwrap(wrapped).equals(dataKey)).toBe(true);

    const impostor = ring({ a: randomBytes(32) }, 'a');
    expect(() => impostor.unwrap(wrapped)).toThrow(KeyUnavailableError);
    expect(() => ring({ b: randomBytes(32) }, 'b').unwrap(wrapped)).toThrow(/key id not configured/);
  });

  it('re-wraps under the active KEK without changing the data key', () => {
    const oldKek = randomBytes(32);
    const newKek = randomBytes(32);
    const dataKey = randomBytes(32);
    const before = ring({ old: oldKek }, 'old').wrap(dataKey);
    const both = ring({ old: oldKek, new: newKek }, 'new');
    const after = both.rewrap(before);
    expect(after.kekId).toBe('new');
    expect(after.wrapped.equals(before.wrapped)).toBe(false);
    // The new KEK alone suffices afterwards.
    expect(ring({ new: newKek }, 'new').unwrap(after).equals(dataKey)).toBe(true);
  });

  it('rejects malformed rings', () => {
    expect(() => ring({ a: randomBytes(16) }, 'a')).toThrow(/32 bytes/);
    expect(() => ring({ a: randomBytes(32) }, 'b')).toThrow(/not in the key ring/);
  });

  it('builds from configuration values', () => {
    const key = randomBytes(32);
    const fromConfig = keyRingFromConfig({ DATA_KEKS: { main: key.toString('base64') }, DATA_ACTIVE_KEK_ID: 'main' });
    expect(fromConfig.activeKekId).toBe('main');
    expect(fromConfig.kekIds()).toEqual(['main']);
  });
});
