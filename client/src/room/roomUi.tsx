/** Room building blocks shared by the patient and provider screens. */
import { useEffect, useRef, useState, useSyncExternalStore } from 'react';
import { ApiError, api, sessionUser } from '../api/http.js';
import type { E2eeState, KeyHolder, RefusedPeer } from '../e2ee/E2eeSession.js';
import type { NetworkQuality } from './networkQuality.js';
import { stopStream } from './roomControls.js';
import { RoomConnection } from './RoomConnection.js';
import type { RoomState, RoomTicket } from './RoomConnection.js';

interface TurnCredentials {
  username: string;
  credential: string;
  uris: string[];
}

/**
 * Asks the API for a short-lived, audience-bound room token for this visit, plus TURN
 * credentials when the deployment has a TURN server (503 turn_not_configured otherwise).
 */
export async function fetchRoomTicket(appointmentId: string, e2eePublicKey: string): Promise<RoomTicket> {
  const grant = await api<{ token: string; sfuUrl: string | null; certificate: string | null }>(
    'POST',
    `/v1/appointments/${encodeURIComponent(appointmentId)}/room-token`,
    { e2eePublicKey },
  );
  const iceServers: RTCIceServer[] = [];
  try {
    const turn = await api<TurnCredentials>('GET', '/v1/turn-credentials');
    if (turn.uris.length > 0) iceServers.push({ urls: turn.uris, username: turn.username, credential: turn.credential });
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 503)) throw error;
  }
  return { token: grant.token, certificate: grant.certificate, iceServers, sfuUrl: grant.sfuUrl };
}

/** What POST /v1/invitations/redeem returns to a guest's browser. */
interface GuestGrant {
  token: string;
  roomId: string;
  participantId: string;
  sfuUrl: string | null;
  certificate: string;
  turn: TurnCredentials | null;
}

/**
 * A guest's room token: the invitation link itself is the credential (no session), redeemed
 * anew on every (re)connection, so a withdrawn invitation fails the next one.
 */
export async function fetchGuestTicket(link: string, e2eePublicKey: string): Promise<RoomTicket & { participantId: string; roomId: string }> {
  const grant = await api<GuestGrant>('POST', '/v1/invitations/redeem', { token: link, e2eePublicKey });
  const iceServers: RTCIceServer[] =
    grant.turn !== null && grant.turn.uris.length > 0 ? [{ urls: grant.turn.uris, username: grant.turn.username, credential: grant.turn.credential }] : [];
  return { token: grant.token, certificate: grant.certificate, iceServers, sfuUrl: grant.sfuUrl, participantId: grant.participantId, roomId: grant.roomId };
}

/** How a guest (no session) joins: their id in the room and the link that buys room tokens. */
export interface GuestAccess {
  participantId: string;
  link: string;
}

/** Connects to the room while mounted with a local stream; closes on unmount. */
export function useRoom(
  appointmentId: string,
  localStream: MediaStream | null,
  guest?: GuestAccess,
): { room: RoomConnection | null; state: RoomState | null } {
  const [room, setRoom] = useState<RoomConnection | null>(null);
  const guestId = guest?.participantId;
  const guestLink = guest?.link;
  useEffect(() => {
    const user = sessionUser();
    if (localStream === null) return;
    const selfUserId = guestId ?? user?.id;
    if (selfUserId === undefined) return;
    const connection = new RoomConnection({
      appointmentId,
      selfUserId,
      localStream,
      fetchTicket: (e2eePublicKey) =>
        guestLink === undefined ? fetchRoomTicket(appointmentId, e2eePublicKey) : fetchGuestTicket(guestLink, e2eePublicKey),
      // Guests have no session that could idle out.
      ...(guestLink === undefined
        ? { heartbeat: () => api<undefined>('POST', `/v1/appointments/${encodeURIComponent(appointmentId)}/room-heartbeat`) }
        : {}),
    });
    setRoom(connection);
    connection.start();
    return () => {
      void connection.close();
      // The stream was handed to the room: leaving the screen releases the devices too.
      stopStream(localStream);
      setRoom(null);
    };
  }, [appointmentId, localStream, guestId, guestLink]);
  const state = useSyncExternalStore(
    (listener) => room?.subscribe(listener) ?? (() => undefined),
    () => room?.state ?? null,
  );
  const ended = state?.phase === 'ended';
  useEffect(() => {
    // Leaving (or being ended by the provider) releases the camera and microphone.
    if (ended && localStream !== null) stopStream(localStream);
  }, [ended, localStream]);
  return { room, state };
}

