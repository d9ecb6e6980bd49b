/** What a client puts in RTCIceServer: { urls, username, credential }. */
export interface TurnCredentials {
    username: string;
    /** The `password` of draft-uberti-behave-turn-rest-00 §2.2, named as RTCIceServer names it. */
    credential: string;
    ttl: number;
    uris: string[];
    expiresAt: string;
}
export interface TurnCredentialInput {
    secret: string;
    userId: string;
    ttlSeconds: number;
    uris: string[];
    now?: Date;
}
/**
 * Time-limited TURN credentials per "A REST API For Access To TURN Services"
 * (draft-uberti-behave-turn-rest-00 §2.2), which coturn implements as `use-auth-secret`:
 * username = "<expiry unix time>:<user id>", password = base64(HMAC-SHA1(secret, username)).
 * coturn recomputes the HMAC with its `static-auth-secret` and refuses the allocation once the
 * expiry has passed, so nothing per user is stored on the TURN server. SHA-1 is what the draft
 * and coturn specify; as an HMAC it is not affected by SHA-1 collision attacks (RFC 6151 §2).
 */
export declare function issueTurnCredentials({ secret, userId, ttlSeconds, uris, now }: TurnCredentialInput): TurnCredentials;
