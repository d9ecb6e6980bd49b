/** The patient's own record views: visit summaries and who viewed my record (from the audit log). */
import { api } from '../api/http.js';
import { visitName } from '../chart/labels.js';
import { ErrorMessage, Section, formatInstant, useAsync } from '../ui/components.js';

/** GET /v1/me/visits entries. */
export interface VisitSummary {
  appointmentId: string;
  kind: string;
  serviceCode: string | null;
  startsAt: string;
  status: string;
  provider: { name: string; credential: string | null };
  summary: string | null;
  signedAt: string | null;
  gfeOutcomes: { serviceCode: string; outcome: string; expiresAt: string | null }[];
  followUps: { appointmentId: string; startsAt: string; status: string }[];
}

/** GET /v1/me/record-access entries. */
export interface RecordAccess {
  at: string;
  action: string;
  outcome: string;
  actor: { role: string | null; displayName: string | null };
}

/** Provider-written summaries of the patient's past visits. */
export function VisitSummaries() {
  const visits = useAsync(() => api<{ visits: VisitSummary[] }>('GET', '/v1/me/visits'), 'visits');
  const past = visits.data?.visits.filter((visit) => visit.summary !== null || visit.gfeOutcomes.length > 0) ?? [];
  return (
    <Section title="Visit summaries">
      <ErrorMessage error={visits.error} />
      {visits.data !== null && past.length === 0 && <p>No signed visit summaries yet.</p>}
      <ul className="list" data-testid="visit-summaries">
        {past.map((visit) => (
          <li key={visit.appointmentId} className="summary">
            <div>
              <strong>
                {visitName(visit.kind)} · {formatInstant(visit.startsAt)} · {visit.provider.name}
                {visit.provider.credential === null ? '' : `, ${visit.provider.credential}`}
              </strong>
              {visit.summary !== null && <p>{visit.summary}</p>}
              {visit.gfeOutcomes.length > 0 && (
                <ul>
                  {visit.gfeOutcomes.map((outcome) => (
                    <li key={outcome.serviceCode}>
                      {outcome.serviceCode}: {outcome.outcome.replace('_', ' ')}
                      {outcome.expiresAt === null ? '' : ` until ${new Date(outcome.expiresAt).toLocaleDateString()}`}
                    </li>
                  ))}
                </ul>
              )}
            </div>
          </li>
        ))}
      </ul>
    </Section>
  );
}

/** Who accessed the patient's record, from the audit trail (HIPAA accounting of access). */
export function AccessHistory() {
  const accesses = useAsync(() => api<{ accesses: RecordAccess[] }>('GET', '/v1/me/record-access?limit=100'), 'record-access');
  return (
    <Section title="Who viewed my record">
      <ErrorMessage error={accesses.error} />
      {accesses.data !== null && (
        <table data-testid="record-access">
          <caption className="sr-only">Accesses to your record, newest first</caption>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Who</th>
              <th scope="col">What</th>
            </tr>
          </thead>
          <tbody>
            {accesses.data.accesses.map((access, index) => (
              <tr key={index}>
                <td>{formatInstant(access.at)}</td>
                <td>
                  {access.actor.displayName ?? ''} {access.actor.role === null ? 'system' : `(${access.actor.role.replace('_', ' ')})`}
                </td>
                <td>
                  {access.action}
                  {access.outcome === 'success' ? '' : ` (${access.outcome})`}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Section>
  );
}
