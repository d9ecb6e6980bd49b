/**
 * Provider's visit room: device check, waiting list with admit, video with the consult note
 * (or GFE form) side by side, and before/after photo comparison for follow-ups.
 */
import { useState } from 'react';
import { api, sessionUser } from '../api/http.js';
import type { Appointment, PhotoMeta, VisitPhotos } from '../api/types.js';
import { latestBeforePhoto, usePhotoUrl } from '../patient/FollowUpPanel.js';
import { PreCheck } from '../room/PreCheck.js';
import { ChatPanel } from '../room/chatUi.js';
import { MediaControls } from '../room/roomControls.js';
import { E2eeIndicator, NetworkIndicator, RemoteVideos, VideoTile, useRoom } from '../room/roomUi.js';
import { ErrorMessage, Section, useAsync } from '../ui/components.js';
import { NotesPanel } from './NotesPanel.js';
import { IntakePanel } from './IntakePanel.js';
import { AppLink } from '../chart/Link.js';
import { visitName } from '../chart/labels.js';
import { formatWhen } from '../patient/localDay.js';
import { EndVisitControl, ProviderVisitEnded, admitErrorText, saveChatToChart } from './visitEnd.js';
import { VisitGuests, useInvitations } from './VisitGuests.js';
import { relationText } from '../room/roomUi.js';

function Photo({ photo, label }: { photo: PhotoMeta | null; label: string }) {
  const url = usePhotoUrl(photo?.id ?? null);
  return (
    <figure className="compare-photo">
      {url === null ? <p className="placeholder">No {label.toLowerCase()} photo</p> : <img src={url} alt={`${label} photo`} />}
      <figcaption>
        {label}
        {photo === null ? '' : ` · ${new Date(photo.createdAt).toLocaleDateString()}`}
      </figcaption>
    </figure>
  );
}

/** Before photo next to the newest photo of this follow-up. */
function PhotoComparison({ appointment }: { appointment: Appointment }) {
  const visits = useAsync(
    () => api<{ visits: VisitPhotos[] }>('GET', `/v1/patients/${appointment.patientId}/photos`).then((body) => body.visits),
    `photos-${appointment.id}`,
  );
  const before = visits.data === null ? null : latestBeforePhoto(visits.data, appointment.id);
  const latest =
    visits.data
      ?.find((visit) => visit.appointmentId === appointment.id)
      ?.photos.slice()
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt))[0] ?? null;
  return (
    <Section title="Photo comparison">
      <ErrorMessage error={visits.error} />
      <div className="compare">
        <Photo photo={before} label="Before" />
        <Photo photo={latest} label="Today" />
      </div>
      <button type="button" onClick={visits.reload}>
        Refresh photos
      </button>
    </Section>
  );
}

function ProviderRoom({ appointment, localStream }: { appointment: Appointment; localStream: MediaStream }) {
  const { room, state } = useRoom(appointment.id, localStream);
  const [admitError, setAdmitError] = useState<string | null>(null);
  const guests = useInvitations(appointment.id);
  /** Who a waiting peer is: the patient, or an invited guest by their invitation (the SFU only knows ids). */
  const waitingName = (peer: { userId: string; role: string }): string => {
    if (peer.role !== 'guest') return appointment.patientName ?? 'Patient';
    const invitation = guests.invitations.find((candidate) => candidate.id === peer.userId);
    return invitation === undefined ? 'An invited guest' : `${invitation.name} (${relationText(invitation.relation)})`;
  };
  if (state === null) return <p role="status">Connecting…</p>;
  if (state.phase === 'ended') return <ProviderVisitEnded outcome={state.visitEnded} />;
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
      {state.phase === 'failed' && (
        <p role="alert" className="error">
          Could not open the room ({state.error}).
        </p>
      )}
      <Section title="Waiting room">
        {state.waiting.length === 0 ? (
          <p>Nobody is waiting.</p>
        ) : (
          <ul className="list" data-testid="waiting-list">
            {state.waiting.map((peer) => (
              <li key={peer.peerId} data-role={peer.role}>
                <span>
                  {waitingName(peer)} waiting since {new Date(peer.waitingSince).toLocaleTimeString()}
                </span>
                <button
                  type="button"
                  onClick={() => {
                    setAdmitError(null);
                    room?.admit(peer.peerId).catch((error: unknown) => {
                      setAdmitError(admitErrorText(error, appointment, new Date()));
                    });
                  }}
                >
                  Admit
                </button>
              </li>
            ))}
          </ul>
        )}
        {admitError !== null && (
          <p role="alert" className="error" data-testid="admit-error">
            {admitError}
          </p>
        )}
      </Section>
      <div className="room-grid with-side">
        <div className="room-main">
          <div className="videos">
            <RemoteVideos state={state} emptyText="The patient’s video appears here once admitted." />
            <VideoTile stream={localStream} label="You" muted />
          </div>
          <div className="row wrap room-actions">
            <MediaControls room={room} localStream={localStream} />
            <button
              type="button"
              onClick={() => {
                void room?.close();
              }}
            >
              Leave room
            </button>
            <EndVisitControl appointment={appointment} room={room} />
          </div>
        </div>
        <div className="side-panel">
          <VisitGuests appointmentId={appointment.id} room={room} invitations={guests.invitations} error={guests.error} reload={guests.reload} />
          {appointment.kind === 'gfe' && <IntakePanel patientId={appointment.patientId} />}
          {state.phase === 'in_room' && (
            <ChatPanel
              room={room}
              state={state}
              otherLabel="Patient"
              onSave={(message) => saveChatToChart(appointment, message)}
            />
          )}
          <NotesPanel appointment={appointment} />
          {appointment.kind === 'follow_up' && <PhotoComparison appointment={appointment} />}
        </div>
      </div>
    </div>
  );
}

/** `/visit/:appointmentId` for providers. */
export default function ProviderVisit({ appointmentId }: { appointmentId: string }) {
  const appointment = useAsync(() => api<Appointment>('GET', `/v1/appointments/${appointmentId}`), appointmentId);
  const [localStream, setLocalStream] = useState<MediaStream | null>(null);
  if (sessionUser() === null) return null;
  if (appointment.data === null) {
    return appointment.error === null ? <p role="status">Loading visit…</p> : <ErrorMessage error={appointment.error} />;
  }
  const visit = appointment.data;
  return (
    <div className="stack">
      <h1>
        {visitName(visit.kind, visit.serviceCode)} · {visit.patientName ?? 'Patient'} · {formatWhen(visit.startsAt)} · in{' '}
        {visit.confirmedState ?? visit.patientState}
      </h1>
      <AppLink to={`/patients/${visit.patientId}`}>Open patient chart</AppLink>
      {localStream === null ? (
        <Section title="Device and network check">
          <PreCheck onReady={setLocalStream} />
        </Section>
      ) : (
        <ProviderRoom appointment={visit} localStream={localStream} />
      )}
    </div>
  );
}
