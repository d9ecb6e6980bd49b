import { randomUUID } from 'node:crypto';
import { ROOM_TOKEN_AUDIENCE, ROOM_TOKEN_ISSUER } from '@medspa/shared-types';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import type { KeyLike } from 'jose';
import { signRoomToken } from '../../test/support/testSfu.js';
import { HandshakeError, createRoomTokenVerifier } from './roomTokens.js';
import type { RoomTokenVerifier } from './roomTokens.js';

async function refusalCode(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof HandshakeError) return error.code;
    throw error;
  }
  return 'accepted';
}

describe('room token verification', () => {
  const room = randomUUID();
  const claims = { room, sub: randomUUID(), role: 'patient' as const, practice: randomUUID() };
  let key: KeyLike;
  let verify: RoomTokenVerifier;

  beforeAll(async () => {
    const pair = await generateKeyPair('ES256', { extractable: true });
    key = pair.privateKey;
    verify = createRoomTokenVerifier({ jwks: { keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256' }] } });
  });

  it('accepts a fresh token for its own room and returns its claims', async () => {
    const token = await signRoomToken(key, 'k1', claims);
    await expect(verify(token, room)).resolves.toEqual(claims);
  });

  it('refuses an expired token', async () => {
    const token = await signRoomToken(key, 'k1', { ...claims, issuedAt: Math.floor(Date.now() / 1000) - 600, ttlSeconds: 120 });
    expect(await refusalCode(verify(token, room))).toBe('token_expired');
  });

  it('refuses a token issued too long ago even if its expiry is far away', async () => {
    const token = await signRoomToken(key, 'k1', { ...claims, issuedAt: Math.floor(Date.now() / 1000) - 3600, ttlSeconds: 86_400 });
    // jose reports an exceeded maxTokenAge as an expiry: the client's remedy is the same.
    expect(await refusalCode(verify(token, room))).toBe('token_expired');
  });

  it('refuses a token for another room', async () => {
    const token = await signRoomToken(key, 'k1', claims);
    expect(await refusalCode(verify(token, randomUUID()))).toBe('wrong_room');
  });

  it('refuses a tampered token (claims changed after signing)', async () => {
    const token = await signRoomToken(key, 'k1', claims);
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const changed = { ...(JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>), role: 'provider' };
    const tampered = [header, Buffer.from(JSON.stringify(changed)).toString('base64url'), signature].join('.');
    expect(await refusalCode(verify(tampered, room))).toBe('invalid_token');
  });

  it('refuses a token signed by another key', async () => {
    const other = await generateKeyPair('ES256');
    const token = await signRoomToken(other.privateKey, 'k1', claims);
    expect(await refusalCode(verify(token, room))).toBe('invalid_token');
  });

  it('refuses an access token (wrong audience) and an unsigned token', async () => {
    const accessToken = await new SignJWT({ room: claims.room, role: claims.role, practice: claims.practice })
      .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
      .setIssuer(ROOM_TOKEN_ISSUER)
      .setAudience('medspa-api')
      .setSubject(claims.sub)
      .setIssuedAt()
      .setExpirationTime('2m')
      .sign(key);
    expect(await refusalCode(verify(accessToken, room))).toBe('invalid_token');

    const unsignedHeader = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
    const now = Math.floor(Date.now() / 1000);
    const unsignedPayload = Buffer.from(
      JSON.stringify({ ...claims, iss: ROOM_TOKEN_ISSUER, aud: ROOM_TOKEN_AUDIENCE, iat: now, exp: now + 60 }),
    ).toString('base64url');
    expect(await refusalCode(verify(`${unsignedHeader}.${unsignedPayload}.`, room))).toBe('invalid_token');
  });

  it('refuses a validly signed token without the room claims', async () => {
    const token = await new SignJWT({ role: 'patient' })
      .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
      .setIssuer(ROOM_TOKEN_ISSUER)
      .setAudience(ROOM_TOKEN_AUDIENCE)
      .setSubject(claims.sub)
      .setIssuedAt()
      .setExpirationTime('2m')
      .sign(key);
    expect(await refusalCode(verify(token, room))).toBe('invalid_token');
  });
});
