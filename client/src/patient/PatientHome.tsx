/**
 * Patient area: upcoming visits (join, change time, cancel), booking, visit summaries and
 * who viewed my record. Addresses: / (home), /book, /visits/<id>/reschedule, /visits/<id>/cancel.
 */
import { useState } from 'react';
import { api } from '../api/http.js';
import type { Appointment, AppointmentType, ProviderProfile } from '../api/types.js';
import { matchPath, navigate, usePath } from '../app/router.js';
import { Section, useAction, useAsync } from '../ui/components.js';
import { BookingFlow, providerName, visitTypeName } from './BookingFlow.js';
import { formatWhen } from './localDay.js';
import { PlainError } from './PlainError.js';
import { AccessHistory, VisitSummaries } from './PatientRecords.js';

const DAY_MS = 86_400_000;
/** How far ahead "Your visits" lists (the API lists at most 62 days at a time). */
const UPCOMING_DAYS = 60;

function useVisitContext() {
  const types = useAsync(() => api<AppointmentType[]>('GET', '/v1/appointment-types?includeInactive=true'), 'types-all');
  const providers = useAsync(() => api<ProviderProfile[]>('GET', '/v1/providers'), 'providers');
  return {
    typeOf: (id: string) => types.data?.find((type) => type.id === id),
    providerOf: (id: string) => providers.data?.find((provider) => provider.providerId === id),
  };
}

function go(path: string) {
  return (event: { preventDefault: () => void }): void => {
    event.preventDefault();
    navigate(path);
  };
}

function Upcoming() {
  const now = Date.now();
  const list = useAsync(
    () =>
      api<{ appointments: Appointment[] }>(
        'GET',
        `/v1/appointments?from=${encodeURIComponent(new Date(now - DAY_MS).toISOString())}&to=${encodeURIComponent(new Date(now + UPCOMING_DAYS * DAY_MS).toISOString())}`,
      ),
    'upcoming',
  );
  const { typeOf, providerOf } = useVisitContext();
  const appointments =
    list.data?.appointments.filter((appointment) => ['booked', 'checked_in', 'in_progress'].includes(appointment.status) && Date.parse(appointment.endsAt) > now) ?? [];
  return (
    <Section title="Your visits">
      <PlainError error={list.error} />
      {appointments.length === 0 && !list.loading && <p>You have no upcoming visits.</p>}
      <ul className="visits">
        {appointments.map((appointment) => (
          <li key={appointment.id} className="visit" data-testid="upcoming-visit">
            <div>
              <strong>{formatWhen(appointment.startsAt)}</strong>
              <div>
                {visitTypeName(typeOf(appointment.appointmentTypeId))} with {providerName(providerOf(appointment.providerId))}
              </div>
            </div>
            <div className="row wrap">
              <a className="button-link" href={appointment.joinPath} onClick={go(appointment.joinPath)}>
                Join visit
              </a>
              {appointment.status === 'booked' && (
                <a href={`/visits/${appointment.id}/reschedule`} onClick={go(`/visits/${appointment.id}/reschedule`)}>
                  Change time
                </a>
              )}
              <a href={`/visits/${appointment.id}/cancel`} onClick={go(`/visits/${appointment.id}/cancel`)}>
                Cancel
              </a>
            </div>
          </li>
        ))}
      </ul>
      <p>
        <a className="button-link" href="/book" onClick={go('/book')}>
          Book a visit
        </a>
      </p>
    </Section>
  );
}

function useAppointment(appointmentId: string) {
  return useAsync(() => api<Appointment>('GET', `/v1/appointments/${appointmentId}`), `appointment:${appointmentId}`);
}

function Reschedule({ appointmentId }: { appointmentId: string }) {
  const appointment = useAppointment(appointmentId);
  if (appointment.error !== null) return <PlainError error={appointment.error} />;
  if (appointment.data === null) return <p role="status">Loading…</p>;
  return <BookingFlow reschedule={appointment.data} />;
}

function CancelVisit({ appointmentId }: { appointmentId: string }) {
  const appointment = useAppointment(appointmentId);
  const { typeOf, providerOf } = useVisitContext();
  const [cancelled, setCancelled] = useState(false);
  const cancel = useAction(async () => {
    await api('POST', `/v1/appointments/${appointmentId}/cancel`);
    setCancelled(true);
  });
  if (appointment.error !== null) return <PlainError error={appointment.error} />;
  if (appointment.data === null) return <p role="status">Loading…</p>;
  const visit = appointment.data;
  if (cancelled) {
    return (
      <section className="card narrow-left" role="status" data-testid="cancelled">
        <h1>Your visit is cancelled</h1>
        <p>We emailed you a confirmation. Your calendar invite is cancelled too.</p>
        <a className="button-link" href="/" onClick={go('/')}>
          Back to my visits
        </a>
      </section>
    );
  }
  return (
    <section aria-labelledby="cancel-title" className="card narrow-left">
      <h1 id="cancel-title">Cancel this visit?</h1>
      <p>
        <strong>{formatWhen(visit.startsAt)}</strong>
        <br />
        {visitTypeName(typeOf(visit.appointmentTypeId))} with {providerName(providerOf(visit.providerId))}
      </p>
      <PlainError error={cancel.error} />
      <div className="row wrap center">
        <button type="button" className="danger" disabled={cancel.busy} onClick={cancel.run}>
          Yes, cancel my visit
        </button>
        <a className="button-secondary" href="/" onClick={go('/')}>
          No, keep it
        </a>
      </div>
    </section>
  );
}

/** The patient's screens. */
export default function PatientHome() {
  const path = usePath();
  const reschedule = matchPath('/visits/:appointmentId/reschedule', path);
  if (reschedule !== null) return <Reschedule appointmentId={reschedule.appointmentId ?? ''} />;
  const cancel = matchPath('/visits/:appointmentId/cancel', path);
  if (cancel !== null) return <CancelVisit appointmentId={cancel.appointmentId ?? ''} />;
  if (path === '/book') return <BookingFlow />;
  return (
    <div className="stack">
      <h1>My visits</h1>
      <Upcoming />
      <VisitSummaries />
      <AccessHistory />
    </div>
  );
}
