/** The patient's own record views: visit summaries and who viewed my record (from the audit log). */
import { useState } from 'react';
import { api } from '../api/http.js';
import { patientPhrase, personName, roleLabel } from '../compliance/auditLabels.js';
import { Section, useAsync } from '../ui/components.js';
import { PlainError } from './PlainError.js';
import type { AppointmentKind } from '../api/types.js';
import { visitTypeName } from './BookingFlow.js';
import { formatWhen } from './localDay.js';

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

/** GET /v1/me/record-access groups: one person, one day. */
export interface RecordAccessGroup {
  day: string;
  lastAt: string;
  actions: string[];
  count: number;
  actor: { role: string | null; displayName: string | null; credential: string | null };
}

/** Provider-written summaries of the patient's past visits. */
export function VisitSummaries() {
  const visits = useAsync(() => api<{ visits: VisitSummary[] }>('GET', '/v1/me/visits'), 'visits');
  const past = visits.data?.visits.filter((visit) => visit.summary !== null || visit.gfeOutcomes.length > 0) ?? [];
  return (
    <Section title="Visit summaries">
      <PlainError error={visits.error} />
      {visits.data !== null && past.length === 0 && <p>No signed visit summaries yet.</p>}
      <ul className="list" data-testid="visit-summaries">
        {past.map((visit) => (
          <li key={visit.appointmentId} className="summary">
            <div>
              <strong>
                {visitTypeName({ name: '', kind: visit.kind as AppointmentKind })} · {formatWhen(visit.startsAt)} · {visit.provider.name}
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

const PAGE_SIZE = 20;

/** "Tuesday, December 2" for a YYYY-MM-DD day (already counted in the viewer's zone by the API). */
function dayHeading(day: string): string {
  const [year = 1970, month = 1, date = 1] = day.split('-').map(Number);
  return new Intl.DateTimeFormat(undefined, { weekday: 'long', month: 'long', day: 'numeric', year: 'numeric', timeZone: 'UTC' }).format(
    new Date(Date.UTC(year, month - 1, date)),
  );
}

function sentence(group: RecordAccessGroup): string {
  const who =
    group.actor.displayName === null
      ? group.actor.role === null
        ? 'An automatic process'
        : `Someone (${roleLabel(group.actor.role)})`
      : personName(group.actor.displayName, group.actor.credential);
  return `${who} ${patientPhrase(group.actions)}`;
}

/** Who accessed the patient's record, by person and day, in plain words (HIPAA accounting of access). */
export function AccessHistory() {
  const [cursor, setCursor] = useState<string | null>(null);
  const [history, setHistory] = useState<(string | null)[]>([]);
  const timeZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const query = new URLSearchParams({ limit: String(PAGE_SIZE), timeZone });
  if (cursor !== null) query.set('cursor', cursor);
  const page = useAsync(
    () => api<{ groups: RecordAccessGroup[]; nextCursor: string | null }>('GET', `/v1/me/record-access?${query.toString()}`),
    `record-access-${cursor ?? 'first'}`,
  );
  const groups = page.data?.groups ?? [];
  const days = [...new Set(groups.map((group) => group.day))];
  const time = new Intl.DateTimeFormat(undefined, { hour: 'numeric', minute: '2-digit', timeZoneName: 'short' });
  return (
    <Section title="Who viewed my record">
      <PlainError error={page.error} />
      {page.data !== null && groups.length === 0 && cursor === null && <p>Nobody else has viewed your record yet.</p>}
      <div data-testid="record-access">
        {days.map((day) => (
          <section key={day} className="access-day" aria-label={dayHeading(day)}>
            <h3>{dayHeading(day)}</h3>
            <ul className="list">
              {groups
                .filter((group) => group.day === day)
                .map((group, index) => (
                  <li key={`${day}-${String(index)}`}>
                    {sentence(group)}
                    <span className="hint"> (last at {time.format(new Date(group.lastAt))})</span>
                  </li>
                ))}
            </ul>
          </section>
        ))}
      </div>
      <div className="pager">
        {history.length > 0 && (
          <button
            type="button"
            onClick={() => {
              setCursor(history[history.length - 1] ?? null);
              setHistory(history.slice(0, -1));
            }}
          >
            Newer
          </button>
        )}
        {(page.data?.nextCursor ?? null) !== null && (
          <button
            type="button"
            onClick={() => {
              setHistory([...history, cursor]);
              setCursor(page.data?.nextCursor ?? null);
            }}
          >
            Older
          </button>
        )}
      </div>
    </Section>
  );
}
