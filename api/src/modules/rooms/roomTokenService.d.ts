import type { RoomRole } from '@medspa/shared-types';
import type { DataSource } from 'typeorm';
import type { RequestContext } from '../../http/requestContext.js';
import type { TokenService } from '../identity/tokens.js';
export interface RoomTokenGrant {
    token: string;
    /** The room is the appointment. */
    roomId: string;
    role: RoomRole;
    expiresAt: string;
    /** Where to connect, when the deployment configures it (SFU_PUBLIC_URL). */
    sfuUrl: string | null;
}
export interface RoomTokenOptions {
    tokens: TokenService;
    ttlSeconds: number;
    sfuUrl: string | null;
}
/**
 * Issues a short-lived room token (audience medspa-sfu) for the appointment's patient or
 * provider, and nobody else: the SFU admits only token holders, and the token names the
 * room, the user and their role in it. Issuing is audited (room.token_issued) with the
 * lookup, in one tenant transaction.
 */
export declare function issueRoomToken(dataSource: DataSource, context: RequestContext, appointmentId: string, { tokens, ttlSeconds, sfuUrl }: RoomTokenOptions): Promise<RoomTokenGrant>;
