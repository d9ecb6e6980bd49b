/** Compliance officer console: audit search, hash-chain verification and signed exports. */
import { useState } from 'react';
import { api, download } from '../api/http.js';
import { ErrorMessage, Field, Section, Select, formatInstant, useAction } from '../ui/components.js';
import BreakGlassReview from './BreakGlassReview.js';

interface AuditEvent {
  id: string;
  seq: number;
  occurredAt: string;
  actorUserId: string | null;
  actorRole: string | null;
  action: string;
  entityType: string | null;
  entityId: string | null;
  patientId: string | null;
  outcome: string;
  ip: string | null;
}

interface ChainVerification {
  ok: boolean;
  checkedCount: number;
  firstBroken?: { seq: number; eventId: string; reason: string } | null;
}

interface Filters {
  from: string;
  to: string;
  patientId: string;
  actorUserId: string;
  action: string;
  outcome: string;
}

const EMPTY: Filters = { from: '', to: '', patientId: '', actorUserId: '', action: '', outcome: '' };

/** Turns the form into API query parameters (dates from <input type=date> become UTC instants). */
function toQuery(filters: Filters): URLSearchParams {
  const query = new URLSearchParams();
  if (filters.from !== '') query.set('from', new Date(`${filters.from}T00:00:00Z`).toISOString());
  if (filters.to !== '') query.set('to', new Date(`${filters.to}T00:00:00Z`).toISOString());
  for (const key of ['patientId', 'actorUserId', 'action', 'outcome'] as const) {
    if (filters[key].trim() !== '') query.set(key, filters[key].trim());
  }
  return query;
}

function FilterForm({ filters, onChange }: { filters: Filters; onChange: (next: Filters) => void }) {
  const set = (key: keyof Filters) => (value: string) => {
    onChange({ ...filters, [key]: value });
  };
  return (
    <div className="filters">
      <Field label="From (UTC date)" type="date" value={filters.from} onChange={set('from')} />
      <Field label="To (UTC date, exclusive)" type="date" value={filters.to} onChange={set('to')} />
      <Field label="Patient id" value={filters.patientId} onChange={set('patientId')} />
      <Field label="Actor user id" value={filters.actorUserId} onChange={set('actorUserId')} />
      <Field label="Action" value={filters.action} onChange={set('action')} hint="e.g. patient.read, room.join" />
      <Select
        label="Outcome"
        value={filters.outcome}
        onChange={set('outcome')}
        options={[
          { value: '', label: 'Any' },
          { value: 'success', label: 'Success' },
          { value: 'failure', label: 'Failure' },
          { value: 'denied', label: 'Denied' },
        ]}
      />
    </div>
  );
}

