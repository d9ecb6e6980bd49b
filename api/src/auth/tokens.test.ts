import { exportJWK, generateKeyPair } from 'jose';
import { TOKEN_AUDIENCES, createTokenService } from './tokens.js';

async function privateJwk(curve: 'ES256' | 'ES384' = 'ES256', kid: string | null = 'k1'): Promise<string> {
  const { privateKey } = await generateKeyPair(curve, { extractable: true });
  const jwk = await exportJWK(privateKey);
  return JSON.stringify(kid === null ? jwk : { ...jwk, kid });
}

describe('token service', () => {
  it('signs with kid and verifies issuer, audience and algorithm', async () => {
    const tokens = await createTokenService(await privateJwk());
    const token = await tokens.sign({ audience: TOKEN_AUDIENCES.sfu, subject: 'u1', ttlSeconds: 60, claims: { room: 'r1' } });
    const payload = await tokens.verify(token, TOKEN_AUDIENCES.sfu);
    expect(payload).toMatchObject({ sub: 'u1', room: 'r1', aud: TOKEN_AUDIENCES.sfu });
    await expect(tokens.verify(token, TOKEN_AUDIENCES.api)).rejects.toThrow();
  });

  it('publishes only the public key', async () => {
    const tokens = await createTokenService(await privateJwk());
    const { keys } = tokens.publicJwks();
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatchObject({ kty: 'EC', crv: 'P-256', kid: 'k1', alg: 'ES256', use: 'sig' });
    expect(keys[0]).not.toHaveProperty('d');
  });

  it('refuses tokens signed by another key', async () => {
    const ours = await createTokenService(await privateJwk());
    const theirs = await createTokenService(await privateJwk());
    const token = await theirs.sign({ audience: TOKEN_AUDIENCES.api, subject: 'u1', ttlSeconds: 60 });
    await expect(ours.verify(token, TOKEN_AUDIENCES.api)).rejects.toThrow();
  });

  it('refuses configuration that is not a P-256 private key with a kid', async () => {
    await expect(createTokenService('not json')).rejects.toThrow(/JSON/);
    await expect(createTokenService(await privateJwk('ES384'))).rejects.toThrow(/P-256/);
    await expect(createTokenService(await privateJwk('ES256', null))).rejects.toThrow(/kid/);
    const publicOnly = JSON.parse(await privateJwk()) as Record<string, unknown>;
    delete publicOnly.d;
    await expect(createTokenService(JSON.stringify(publicOnly))).rejects.toThrow(/private/);
  });
});
