/**
 * What an invited guest (interpreter, caregiver, family member, supervising clinician) opens
 * from their email: `/guest#<link secret>`. No account: the link is the credential, redeemed
 * for a room token on every (re)connection, so a withdrawn invitation stops working at once.
 * The page shows who invited them and when, the device check, the waiting room, then the
 * consult with the list of everyone who holds the video keys.
 */
import { useState } from 'react';
import type { InvitationSummary } from '@medspa/shared-types';
import { ApiError, api } from '../api/http.js';
import { PreCheck } from '../room/PreCheck.js';
import { MediaControls } from '../room/roomControls.js';
import { E2eeIndicator, NetworkIndicator, RemoteVideos, VideoTile, relationText, useRoom } from '../room/roomUi.js';
import type { GuestAccess } from '../room/roomUi.js';
import { ErrorMessage, Section, useAsync } from '../ui/components.js';

/** The link's secret from the fragment (never sent to the web server). */
function linkFromLocation(): string {
  return decodeURIComponent(window.location.hash.replace(/^#/, ''));
}

function whenText(startsAt: string): string {
  // The viewer's own zone, with its name in words ("Eastern Standard Time").
  return new Date(startsAt).toLocaleString(undefined, {
    weekday: 'long',
    month: 'long',
    day: 'numeric',
    hour: 'numeric',
    minute: '2-digit',
    timeZoneName: 'long',
  });
}

function linkProblem(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.code === 'invitation_revoked') return 'This invitation was withdrawn by the practice. If you think this is a mistake, please contact them.';
    if (error.code === 'invitation_expired') return 'This invitation has expired: the visit is over or was cancelled.';
    if (error.code === 'invitation_invalid' || error.status === 400) return 'This invitation link is not valid. Please check that you opened the whole link from the email.';
    if (error.code === 'rate_limited') return 'Too many attempts. Please wait a minute and try again.';
  }
  return 'The invitation could not be checked right now. Please try again in a moment.';
}

function GuestEnded({ text }: { text: string }) {
  return (
    <Section title="You have left the visit">
      <p role="status" data-testid="guest-ended">
        {text}
      </p>
      <p>Your camera and microphone are now off. You can close this page.</p>
    </Section>
  );
}

function GuestRoom({ summary, access, localStream }: { summary: InvitationSummary; access: GuestAccess; localStream: MediaStream }) {
  const { room, state } = useRoom(summary.roomId, localStream, access);
  if (state === null) return <p role="status">Connecting…</p>;
  if (state.error === 'removed_by_provider') return <GuestEnded text="The practice removed you from this visit and your invitation no longer works." />;
  if (state.visitEnded !== null) return <GuestEnded text="The provider ended the visit. Thank you for joining." />;
  if (state.phase === 'ended') {
    return <GuestEnded text={state.error === 'replaced_by_another_tab' ? 'You joined this visit in another tab or device, so this page left it.' : 'You left the visit.'} />;
  }
  return (
    <div className="room" data-phase={state.phase}>
      <div className="room-status">
        <NetworkIndicator quality={state.network} phase={state.phase} />
        <E2eeIndicator
          e2ee={state.e2ee}
          onVerified={(match) => {
            void room?.confirmSas(match).then(() => (match ? undefined : room.close()));
          }}
        />
      </div>
      {state.phase === 'waiting' && (
        <Section title="Waiting room">
          {state.refusal === null ? (
            <p role="status" data-testid="waiting-room">
              {summary.providerName} has been told you are here and will let you in. Please keep this page open.
            </p>
          ) : (
            <p role="alert" data-testid="admission-refused">
              {state.refusal === 'invitation_not_valid'
                ? 'Your invitation was withdrawn or has expired, so you cannot join. Please contact the practice.'
                : state.refusal === 'outside_visit_window'
                  ? 'The visit room is not open right now. Please keep this page open; you will be let in when it opens.'
                  : 'You could not be let in yet. Please keep this page open, or contact the practice.'}
            </p>
          )}
        </Section>
      )}
      {(state.phase === 'connecting' || state.phase === 'reconnecting') && <p role="status">{state.phase === 'connecting' ? 'Connecting…' : 'Reconnecting…'}</p>}
      {state.phase === 'failed' && (
        <p role="alert" className="error">
          We could not connect you to the visit. Your invitation may have been withdrawn; reload this page to try again.
        </p>
      )}
      <div className="room-grid">
        <div className="room-main">
          <div className="videos">
            {state.phase === 'in_room' && <RemoteVideos state={state} emptyText="Waiting for the others’ video…" />}
            <VideoTile stream={localStream} label="You" muted />
          </div>
          <div className="row wrap room-actions">
            <MediaControls room={room} localStream={localStream} />
            <button
              type="button"
              className="danger"
              onClick={() => {
                void room?.close();
              }}
            >
              Leave visit
            </button>
          </div>
        </div>
      </div>
    </div>
  );
}

/** `/guest#<secret>`: the invited guest's way into one visit. */
export default function GuestJoin() {
  const [link] = useState(linkFromLocation);
  const summary = useAsync(() => api<InvitationSummary>('POST', '/v1/invitations/lookup', { token: link }), link);
  const [localStream, setLocalStream] = useState<MediaStream | null>(null);
  if (summary.data === null) {
    if (summary.error === null) return <p role="status">Checking your invitation…</p>;
    return (
      <div className="stack guest-join">
        <h1>Invitation to a video visit</h1>
        <p role="alert" className="error" data-testid="invitation-problem">
          {linkProblem(summary.error)}
        </p>
        {!(summary.error instanceof ApiError) && <ErrorMessage error={summary.error} />}
      </div>
    );
  }
  const visit = summary.data;
  return (
    <div className="stack guest-join">
      <h1>Video visit with {visit.practiceName}</h1>
      <p data-testid="invitation-summary">
        Hello {visit.guestName}. {visit.providerName} invited you to join as {relationText(visit.relation) === 'interpreter' ? 'the interpreter' : `a ${relationText(visit.relation)}`} on{' '}
        {whenText(visit.startsAt)}.
      </p>
      <p className="muted">
        The video is end-to-end encrypted: only the people listed in the room hold its keys. Nothing is recorded.
      </p>
      {localStream === null ? (
        <Section title="Check your camera and microphone">
          <PreCheck onReady={setLocalStream} opensAt={new Date(visit.opensAt)} />
        </Section>
      ) : (
        <GuestRoom summary={visit} access={{ participantId: visit.participantId, link }} localStream={localStream} />
      )}
    </div>
  );
}
