/** Provider schedule: today's and upcoming visits with a link into each visit room. */
import { api, sessionUser } from '../api/http.js';
import type { Appointment } from '../api/types.js';
import { navigate } from '../app/router.js';
import { ErrorMessage, Section, formatInstant, useAsync } from '../ui/components.js';
import { WaitingAlerts } from './WaitingAlerts.js';

const DAY_MS = 86_400_000;

/** The provider's schedule screen. */
export default function InjectorHome() {
  const user = sessionUser();
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
        <table>
          <caption className="sr-only">Visits, earliest first</caption>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Type</th>
              <th scope="col">Patient location</th>
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {appointments.map((appointment) => (
              <tr key={appointment.id}>
                <td>{formatInstant(appointment.startsAt)}</td>
                <td>{appointment.kind.replace('_', ' ')}</td>
                <td>{appointment.confirmedState ?? appointment.patientState}</td>
                <td>
                  <a
                    href={appointment.joinPath}
                    onClick={(event) => {
                      event.preventDefault();
                      navigate(appointment.joinPath);
                    }}
                  >
                    Open visit room
                  </a>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </Section>
    </div>
  );
}
