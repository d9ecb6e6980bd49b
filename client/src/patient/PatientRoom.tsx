/**
 * The patient's visit room: waiting room (with the reason in plain words if the provider
 * could not admit them yet), the consult with call controls and encrypted chat, and the
 * end: "Your visit has ended" with the way to the visit summary.
 */
import type { Appointment } from '../api/types.js';
import { navigate } from '../app/router.js';
import { ChatPanel } from '../room/chatUi.js';
import { MediaControls } from '../room/roomControls.js';
import { E2eeIndicator, NetworkIndicator, RemoteVideos, VideoTile, useNow, useRoom } from '../room/roomUi.js';
import { patientRefusalText } from '../room/visitText.js';
import { Section } from '../ui/components.js';
import { FollowUpPanel } from './FollowUpPanel.js';

const ENDED_TEXT = {
  completed: 'Thank you for your visit. Your provider’s summary will appear with your visits once it is written.',
  ended_early: 'Your provider ended the visit early. The practice will contact you if you need another visit.',
  no_show: 'Your provider closed this visit. If you think this is a mistake, please contact the practice.',
} as const;

function VisitEnded({ text }: { text: string }) {
  return (
    <Section title="Your visit has ended">
      <p role="status" data-testid="visit-ended">
        {text}
      </p>
      <p>Your camera and microphone are now off.</p>
      <a
        href="/"
        onClick={(event) => {
          event.preventDefault();
          navigate('/');
        }}
      >
        See your visit summary
      </a>
    </Section>
  );
}

/** The room once the device check is done. `onFix` returns to a join step (consent, location). */
export function PatientRoom({
  appointment,
  localStream,
  onFix,
}: {
  appointment: Appointment;
  localStream: MediaStream;
  onFix: (step: 'consent' | 'check_in') => void;
}) {
  const { room, state } = useRoom(appointment.id, localStream);
  const now = useNow(15_000);
  if (state === null) return <p role="status">Connecting…</p>;
  if (state.visitEnded !== null) return <VisitEnded text={ENDED_TEXT[state.visitEnded]} />;
  if (state.phase === 'ended') {
    return (
      <VisitEnded
        text={state.error === 'replaced_by_another_tab' ? 'You joined this visit in another tab or device, so this page left it.' : 'You left the visit.'}
      />
    );
  }
  const followUp = appointment.kind === 'follow_up';
  const refusal = state.phase === 'waiting' && state.refusal !== null ? patientRefusalText(state.refusal, appointment, now) : null;
  return (
    <div className="room" data-phase={state.phase}>
      <div className="room-status">
        <NetworkIndicator quality={state.network} phase={state.phase} />
        <E2eeIndicator
          e2ee={state.e2ee}
          onVerified={(match) => {
            // Different codes mean someone may be in the middle: record it and hang up.
            void room?.confirmSas(match).then(() => (match ? undefined : room.close()));
          }}
        />
      </div>
      {state.phase === 'waiting' && (
        <Section title="Waiting room">
          {refusal === null ? (
            <p role="status" data-testid="waiting-room">
              Your provider has been told you are here and will let you in shortly. Please keep this page open.
            </p>
          ) : (
            <div role="alert" data-testid="admission-refused">
              <p>{refusal.text}</p>
              {refusal.fix !== null && (
                <button
                  type="button"
                  onClick={() => {
                    if (refusal.fix !== null) onFix(refusal.fix.step);
                  }}
                >
                  {refusal.fix.label}
                </button>
              )}
            </div>
          )}
        </Section>
      )}
      {(state.phase === 'connecting' || state.phase === 'reconnecting') && <p role="status">{state.phase === 'connecting' ? 'Connecting…' : 'Reconnecting…'}</p>}
      {state.phase === 'failed' && (
        <p role="alert" className="error">
          We could not connect you to the visit. Please check your connection and reload this page.
        </p>
      )}
      <div className="room-grid with-side">
        <div className="room-main">
          <div className="videos">
            {state.phase === 'in_room' && <RemoteVideos state={state} emptyText="Waiting for your provider’s video…" />}
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
        <div className="side-panel">
          {state.phase === 'in_room' && <ChatPanel room={room} state={state} otherLabel="Your provider" />}
          {followUp && <FollowUpPanel appointment={appointment} localStream={localStream} />}
        </div>
      </div>
    </div>
  );
}
