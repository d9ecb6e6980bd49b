/**
 * The provider's "Invite someone" control and the visit's invitations (interpreter,
 * caregiver, family member, supervising clinician), with withdraw. A withdrawn guest who is
 * in the room or waiting is removed from it at once; the list is polled, so an invitation an
 * admin withdrew elsewhere also removes the guest while the provider is in the room.
 */
import { useEffect, useState } from 'react';
import type { SyntheticEvent } from 'react';
import type { GuestRelation, VisitInvitationView } from '@medspa/shared-types';
import { api } from '../api/http.js';
import type { RoomConnection } from '../room/RoomConnection.js';
import { relationText } from '../room/roomUi.js';
import { ErrorMessage, Field, Section, Select, useAsync } from '../ui/components.js';

const RELATIONS: readonly { value: GuestRelation; label: string }[] = [
  { value: 'interpreter', label: 'Interpreter' },
  { value: 'caregiver', label: 'Caregiver' },
  { value: 'family_member', label: 'Family member' },
  { value: 'clinician', label: 'Supervising clinician (e.g. medical director)' },
];

/** How often the list is read again while the room is open (an admin may withdraw elsewhere). */
const INVITATIONS_POLL_MS = 15_000;

/** The visit's invitations, re-read every INVITATIONS_POLL_MS and on demand. */
export function useInvitations(appointmentId: string): { invitations: VisitInvitationView[]; error: unknown; reload: () => void } {
  const list = useAsync(
    () => api<{ invitations: VisitInvitationView[] }>('GET', `/v1/appointments/${encodeURIComponent(appointmentId)}/invitations`).then((body) => body.invitations),
    `invitations-${appointmentId}`,
  );
  const { reload } = list;
  useEffect(() => {
    const timer = setInterval(reload, INVITATIONS_POLL_MS);
    return () => {
      clearInterval(timer);
    };
    // `reload` is a new function every render; the interval only needs the first.
  }, [appointmentId]);
  return { invitations: list.data ?? [], error: list.error, reload };
}

function InviteForm({ appointmentId, onInvited }: { appointmentId: string; onInvited: (invitation: VisitInvitationView) => void }) {
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [relation, setRelation] = useState<GuestRelation>('interpreter');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const submit = (event: SyntheticEvent): void => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    api<VisitInvitationView>('POST', `/v1/appointments/${encodeURIComponent(appointmentId)}/invitations`, { name, email, relation }).then(
      (invitation) => {
        setBusy(false);
        setName('');
        setEmail('');
        onInvited(invitation);
      },
      (failure: unknown) => {
        setBusy(false);
        setError(failure);
      },
    );
  };
  return (
    <form className="invite-form" onSubmit={submit} data-testid="invite-form">
      <Field label="Their name" value={name} onChange={setName} required autoComplete="off" />
      <Field label="Their email" type="email" value={email} onChange={setEmail} required autoComplete="off" inputMode="email" />
      <Select
        label="Why they join"
        value={relation}
        onChange={(value) => {
          setRelation(value as GuestRelation);
        }}
        options={RELATIONS}
      />
      <p className="hint">They get an email with a link for this visit only. The email does not name the patient.</p>
      <button type="submit" disabled={busy}>
        {busy ? 'Sending…' : 'Send invitation'}
      </button>
      <ErrorMessage error={error} />
    </form>
  );
}

/** "Invite someone" plus the list of invitations with withdraw. */
export function VisitGuests({
  appointmentId,
  room,
  invitations,
  error,
  reload,
}: {
  appointmentId: string;
  room: RoomConnection | null;
  invitations: VisitInvitationView[];
  error: unknown;
  reload: () => void;
}) {
  const [open, setOpen] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const [actionError, setActionError] = useState<unknown>(null);

  // A withdrawn (or expired) invitation's guest leaves the room, whoever withdrew it.
  const inactive = invitations.filter((invitation) => !invitation.active).map((invitation) => invitation.id);
  const inactiveKey = inactive.join(',');
  useEffect(() => {
    if (room === null) return;
    for (const id of inactive) {
      room.removeGuest(id).catch(() => {
        // Not in the room any more, or the socket is reconnecting: the next poll tries again.
      });
    }
    // Keyed by the ids, not the array identity.
  }, [room, inactiveKey]);

  const withdraw = (invitation: VisitInvitationView): void => {
    setActionError(null);
    api<VisitInvitationView>('DELETE', `/v1/appointments/${encodeURIComponent(appointmentId)}/invitations/${encodeURIComponent(invitation.id)}`).then(
      async () => {
        const removed = (await room?.removeGuest(invitation.id).catch(() => false)) ?? false;
        setNotice(removed ? `${invitation.name} was removed from the visit and their link no longer works.` : `${invitation.name}’s link no longer works.`);
        reload();
      },
      (failure: unknown) => {
        setActionError(failure);
      },
    );
  };

  return (
    <Section title="People invited to this visit" className="guests">
      {invitations.length === 0 ? (
        <p>Only you and the patient are in this visit.</p>
      ) : (
        <ul className="list" data-testid="invitations">
          {invitations.map((invitation) => (
            <li key={invitation.id} data-testid="invitation" data-active={invitation.active ? 'true' : 'false'}>
              <span>
                <strong>{invitation.name}</strong> — {relationText(invitation.relation)} · {invitation.email}
                {invitation.revokedAt !== null ? ' · withdrawn' : invitation.active ? '' : ' · expired'}
              </span>
              {invitation.active && (
                <button
                  type="button"
                  className="danger"
                  onClick={() => {
                    withdraw(invitation);
                  }}
                >
                  Withdraw
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
      {notice !== null && (
        <p role="status" data-testid="invitation-notice">
          {notice}
        </p>
      )}
      <ErrorMessage error={error ?? actionError} />
      {open ? (
        <InviteForm
          appointmentId={appointmentId}
          onInvited={(invitation) => {
            setOpen(false);
            setNotice(
              invitation.emailSent === false
                ? `The invitation for ${invitation.name} was saved, but the email could not be sent. Withdraw it and try again.`
                : `${invitation.name} was sent a link. Admit them from the waiting room when they arrive.`,
            );
            reload();
          }}
        />
      ) : (
        <button
          type="button"
          onClick={() => {
            setOpen(true);
            setNotice(null);
          }}
        >
          Invite someone
        </button>
      )}
    </Section>
  );
}