/** A <video> bound to a stream. Local previews are mirrored and muted. */
export function VideoTile({ stream, label, muted, testId }: { stream: MediaStream; label: string; muted?: boolean; testId?: string }) {
  const ref = useRef<HTMLVideoElement>(null);
  useEffect(() => {
    const video = ref.current;
    if (video === null) return;
    if (video.srcObject !== stream) video.srcObject = stream;
    // A track swapped inside the same stream (switch camera) is not picked up by a playing
    // <video>: bind the stream again so it shows the new track.
    const rebind = (): void => {
      video.srcObject = null;
      video.srcObject = stream;
    };
    stream.addEventListener('addtrack', rebind);
    return () => {
      stream.removeEventListener('addtrack', rebind);
    };
  }, [stream]);
  return (
    <figure className={muted === true ? 'tile tile-local' : 'tile'}>
      <video ref={ref} autoPlay playsInline muted={muted} aria-label={label} data-testid={testId} />
      <figcaption>{label}</figcaption>
    </figure>
  );
}

const E2EE_TEXT: Record<E2eeState['status'], string> = {
  starting: 'Setting up end-to-end encryption…',
  waiting_for_peer: 'End-to-end encrypted · waiting for the other participant’s key',
  active: 'End-to-end encrypted',
  failing: 'Encryption problem: some video cannot be decrypted and is hidden',
  unsupported: 'This browser cannot encrypt video end to end; use a current Chrome, Edge, Firefox or Safari',
};

const RELATION_TEXT: Record<NonNullable<KeyHolder['relation']>, string> = {
  interpreter: 'interpreter',
  caregiver: 'caregiver',
  family_member: 'family member',
  clinician: 'supervising clinician',
};

/** "patient", "provider", or "interpreter, invited by Dr. Kim" for a guest. */
export function holderRoleText(holder: Pick<KeyHolder, 'role' | 'relation' | 'invitedBy'>): string {
  switch (holder.role) {
    case 'patient':
      return 'patient';
    case 'provider':
      return 'provider';
    case 'guest':
      return `${holder.relation === null ? 'invited guest' : RELATION_TEXT[holder.relation]}${holder.invitedBy === null ? '' : `, invited by ${holder.invitedBy}`}`;
  }
}

/** Plain words for a relation ("family member"). */
export function relationText(relation: NonNullable<KeyHolder['relation']>): string {
  return RELATION_TEXT[relation];
}

const REFUSAL_TEXT: Record<RefusedPeer['reason'], string> = {
  missing: 'had no certificate from the practice',
  malformed: 'sent a damaged certificate',
  bad_signature: 'sent a certificate the practice did not sign',
  unknown_signing_key: 'sent a certificate the practice did not sign',
  expired: 'sent an expired certificate',
  wrong_room: 'had a certificate for another visit',
  wrong_user: 'had someone else’s certificate',
  key_mismatch: 'used a key that does not match its certificate',
  jwks_unavailable: 'could not be checked (the practice’s keys did not load)',
  no_commitment: 'skipped a step of the key exchange',
  commitment_mismatch: 'changed its key during the exchange',
  not_expected: 'is not invited to this visit',
};

/**
 * E2EE state, who holds the keys (certified names and roles), refused key holders as a
 * warning, and the short authentication string both people compare out loud. "Verified"
 * comes from the session, so any key change takes it away and asks again.
 */
export function E2eeIndicator({ e2ee, onVerified }: { e2ee: E2eeState; onVerified?: (match: boolean) => void }) {
  const [mismatch, setMismatch] = useState(false);
  // Symbols may be two words ("light bulb"): a bar separates them in the test hook.
  const sasText = e2ee.sas?.map((symbol) => symbol.word).join('|') ?? '';
  return (
    <div className={`e2ee e2ee-${e2ee.status}`} role="status" aria-live="polite" data-testid="e2ee-status"
      data-state={e2ee.status}
      data-verified={e2ee.verified ? 'true' : 'false'}
      data-encrypted={e2ee.stats.encryptedFrames}
      data-decrypted={e2ee.stats.decryptedFrames}
      data-dropped={e2ee.stats.droppedFrames}
      data-replayed={e2ee.stats.replayedFrames}
    >
      <p>
        <span aria-hidden="true">{e2ee.status === 'active' ? '🔒 ' : e2ee.status === 'failing' ? '⚠️ ' : '… '}</span>
        {E2EE_TEXT[e2ee.status]}
        {e2ee.keyIndex > 0 && <span className="muted"> · key {e2ee.keyIndex}</span>}
      </p>
      {e2ee.holders.length > 0 && (
        <div className="key-holders" data-testid="key-holders" data-count={e2ee.holders.length + (e2ee.self === null ? 0 : 1)}>
          <p>Only these people hold the keys to this video:</p>
          <ul>
            {e2ee.self !== null && (
              <li data-testid="key-holder" data-role={e2ee.self.role} data-self="true">
                {e2ee.self.name} — {holderRoleText(e2ee.self)} (you)
              </li>
            )}
            {e2ee.holders.map((holder) => (
              <li key={holder.userId} data-testid="key-holder" data-role={holder.role}>
                {holder.name} — {holderRoleText(holder)}
              </li>
            ))}
          </ul>
        </div>
      )}
      {e2ee.refused.length > 0 && (
        <ul className="warning" role="alert" data-testid="key-refused">
          {e2ee.refused.map((peer, index) => (
            <li key={index}>
              ⚠️ Someone{peer.name === null ? '' : ` calling themselves ${peer.name}`} asked for the video key and was refused: they{' '}
              {REFUSAL_TEXT[peer.reason]}.
            </li>
          ))}
        </ul>
      )}
      {e2ee.sas !== null && (
        <div className="sas">
          <p id="sas-help">
            Read these to each other{e2ee.holders.length > 1 ? ' (everyone should see the same code)' : ''}. If they differ, someone may be listening in: hang up.
          </p>
          <p className="sas-symbols" aria-describedby="sas-help" data-testid="sas" data-sas={sasText}>
            {e2ee.sas.map((symbol, index) => (
              <span key={index} className="sas-symbol">
                <span aria-hidden="true">{symbol.emoji}</span>
                <span>{symbol.word}</span>
              </span>
            ))}
          </p>
          {onVerified !== undefined && !e2ee.verified && !mismatch && (
            <p className="row">
              <button
                type="button"
                onClick={() => {
                  onVerified(true);
                }}
              >
                Codes match
              </button>
              <button
                type="button"
                className="danger"
                onClick={() => {
                  setMismatch(true);
                  onVerified(false);
                }}
              >
                Codes differ
              </button>
            </p>
          )}
          {e2ee.verified && (
            <p data-testid="sas-verified">Verified: {e2ee.holders.length > 1 ? 'everyone here sees' : 'you both see'} the same code.</p>
          )}
        </div>
      )}
    </div>
  );
}

