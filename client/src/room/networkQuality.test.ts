import { parseE2eeSignal } from './e2eeRelay.js';
import { classifyNetwork } from './networkQuality.js';

describe('network quality', () => {
  it('classifies by RTT and loss over the sampling interval', () => {
    const base = { rttSeconds: 0.05, packetsReceived: 1000, packetsLost: 0 };
    expect(classifyNetwork(null, { rttSeconds: null, packetsReceived: 0, packetsLost: 0 })).toBe('unknown');
    expect(classifyNetwork(base, { rttSeconds: 0.05, packetsReceived: 1100, packetsLost: 0 })).toBe('good');
    expect(classifyNetwork(base, { rttSeconds: 0.5, packetsReceived: 1100, packetsLost: 0 })).toBe('fair');
    expect(classifyNetwork(base, { rttSeconds: 0.05, packetsReceived: 1100, packetsLost: 5 })).toBe('fair');
    expect(classifyNetwork(base, { rttSeconds: 1.2, packetsReceived: 1100, packetsLost: 0 })).toBe('poor');
    expect(classifyNetwork(base, { rttSeconds: 0.05, packetsReceived: 1100, packetsLost: 20 })).toBe('poor');
  });
});

describe('relayed E2EE signals', () => {
  it('accepts well-formed commit, reveal and senderKey signals only', () => {
    // The old unauthenticated hello is gone: keys are revealed only with a certificate, after a commitment.
    expect(parseE2eeSignal({ kind: 'hello', from: 'u1', publicKey: 'BAAA' })).toBeNull();
    expect(parseE2eeSignal({ kind: 'commit', commitment: 'AAAA' })).toEqual({ kind: 'commit', commitment: 'AAAA' });
    expect(parseE2eeSignal({ kind: 'commit', commitment: 'AAAA', reply: true })).toEqual({ kind: 'commit', commitment: 'AAAA', reply: true });
    expect(parseE2eeSignal({ kind: 'commit', commitment: 'not base64url!' })).toBeNull();
    const reveal = { kind: 'reveal', publicKey: 'BAAA', nonce: 'CCCC', certificate: 'aaa.bbb.ccc' };
    expect(parseE2eeSignal(reveal)).toEqual(reveal);
    expect(parseE2eeSignal({ ...reveal, certificate: 'not-a-jws' })).toBeNull();
    expect(parseE2eeSignal({ ...reveal, nonce: undefined })).toBeNull();
    const wrapped = { from: 'u1', to: 'u2', keyIndex: 1, iv: 'AAAA', ciphertext: 'BBBB' };
    expect(parseE2eeSignal({ kind: 'senderKey', wrapped })).toEqual({ kind: 'senderKey', wrapped });
    expect(parseE2eeSignal({ kind: 'senderKey', wrapped: { ...wrapped, keyIndex: 256 } })).toBeNull();
    expect(parseE2eeSignal({ kind: 'other' })).toBeNull();
    expect(parseE2eeSignal(null)).toBeNull();
  });
});
