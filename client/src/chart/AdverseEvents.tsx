/** `/adverse-events`: reports filed by providers; the medical director closes them with a resolution. */
import { useState } from 'react';
import { api, sessionUser } from '../api/http.js';
import { Section, TextArea, useAction, useAsync } from '../ui/components.js';
import { ChartError } from './ChartError.js';
import type { AdverseEventView } from './chartTypes.js';
import { formatWhen } from './labels.js';
import { AppLink } from './Link.js';
import { severityName } from './PatientChart.js';

function EventCard({ event, director, onClosed }: { event: AdverseEventView; director: boolean; onClosed: () => void }) {
  const [resolution, setResolution] = useState('');
  const close = useAction(async () => {
    await api('POST', `/v1/adverse-events/${event.id}/close`, { resolution });
    onClosed();
  });
  return (
    <li className={`timeline-item${event.severity === 'severe' || event.severity === 'life_threatening' ? ' urgent' : ''}`} data-testid="adverse-event">
      <p>
        <strong>{event.patientName}</strong> · {severityName(event.severity)} · happened {formatWhen(event.occurredAt)} · reported by{' '}
        {event.reportedByName}
      </p>
      <dl className="answers">
        <div>
          <dt>What happened</dt>
          <dd>{event.what}</dd>
        </div>
        <div>
          <dt>Follow-up</dt>
          <dd>{event.followUp === '' ? 'None given' : event.followUp}</dd>
        </div>
        {event.status === 'closed' && (
          <div>
            <dt>Closed by {event.closedByName}</dt>
            <dd>{event.resolution}</dd>
          </div>
        )}
      </dl>
      <p>
        <span className={`pill ${event.status === 'open' ? 'warn' : 'good'}`}>{event.status === 'open' ? 'Open' : `Closed ${formatWhen(event.closedAt ?? event.reportedAt)}`}</span>{' '}
        <AppLink to={`/patients/${event.patientId}`}>Patient chart</AppLink>
      </p>
      {director && event.status === 'open' && (
        <form
          onSubmit={(submit) => {
            submit.preventDefault();
            close.run();
          }}
        >
          <TextArea label="Resolution" value={resolution} onChange={setResolution} rows={2} />
          <ChartError error={close.error} />
          <button type="submit" disabled={close.busy || resolution.trim() === ''}>
            Close report
          </button>
        </form>
      )}
    </li>
  );
}

/** The adverse events screen. */
export default function AdverseEvents() {
  const director = sessionUser()?.role === 'medical_director';
  const events = useAsync(() => api<{ events: AdverseEventView[] }>('GET', '/v1/adverse-events'), 'adverse-events');
  const list = events.data?.events ?? [];
  const open = list.filter((event) => event.status === 'open');
  const closed = list.filter((event) => event.status === 'closed');
  return (
    <div className="stack">
      <h1>Adverse events</h1>
      <p className="hint">{director ? 'Reports from every provider of the practice.' : 'Reports you filed. File a new one from the patient’s chart.'}</p>
      <ChartError error={events.error} />
      <Section title={`Open (${String(open.length)})`}>
        {open.length === 0 && !events.loading && <p>No open reports.</p>}
        <ul className="list">
          {open.map((event) => (
            <EventCard key={event.id} event={event} director={director} onClosed={events.reload} />
          ))}
        </ul>
      </Section>
      <Section title="Closed">
        {closed.length === 0 && <p>None.</p>}
        <ul className="list">
          {closed.map((event) => (
            <EventCard key={event.id} event={event} director={director} onClosed={events.reload} />
          ))}
        </ul>
      </Section>
    </div>
  );
}