function Search({ filters }: { filters: Filters }) {
  const [events, setEvents] = useState<AuditEvent[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [searched, setSearched] = useState(false);
  const search = useAction(async (more: boolean) => {
    const query = toQuery(filters);
    query.set('limit', '100');
    if (more && cursor !== null) query.set('cursor', cursor);
    const page = await api<{ events: AuditEvent[]; nextCursor: string | null }>('GET', `/v1/audit/events?${query.toString()}`);
    setEvents(more ? [...events, ...page.events] : page.events);
    setCursor(page.nextCursor);
    setSearched(true);
  });
  return (
    <Section title="Audit events">
      <button
        type="button"
        onClick={() => {
          search.run(false);
        }}
        disabled={search.busy}
      >
        Search
      </button>
      <ErrorMessage error={search.error} />
      {searched && (
        <div className="table-scroll" tabIndex={0} role="region" aria-label="Audit event results">
          <table data-testid="audit-results">
            <caption className="sr-only">Audit events, newest first</caption>
            <thead>
              <tr>
                <th scope="col">#</th>
                <th scope="col">Time</th>
                <th scope="col">Action</th>
                <th scope="col">Outcome</th>
                <th scope="col">Actor</th>
                <th scope="col">Entity</th>
                <th scope="col">Patient</th>
                <th scope="col">IP</th>
              </tr>
            </thead>
            <tbody>
              {events.map((event) => (
                <tr key={event.id}>
                  <td>{event.seq}</td>
                  <td>{formatInstant(event.occurredAt)}</td>
                  <td>{event.action}</td>
                  <td>{event.outcome}</td>
                  <td>
                    {event.actorRole ?? '—'} {event.actorUserId?.slice(0, 8) ?? ''}
                  </td>
                  <td>
                    {event.entityType ?? ''} {event.entityId?.slice(0, 8) ?? ''}
                  </td>
                  <td>{event.patientId?.slice(0, 8) ?? ''}</td>
                  <td>{event.ip ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {events.length === 0 && <p>No events match.</p>}
        </div>
      )}
      {cursor !== null && (
        <button
          type="button"
          onClick={() => {
            search.run(true);
          }}
          disabled={search.busy}
        >
          Load older events
        </button>
      )}
    </Section>
  );
}

function Verify() {
  const [result, setResult] = useState<ChainVerification | null>(null);
  const verify = useAction(async () => {
    setResult(await api<ChainVerification>('GET', '/v1/audit/verify'));
  });
  return (
    <Section title="Hash-chain verification">
      <p>Recomputes every link of the practice's audit chain and names the first broken one.</p>
      <button type="button" onClick={verify.run} disabled={verify.busy}>
        Verify chain
      </button>
      <ErrorMessage error={verify.error} />
      {result !== null && (
        <p role="status" data-testid="verify-result" className={result.ok ? 'ok' : 'error'}>
          {result.ok
            ? `Intact: ${result.checkedCount} events checked.`
            : `Broken at event #${result.firstBroken?.seq ?? '?'} (${result.firstBroken?.reason ?? 'unknown'}); ${result.checkedCount} events checked.`}
        </p>
      )}
    </Section>
  );
}

function Exports({ filters }: { filters: Filters }) {
  const [format, setFormat] = useState('csv');
  const [manifest, setManifest] = useState<Record<string, unknown> | null>(null);
  const run = useAction(async () => {
    const query = toQuery(filters);
    query.set('format', format);
    const { blob, headers } = await download(`/v1/audit/exports?${query.toString()}`);
    const exportId = headers.get('X-Export-Id');
    const url = URL.createObjectURL(blob);
    const link = document.createElement('a');
    link.href = url;
    link.download = `audit-export-${exportId ?? 'download'}.${format === 'fhir' ? 'json' : format}`;
    link.click();
    URL.revokeObjectURL(url);
    // The signed manifest (row count, digest) is also kept server-side once the stream ends.
    if (exportId !== null) setManifest(await api<Record<string, unknown>>('GET', `/v1/audit/exports/${exportId}/manifest`));
  });
  return (
    <Section title="Exports">
      <p>Uses the filters above. Every export is itself audited and carries a signed manifest.</p>
      <Select
        label="Format"
        value={format}
        onChange={setFormat}
        options={[
          { value: 'csv', label: 'CSV' },
          { value: 'ndjson', label: 'NDJSON' },
          { value: 'fhir', label: 'FHIR R4 AuditEvent Bundle' },
        ]}
      />
      <button type="button" onClick={run.run} disabled={run.busy}>
        Download export
      </button>
      <ErrorMessage error={run.error} />
      {manifest !== null && (
        <dl className="manifest" data-testid="export-manifest">
          {Object.entries(manifest).map(([key, value]) => (
            <div key={key}>
              <dt>{key}</dt>
              <dd>{typeof value === 'string' ? value : JSON.stringify(value)}</dd>
            </div>
          ))}
        </dl>
      )}
    </Section>
  );
}

/** The compliance console screen. */
export default function ComplianceConsole() {
  const [filters, setFilters] = useState<Filters>(EMPTY);
  return (
    <div className="stack">
      <h1>Audit trail</h1>
      <Section title="Filters">
        <FilterForm filters={filters} onChange={setFilters} />
      </Section>
      <Search filters={filters} />
      <Verify />
      <Exports filters={filters} />
      <BreakGlassReview />
    </div>
  );
}
