/** Provider schedule: today's and upcoming visits with who they are with and where to go next. */
import { api, sessionUser } from '../api/http.js';
import type { Appointment } from '../api/types.js';
import { AppLink } from '../chart/Link.js';
import { formatWhen, statusName, visitName } from '../chart/labels.js';
import { ErrorMessage, Section, useAsync } from '../ui/components.js';
import { WaitingAlerts } from './WaitingAlerts.js';

const DAY_MS = 86_400_000;

/** What the provider does next with a visit: in-person treatments are charted, the rest are video rooms. */
function VisitAction({ appointment, clinician }: { appointment: Appointment; clinician: boolean }) {
  if (appointment.kind === 'treatment') {
    return clinician ? <AppLink to={`/treatments/visit/${appointment.id}`}>Record treatment</AppLink> : null;
  }
  return <AppLink to={appointment.joinPath}>Open visit room</AppLink>;
}

/** The provider's schedule screen. */
export default function InjectorHome() {
  const user = sessionUser();
  const clinician = user?.role === 'injector' || user?.role === 'medical_director';
  const now = Date.now();
  const from = new Date(now - DAY_MS / 2).toISOString();
  const to = new Date(now + 14 * DAY_MS).toISOString();
  const schedule = useAsync(
    () => api<{ appointments: Appointment[] }>('GET', `/v1/appointments?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`),
    `schedule-${user?.id ?? ''}`,
  );
  const appointments = schedule.data?.appointments.filter((appointment) => appointment.status !== 'cancelled') ?? [];
  return (
    <div className="stack">
      <h1>Schedule</h1>
      <WaitingAlerts />
      <Section title="Upcoming visits">
        <ErrorMessage error={schedule.error} />
        {appointments.length === 0 && !schedule.loading && <p>No visits in the next two weeks.</p>}
        {appointments.length > 0 && (
          <div className="table-scroll">
            <table className="schedule">
              <caption className="sr-only">Visits, earliest first</caption>
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">Patient</th>
                  <th scope="col">Visit</th>
                  <th scope="col">Status</th>
                  <th scope="col">
                    <span className="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {appointments.map((appointment) => (
                  <tr key={appointment.id} data-testid="schedule-row">
                    <td>{formatWhen(appointment.startsAt)}</td>
                    <td>
                      {clinician ? (
                        <AppLink to={`/patients/${appointment.patientId}`}>{appointment.patientName ?? 'Patient'}</AppLink>
                      ) : (
                        (appointment.patientName ?? 'Patient')
                      )}
                      <br />
                      <small className="muted">located in {appointment.confirmedState ?? appointment.patientState}</small>
                    </td>
                    <td>{visitName(appointment.kind, appointment.serviceCode)}</td>
                    <td>{statusName(appointment.status)}</td>
                    <td>
                      <VisitAction appointment={appointment} clinician={clinician} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Section>
    </div>
  );
}