const NETWORK_TEXT: Record<NetworkQuality, string> = {
  unknown: 'Checking connection…',
  good: 'Connection good',
  fair: 'Connection fair',
  poor: 'Connection poor: video may freeze',
  offline: 'Connection lost: reconnecting…',
};

/** Network quality with a bar glyph; text carries the meaning for screen readers. */
export function NetworkIndicator({ quality, phase }: { quality: NetworkQuality; phase: RoomState['phase'] }) {
  const bars = { unknown: 0, offline: 0, poor: 1, fair: 2, good: 3 }[quality];
  return (
    <p className={`network network-${quality}`} role="status" aria-live="polite" data-testid="network" data-quality={quality}>
      <span aria-hidden="true" className="bars">
        {'▮'.repeat(bars)}
        {'▯'.repeat(3 - bars)}
      </span>{' '}
      {phase === 'reconnecting' ? 'Reconnecting…' : NETWORK_TEXT[quality]}
    </p>
  );
}

/** Remote participants' videos, "reconnecting" tiles for dropped ones, or a placeholder while alone. */
export function RemoteVideos({ state, emptyText }: { state: RoomState; emptyText: string }) {
  const label = (role: RoomState['remotes'][number]['role'], userId: string): string => {
    // The certified name once their key is verified; the role alone before.
    const holder = state.e2ee.holders.find((candidate) => candidate.userId === userId);
    if (holder !== undefined) return `${holder.name} · ${holder.role === 'guest' && holder.relation !== null ? RELATION_TEXT[holder.relation] : holder.role}`;
    return role === 'provider' ? 'Your provider' : role === 'guest' ? 'Invited guest' : 'Patient';
  };
  const reconnecting = state.reconnectingPeers.filter((peer) => !state.remotes.some((remote) => remote.userId === peer.userId));
  if (state.remotes.length === 0 && reconnecting.length === 0) return <p className="placeholder">{emptyText}</p>;
  return (
    <>
      {state.remotes.map((remote) => (
        <VideoTile
          key={remote.peerId}
          stream={remote.stream}
          label={`${label(remote.role, remote.userId)}${remote.reconnecting ? ' · reconnecting…' : ''}`}
          testId="remote-video"
        />
      ))}
      {reconnecting.map((peer) => (
        <figure key={peer.userId} className="tile tile-reconnecting" data-testid="remote-reconnecting">
          <p className="tile-notice" role="status">
            {peer.role === 'provider' ? 'Your provider is reconnecting…' : peer.role === 'patient' ? 'Patient reconnecting…' : `${label(peer.role, peer.userId)} is reconnecting…`}
          </p>
          <figcaption>{label(peer.role, peer.userId)}</figcaption>
        </figure>
      ))}
    </>
  );
}

/** The current time, refreshed every `intervalMs` (for countdowns). */
export function useNow(intervalMs = 1000): Date {
  const [now, setNow] = useState(() => new Date());
  useEffect(() => {
    const timer = setInterval(() => {
      setNow(new Date());
    }, intervalMs);
    return () => {
      clearInterval(timer);
    };
  }, [intervalMs]);
  return now;
}
