/** The patient's own record views: visit summaries and who viewed my record (from the audit log). */
import { ApiError, api, sessionUser } from '../api/http.js';
import { ErrorMessage, Section, formatInstant, useAsync } from '../ui/components.js';

export interface VisitSummary {
  appointmentId: string;
  startsAt: string;
  kind: string;
  summary: string;
  signedAt: string | null;
}

export interface RecordAccess {
  occurredAt: string;
  action: string;
  actorRole: string | null;
  actorName?: string | null;
}

/** Renders "not available" for an endpoint that is not deployed, any other error as an alert. */
function LoadError({ error }: { error: unknown }) {
  if (error instanceof ApiError && error.code === 'route_not_found') return <p>Not available on this server yet.</p>;
  return <ErrorMessage error={error} />;
}

/** Provider-written summaries of the patient's past visits. */
export function VisitSummaries() {
  const patientId = sessionUser()?.id ?? '';
  const summaries = useAsync(() => api<{ summaries: VisitSummary[] }>('GET', `/v1/patients/${patientId}/visit-summaries`), `summaries-${patientId}`);
  return (
    <Section title="Visit summaries">
      <LoadError error={summaries.error} />
      {summaries.data?.summaries.length === 0 && <p>No signed visit summaries yet.</p>}
      <ul className="list">
        {summaries.data?.summaries.map((item) => (
          <li key={item.appointmentId} className="summary">
            <strong>
              {item.kind.replace('_', ' ')} · {formatInstant(item.startsAt)}
            </strong>
            <p>{item.summary}</p>
          </li>
        ))}
      </ul>
    </Section>
  );
}

/** Who accessed the patient's record, from the audit trail (HIPAA accounting of access). */
export function AccessHistory() {
  const patientId = sessionUser()?.id ?? '';
  const accesses = useAsync(() => api<{ events: RecordAccess[] }>('GET', `/v1/patients/${patientId}/access-log`), `access-${patientId}`);
  return (
    <Section title="Who viewed my record">
      <LoadError error={accesses.error} />
      {accesses.data !== null && (
        <table>
          <caption className="sr-only">Accesses to your record, newest first</caption>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Who</th>
              <th scope="col">What</th>
            </tr>
          </thead>
          <tbody>
            {accesses.data.events.map((event, index) => (
              <tr key={index}>
                <td>{formatInstant(event.occurredAt)}</td>
                <td>{event.actorName ?? event.actorRole ?? 'system'}</td>
                <td>{event.action}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Section>
  );
}
