/**
 * Provider-side visit lifecycle pieces: "End visit" with an outcome (recorded by the API,
 * then the SFU closes the room for everyone), admission refusals in plain words, and saving
 * a chat message to the chart as an encrypted addendum of the visit note.
 */
import { useState } from 'react';
import type { VisitEndOutcome } from '@medspa/shared-types';
import { ApiError, api } from '../api/http.js';
import type { Appointment } from '../api/types.js';
import { navigate } from '../app/router.js';
import type { ChatMessage } from '../room/chatChannel.js';
import type { RoomConnection } from '../room/RoomConnection.js';
import { RoomRequestError } from '../room/RoomConnection.js';
import { OUTCOME_TEXT, clockTime, providerRefusalText } from '../room/visitText.js';
import { Section } from '../ui/components.js';

const OUTCOMES: VisitEndOutcome[] = ['completed', 'ended_early', 'no_show'];

/** "End visit": pick the outcome, the API records it, then everyone leaves the room. */
export function EndVisitControl({ appointment, room }: { appointment: Appointment; room: RoomConnection | null }) {
  const [choosing, setChoosing] = useState(false);
  const [outcome, setOutcome] = useState<VisitEndOutcome>('completed');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  if (!choosing) {
    return (
      <button
        type="button"
        className="danger"
        onClick={() => {
          setChoosing(true);
        }}
      >
        End visit
      </button>
    );
  }
  const confirm = async (): Promise<void> => {
    setBusy(true);
    setError(null);
    try {
      await api('POST', `/v1/appointments/${encodeURIComponent(appointment.id)}/end`, { outcome });
    } catch (failure) {
      setBusy(false);
      setError(
        failure instanceof ApiError && failure.code === 'visit_not_started'
          ? 'This visit’s room has not opened yet, so it cannot be ended.'
          : failure instanceof ApiError && failure.code === 'appointment_not_active'
            ? 'This visit was already closed.'
            : 'The outcome could not be saved. Please try again.',
      );
      return;
    }
    // Recorded: now close the room for everyone (the patient is told the visit ended).
    try {
      await room?.endVisit(outcome);
    } catch {
      // Not connected to the room: the closed appointment keeps everyone out anyway.
      await room?.close();
    }
  };
  return (
    <form
      className="end-visit card"
      onSubmit={(event) => {
        event.preventDefault();
        void confirm();
      }}
    >
      <fieldset>
        <legend>How did the visit end?</legend>
        {OUTCOMES.map((value) => (
          <label key={value} className="radio">
            <input
              type="radio"
              name="visit-outcome"
              value={value}
              checked={outcome === value}
              onChange={() => {
                setOutcome(value);
              }}
            />{' '}
            {OUTCOME_TEXT[value]}
          </label>
        ))}
      </fieldset>
      {error !== null && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      <div className="row">
        <button type="submit" className="danger" disabled={busy}>
          Confirm and end visit
        </button>
        <button
          type="button"
          disabled={busy}
          onClick={() => {
            setChoosing(false);
          }}
        >
          Keep the visit going
        </button>
      </div>
    </form>
  );
}

/** What the provider sees once the visit ended. */
export function ProviderVisitEnded({ outcome }: { outcome: VisitEndOutcome | null }) {
  return (
    <Section title="Visit ended">
      <p role="status" data-testid="provider-visit-ended">
        {outcome === null ? 'You left the visit room.' : `Outcome recorded: ${OUTCOME_TEXT[outcome]}. The patient has been told the visit ended.`}
      </p>
      <p>Your camera and microphone are now off.</p>
      <a
        href="/"
        onClick={(event) => {
          event.preventDefault();
          navigate('/');
        }}
      >
        Back to the schedule
      </a>
    </Section>
  );
}

/** Plain words for a failed admit, with what to do next. */
export function admitErrorText(error: unknown, appointment: Appointment, now: Date): string {
  if (error instanceof RoomRequestError) {
    if (error.message === 'admission_refused' && error.reason !== null) {
      return providerRefusalText(error.reason as Parameters<typeof providerRefusalText>[0], appointment, now);
    }
    if (error.message === 'admission_unavailable') return 'Admission could not be checked right now. Please try again in a moment.';
    if (error.message === 'peer_not_found') return 'The patient left the waiting room.';
  }
  return 'The patient could not be admitted. Please try again.';
}

/**
 * Saves one chat message to the chart: an addendum of the visit's signed note, encrypted at
 * rest by the notes API like the note itself.
 */
export async function saveChatToChart(appointment: Appointment, message: ChatMessage): Promise<void> {
  const { notes } = await api<{ notes: { id: string; appointmentId: string }[] }>('GET', `/v1/patients/${encodeURIComponent(appointment.patientId)}/notes`);
  const note = notes.find((candidate) => candidate.appointmentId === appointment.id);
  if (note === undefined) throw new Error('Write and sign the visit note first; chat messages are added to it.');
  const who = message.self ? 'Provider' : 'Patient';
  try {
    await api('POST', `/v1/notes/${encodeURIComponent(note.id)}/addenda`, { text: `In-call chat, ${who}, ${clockTime(new Date(message.at))}: ${message.text}` });
  } catch (failure) {
    if (failure instanceof ApiError && failure.status === 409) throw new Error('Sign the visit note first; chat messages are added to the signed note.', { cause: failure });
    throw new Error('Could not save to the chart. Please try again.', { cause: failure });
  }
}
