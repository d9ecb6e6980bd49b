/**
 * What a patient opens from the join link: consent, location check-in, device/network
 * pre-check, waiting room with provider status, then the consult or follow-up room.
 * This chunk and the app entry are the "patient join bundle" the build measures.
 */
import { useState } from 'react';
import { api, sessionUser } from '../api/http.js';
import type { Appointment, ConsentDocument, ConsentStatusEntry } from '../api/types.js';
import { US_STATES } from '../api/types.js';
import { PreCheck } from '../room/PreCheck.js';
import { RoomOpensNotice } from '../room/roomOpens.js';
import { visitName } from '../chart/labels.js';
import { roomOpensAt } from '../room/visitText.js';
import { ErrorMessage, Field, Section, Select, useAction, useAsync } from '../ui/components.js';
import { formatWhen } from './localDay.js';
import { IntakeForm } from './IntakeForm.js';
import { PatientRoom } from './PatientRoom.js';

type Step = 'consent' | 'check_in' | 'precheck' | 'room';

async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, '0')).join('');
}

function ConsentStep({ patientId, onDone }: { patientId: string; onDone: () => void }) {
  const status = useAsync(() => api<ConsentStatusEntry[]>('GET', `/v1/patients/${patientId}/consents`), patientId);
  const document = useAsync(() => api<ConsentDocument>('GET', '/v1/consent-documents/current/telehealth'), 'telehealth');
  const [name, setName] = useState('');
  const sign = useAction(async () => {
    if (document.data === null) return;
    // Hash what was shown, so the signature is bound to exactly this text.
    const documentSha256 = await sha256Hex(document.data.body);
    await api('POST', `/v1/consent-documents/${document.data.id}/signatures`, { signatureName: name, documentSha256 });
    onDone();
  });
  const current = status.data?.find((entry) => entry.kind === 'telehealth')?.current === true;
  if (current) {
    return (
      <Section title="Telehealth consent">
        <p>You have signed the current telehealth consent.</p>
        <button type="button" onClick={onDone}>
          Continue
        </button>
      </Section>
    );
  }
  return (
    <Section title="Telehealth consent">
      <ErrorMessage error={document.error ?? status.error} />
      {document.data !== null && (
        <form
          onSubmit={(event) => {
            event.preventDefault();
            sign.run();
          }}
        >
          <h3>
            {document.data.title} (version {document.data.version})
          </h3>
          <div className="consent-body" tabIndex={0} aria-label="Consent text">
            {document.data.body}
          </div>
          <Field label="Type your full name to sign" value={name} onChange={setName} required autoComplete="name" />
          <ErrorMessage error={sign.error} />
          <button type="submit" disabled={sign.busy || name.trim() === ''}>
            Sign and continue
          </button>
        </form>
      )}
    </Section>
  );
}

function CheckInStep({ appointment, onDone }: { appointment: Appointment; onDone: () => void }) {
  const [state, setState] = useState(appointment.confirmedState ?? appointment.patientState);
  const checkIn = useAction(async () => {
    await api('POST', `/v1/appointments/${appointment.id}/check-in`, { patientState: state });
    onDone();
  });
  return (
    <Section title="Where are you right now?">
      <p>Your provider must be licensed in the state you are in during the visit.</p>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          checkIn.run();
        }}
      >
        <Select label="Your current state" value={state} onChange={setState} options={US_STATES.map((code) => ({ value: code, label: code }))} />
        <ErrorMessage error={checkIn.error} />
        <button type="submit" disabled={checkIn.busy}>
          Confirm location
        </button>
      </form>
    </Section>
  );
}

/** The patient's visit flow for `/visit/:appointmentId`. */
export default function PatientJoin({ appointmentId }: { appointmentId: string }) {
  const user = sessionUser();
  const appointment = useAsync(() => api<Appointment>('GET', `/v1/appointments/${appointmentId}`), appointmentId);
  const [step, setStep] = useState<Step>('consent');
  const [localStream, setLocalStream] = useState<MediaStream | null>(null);
  if (user === null) return null;
  if (appointment.data === null) {
    return appointment.error === null ? <p role="status">Loading your visit…</p> : <ErrorMessage error={appointment.error} />;
  }
  const visit = appointment.data;
  return (
    <div className="join">
      <h1>
        {visitName(visit.kind)} · {formatWhen(visit.startsAt)}
      </h1>
      {step !== 'room' && <RoomOpensNotice appointment={visit} />}
      {visit.kind === 'gfe' && step !== 'room' && <IntakeForm patientId={user.id} />}
      <ol className="steps" aria-label="Steps">
        {(['consent', 'check_in', 'precheck', 'room'] as const).map((name) => (
          <li key={name} aria-current={step === name ? 'step' : undefined}>
            {{ consent: 'Consent', check_in: 'Location', precheck: 'Device check', room: 'Visit' }[name]}
          </li>
        ))}
      </ol>
      {step === 'consent' && (
        <ConsentStep
          patientId={user.id}
          onDone={() => {
            setStep('check_in');
          }}
        />
      )}
      {step === 'check_in' && (
        <CheckInStep
          appointment={visit}
          onDone={() => {
            setStep('precheck');
          }}
        />
      )}
      {step === 'precheck' && (
        <Section title="Device and network check">
          <PreCheck
            opensAt={roomOpensAt(visit)}
            onReady={(stream) => {
              setLocalStream(stream);
              setStep('room');
            }}
          />
        </Section>
      )}
      {step === 'room' && localStream !== null && (
        <PatientRoom
          appointment={visit}
          localStream={localStream}
          onFix={(fix) => {
            setLocalStream(null);
            setStep(fix);
          }}
        />
      )}
    </div>
  );
}
