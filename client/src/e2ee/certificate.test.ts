import { calculateJwkThumbprint } from 'jose';
import { CertificateVerifier, p256Thumbprint } from './certificate.js';
import type { JwkSet } from './certificate.js';
import { createIdentity, toBase64Url } from './keyAgreement.js';

const ROOM = '11111111-1111-4111-8111-111111111111';
const USER = '22222222-2222-4222-8222-222222222222';
const json = (value: unknown): string => toBase64Url(new TextEncoder().encode(JSON.stringify(value)));

/** Signs like the API (api/src/modules/rooms/roomTokenService.ts), with claims to override. */
async function issuer(kid = 'k1') {
  const keys = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
  const jwk = await crypto.subtle.exportKey('jwk', keys.publicKey);
  const jwks: JwkSet = { keys: [{ kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y, kid }] };
  const sign = async (publicKey: Uint8Array, claims: Record<string, unknown> = {}, header: Record<string, unknown> = {}): Promise<string> => {
    const now = Math.floor(Date.now() / 1000);
    const head = json({ alg: 'ES256', kid, typ: 'JWT', ...header });
    const body = json({
      iss: 'urn:medspa:api',
      aud: 'medspa-e2ee-participant',
      sub: USER,
      room: ROOM,
      role: 'patient',
      name: 'Bea Patient',
      cnf: { jkt: await p256Thumbprint(publicKey) },
      iat: now,
      exp: now + 600,
      ...claims,
    });
    const signature = await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, keys.privateKey, new TextEncoder().encode(`${head}.${body}`));
    return `${head}.${body}.${toBase64Url(new Uint8Array(signature))}`;
  };
  return { jwks, sign };
}

describe('participant certificates (ES256 JWS, RFC 7638 thumbprint)', () => {
  it('computes the same RFC 7638 thumbprint as jose (what the API puts in cnf.jkt)', async () => {
    const { publicKey } = await createIdentity();
    const x = toBase64Url(publicKey.subarray(1, 33));
    const y = toBase64Url(publicKey.subarray(33));
    expect(await p256Thumbprint(publicKey)).toBe(await calculateJwkThumbprint({ kty: 'EC', crv: 'P-256', x, y }, 'sha256'));
  });

  it('accepts a certificate for this room, user and key, and refuses every mismatch', async () => {
    const api = await issuer();
    const verifier = new CertificateVerifier(ROOM, () => Promise.resolve(api.jwks));
    const { publicKey } = await createIdentity();
    const other = await createIdentity();
    const valid = await api.sign(publicKey);
    expect(await verifier.verify(valid, USER, publicKey)).toMatchObject({ ok: true, participant: { userId: USER, role: 'patient', name: 'Bea Patient' } });
    expect(await verifier.verify(valid, USER, other.publicKey)).toEqual({ ok: false, problem: 'key_mismatch' });
    expect(await verifier.verify(valid, '33333333-3333-4333-8333-333333333333', publicKey)).toEqual({ ok: false, problem: 'wrong_user' });
    expect(await verifier.verify(await api.sign(publicKey, { room: '44444444-4444-4444-8444-444444444444' }), USER, publicKey)).toEqual({ ok: false, problem: 'wrong_room' });
    expect(await verifier.verify(await api.sign(publicKey, { exp: Math.floor(Date.now() / 1000) - 3600 }), USER, publicKey)).toEqual({ ok: false, problem: 'expired' });
    expect(await verifier.verify(await api.sign(publicKey, { aud: 'medspa-sfu' }), USER, publicKey)).toEqual({ ok: false, problem: 'malformed' });
    expect(await verifier.verify(await api.sign(publicKey, { role: 'admin' }), USER, publicKey)).toEqual({ ok: false, problem: 'malformed' });
    expect(await verifier.verify(await api.sign(publicKey, {}, { alg: 'none' }), USER, publicKey)).toEqual({ ok: false, problem: 'malformed' });
    expect(await verifier.verify(undefined, USER, publicKey)).toEqual({ ok: false, problem: 'missing' });
    // A payload changed after signing.
    const [head, , signature] = valid.split('.');
    const forged = `${head ?? ''}.${json({ sub: USER, room: ROOM })}.${signature ?? ''}`;
    expect(await verifier.verify(forged, USER, publicKey)).toEqual({ ok: false, problem: 'bad_signature' });
  });

  it('refuses a certificate signed by anyone but the API, and fetches the key set again for an unknown kid', async () => {
    const api = await issuer('k1');
    const forger = await issuer('k1');
    const rotated = await issuer('k2');
    let fetches = 0;
    let served = api.jwks;
    const verifier = new CertificateVerifier(ROOM, () => {
      fetches += 1;
      return Promise.resolve(served);
    });
    const { publicKey } = await createIdentity();
    expect(await verifier.verify(await forger.sign(publicKey), USER, publicKey)).toEqual({ ok: false, problem: 'bad_signature' });
    served = { keys: [...api.jwks.keys, ...rotated.jwks.keys] };
    expect(await verifier.verify(await rotated.sign(publicKey), USER, publicKey)).toMatchObject({ ok: true });
    expect(fetches).toBe(2);
    const unavailable = new CertificateVerifier(ROOM, () => Promise.reject(new Error('offline')));
    expect(await unavailable.verify(await api.sign(publicKey), USER, publicKey)).toEqual({ ok: false, problem: 'jwks_unavailable' });
  });
});
