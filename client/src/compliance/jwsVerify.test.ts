import { CompactSign, exportJWK, generateKeyPair } from 'jose';
import type { PublicJwk } from './jwsVerify.js';
import { verifyCompactJws } from './jwsVerify.js';

const encode = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('browser JWS verification (WebCrypto, ES256)', () => {
  let keys: PublicJwk[];
  let jws: string;

  beforeAll(async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    keys = [{ ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256' }];
    jws = await new CompactSign(Buffer.from(JSON.stringify({ rowCount: 3 })))
      .setProtectedHeader({ alg: 'ES256', kid: 'k1', typ: 'audit-export-manifest+json' })
      .sign(privateKey);
  });

  it('accepts a manifest signed by a published key and returns its payload', async () => {
    await expect(verifyCompactJws(jws, keys)).resolves.toMatchObject({
      valid: true,
      kid: 'k1',
      typ: 'audit-export-manifest+json',
      payload: { rowCount: 3 },
    });
  });

  it('refuses a changed payload, an unknown key, alg none and garbage, in plain words', async () => {
    const [header = '', , signature = ''] = jws.split('.');
    const changed = await verifyCompactJws(`${header}.${encode({ rowCount: 4 })}.${signature}`, keys);
    expect(changed).toMatchObject({ valid: false, reason: expect.stringContaining('changed after it was signed') as unknown });
    expect((await verifyCompactJws(jws, [{ ...keys[0], kid: 'other' } as PublicJwk])).valid).toBe(false);
    const none = `${encode({ alg: 'none', kid: 'k1' })}.${encode({ rowCount: 3 })}.`;
    expect((await verifyCompactJws(none, keys)).valid).toBe(false);
    expect((await verifyCompactJws('not a jws', keys)).valid).toBe(false);
  });
});
