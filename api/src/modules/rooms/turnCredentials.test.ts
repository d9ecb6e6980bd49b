import { issueTurnCredentials } from './turnCredentials.js';

describe('TURN REST API credentials (draft-uberti-behave-turn-rest-00)', () => {
  it('binds expiry and user into the username and signs it with HMAC-SHA1 of the shared secret', () => {
    const secret = 'a'.repeat(40);
    const now = new Date('2026-01-01T00:00:00Z');
    const issued = issueTurnCredentials({ secret, userId: 'user-1', ttlSeconds: 600, uris: ['turn:turn.example:3478'], now });
    const expiry = now.getTime() / 1000 + 600;
    expect(issued.username).toBe(`${expiry}:user-1`);
    // Computed independently: printf '1767226200:user-1' | openssl dgst -sha1 -hmac <secret> -binary | base64
    expect(issued.credential).toBe('MbKOZAlC6KktDzQPh020Tiie7II=');
    expect(issued.expiresAt).toBe('2026-01-01T00:10:00.000Z');
    const other = issueTurnCredentials({ secret: 'b'.repeat(40), userId: 'user-1', ttlSeconds: 600, uris: [], now });
    expect(other.credential).not.toBe(issued.credential);
  });
});
