/**
 * Compliance officer console: audit search in plain words (names, not ids), hash-chain and
 * Merkle checkpoint verification, and signed exports whose signature the browser checks itself.
 */
import { AUDIT_ACTIONS } from '@medspa/shared-types';
import { useState } from 'react';
import { api, download } from '../api/http.js';
import { ErrorMessage, Field, Section, Select, formatInstant, useAction } from '../ui/components.js';
import BreakGlassReview from './BreakGlassReview.js';
import { actionLabel, roleLabel } from './auditLabels.js';
import { fetchJwks, verifyCompactJws } from './jwsVerify.js';

interface AuditEvent {
  id: string;
  seq: number;
  occurredAt: string;
  actorUserId: string | null;
  actorRole: string | null;
  action: string;
  patientId: string | null;
  outcome: string;
  ip: string | null;
}

interface Person {
  name: string;
  role: string;
}

interface ChainVerification {
  ok: boolean;
  checkedCount: number;
  firstBroken?: { seq: number; eventId: string | null; reason: string } | null;
  tree?: { size: number; rootHash: string };
}

interface TreeHead {
  practice: string;
  tree_size: number;
  root_hash: string;
  time: string;
}

interface Filters {
  from: string;
  to: string;
  patient: { id: string; name: string } | null;
  action: string;
  outcome: string;
}

const EMPTY: Filters = { from: '', to: '', patient: null, action: '', outcome: '' };

const OUTCOME_WORDS: Record<string, string> = { success: 'Allowed', failure: 'Failed', denied: 'Refused' };

const BREAK_WORDS: Record<string, string> = {
  hash_mismatch: 'an event was changed after it was written',
  prev_hash_mismatch: 'events were removed or reordered',
  seq_gap: 'events are missing',
  head_mismatch: 'the newest events were removed',
  tree_head_mismatch: 'the stored checkpoint data was changed',
};

/** Turns the form into API query parameters (dates from <input type=date> become UTC instants). */
function toQuery(filters: Filters): URLSearchParams {
  const query = new URLSearchParams();
  if (filters.from !== '') query.set('from', new Date(`${filters.from}T00:00:00Z`).toISOString());
  if (filters.to !== '') query.set('to', new Date(`${filters.to}T00:00:00Z`).toISOString());
  if (filters.patient !== null) query.set('patientId', filters.patient.id);
  if (filters.action !== '') query.set('action', filters.action);
  if (filters.outcome !== '') query.set('outcome', filters.outcome);
  return query;
}

/** A short, readable fingerprint of a 64-hex-digit hash (for comparing by eye, not a code). */
function fingerprint(hex: string): string {
  return (hex.slice(0, 16).match(/.{4}/g) ?? []).join(' ');
}

function PatientPicker({ value, onChange }: { value: Filters['patient']; onChange: (next: Filters['patient']) => void }) {
  const [text, setText] = useState('');
  const [matches, setMatches] = useState<{ id: string; name: string }[] | null>(null);
  const find = useAction(async () => {
    const found = await api<{ patients: { id: string; name: string }[] }>(
      'GET',
      `/v1/audit/patients?${new URLSearchParams({ q: text }).toString()}`,
    );
    setMatches(found.patients);
  });
  if (value !== null) {
    return (
      <div className="field">
        <span>Patient</span>
        <p data-testid="patient-filter">
          {value.name}{' '}
          <button
            type="button"
            onClick={() => {
              onChange(null);
              setMatches(null);
            }}
          >
            Any patient
          </button>
        </p>
      </div>
    );
  }
  return (
    <div className="field">
      <form
        className="inline"
        onSubmit={(event) => {
          event.preventDefault();
          find.run();
        }}
      >
        <Field label="Patient name" value={text} onChange={setText} hint="At least 2 letters of a first or last name" />
        <button type="submit" disabled={find.busy || text.trim().length < 2}>
          Find patient
        </button>
      </form>
      <ErrorMessage error={find.error} />
      {matches !== null && matches.length === 0 && <p role="status">No patient with that name.</p>}
      {matches !== null && matches.length > 0 && (
        <ul className="list" aria-label="Matching patients">
          {matches.map((match) => (
            <li key={match.id}>
              <button
                type="button"
                onClick={() => {
                  onChange(match);
                }}
              >
                {match.name}
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

function FilterForm({ filters, onChange }: { filters: Filters; onChange: (next: Filters) => void }) {
  const set = (key: 'from' | 'to' | 'action' | 'outcome') => (value: string) => {
    onChange({ ...filters, [key]: value });
  };
  return (
    <div className="filters">
      <Field label="From (date)" type="date" value={filters.from} onChange={set('from')} />
      <Field label="Until (date, not included)" type="date" value={filters.to} onChange={set('to')} />
      <PatientPicker
        value={filters.patient}
        onChange={(patient) => {
          onChange({ ...filters, patient });
        }}
      />
      <Select
        label="What happened"
        value={filters.action}
        onChange={set('action')}
        options={[
          { value: '', label: 'Anything' },
          ...[...AUDIT_ACTIONS]
            .map((action) => ({ value: action, label: actionLabel(action) }))
            .sort((a, b) => a.label.localeCompare(b.label)),
        ]}
      />
      <Select
        label="Outcome"
        value={filters.outcome}
        onChange={set('outcome')}
        options={[
          { value: '', label: 'Any' },
          { value: 'success', label: 'Allowed' },
          { value: 'failure', label: 'Failed' },
          { value: 'denied', label: 'Refused' },
        ]}
      />
    </div>
  );
}

function Search({ filters }: { filters: Filters }) {
  const [events, setEvents] = useState<AuditEvent[]>([]);
  const [people, setPeople] = useState<Record<string, Person>>({});
  const [cursor, setCursor] = useState<string | null>(null);
  const [searched, setSearched] = useState(false);
  const search = useAction(async (more: boolean) => {
    const query = toQuery(filters);
    query.set('limit', '100');
    if (more && cursor !== null) query.set('cursor', cursor);
    const page = await api<{ events: AuditEvent[]; people: Record<string, Person>; nextCursor: string | null }>(
      'GET',
      `/v1/audit/events?${query.toString()}`,
    );
    setEvents(more ? [...events, ...page.events] : page.events);
    setPeople(more ? { ...people, ...page.people } : page.people);
    setCursor(page.nextCursor);
    setSearched(true);
  });
  const who = (event: AuditEvent): string => {
    const person = event.actorUserId === null ? undefined : people[event.actorUserId];
    if (person !== undefined) return `${person.name} (${roleLabel(person.role)})`;
    return event.actorRole === null ? 'The system' : `Someone (${roleLabel(event.actorRole)})`;
  };
  const patient = (event: AuditEvent): string => {
    if (event.patientId === null) return '';
    return people[event.patientId]?.name ?? 'A patient no longer on file';
  };
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
                <th scope="col">When</th>
                <th scope="col">Who</th>
                <th scope="col">What</th>
                <th scope="col">Patient</th>
                <th scope="col">Outcome</th>
                <th scope="col">From address</th>
              </tr>
            </thead>
            <tbody>
              {events.map((event) => (
                <tr key={event.id}>
                  <td>{formatInstant(event.occurredAt)}</td>
                  <td>{who(event)}</td>
                  <td>{actionLabel(event.action)}</td>
                  <td>{patient(event)}</td>
                  <td>{OUTCOME_WORDS[event.outcome] ?? 'Other'}</td>
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

function Integrity() {
  const [result, setResult] = useState<ChainVerification | null>(null);
  const [checkpoint, setCheckpoint] = useState<{ head: TreeHead; holds: boolean; reason: string | null } | null>(null);
  const verify = useAction(async () => {
    setResult(await api<ChainVerification>('GET', '/v1/audit/verify'));
  });
  const takeCheckpoint = useAction(async () => {
    const signed = await api<{ checkpoint: string; treeHead: TreeHead }>('GET', '/v1/audit/checkpoint');
    const check = await verifyCompactJws(signed.checkpoint, await fetchJwks());
    setCheckpoint({ head: signed.treeHead, holds: check.valid && check.typ === 'audit-tree-head+json', reason: check.reason });
  });
  return (
    <Section title="Is the audit trail intact?">
      <p>Recomputes every link of the practice's audit chain and names the first broken one.</p>
      <button type="button" onClick={verify.run} disabled={verify.busy}>
        Check the chain
      </button>
      <ErrorMessage error={verify.error} />
      {result !== null && (
        <p role="status" data-testid="verify-result" className={result.ok ? 'ok' : 'error'}>
          {result.ok
            ? `Intact: all ${result.checkedCount.toLocaleString()} events check out.`
            : `Broken at event number ${result.firstBroken?.seq ?? '?'}: ${BREAK_WORDS[result.firstBroken?.reason ?? ''] ?? 'the chain does not check out'}. ${result.checkedCount.toLocaleString()} events before it check out.`}
        </p>
      )}
      <p>
        A signed checkpoint records how many events the trail holds and a fingerprint of all of them. Keep it: later it proves
        that nothing before it was removed or rewritten (a copy is also kept outside the database).
      </p>
      <button type="button" onClick={takeCheckpoint.run} disabled={takeCheckpoint.busy}>
        Take a signed checkpoint
      </button>
      <ErrorMessage error={takeCheckpoint.error} />
      {checkpoint !== null && (
        <div role="status" data-testid="checkpoint" className={checkpoint.holds ? 'ok' : 'error'}>
          <p>
            {checkpoint.head.tree_size.toLocaleString()} events as of {formatInstant(checkpoint.head.time)}, fingerprint{' '}
            <span className="mono">{fingerprint(checkpoint.head.root_hash)}</span>.
          </p>
          <p>
            {checkpoint.holds
              ? "Its signature holds: your browser checked it against the practice's published key."
              : `Its signature does not hold. ${checkpoint.reason ?? ''}`}
          </p>
        </div>
      )}
    </Section>
  );
}

interface ManifestView {
  exportId: string;
  completed: boolean;
  jws: string;
  manifest: { rowCount: number; byteCount: number; generatedAt: string; format: string; treeHead?: string };
}

interface ManifestCheck {
  holds: boolean;
  reason: string | null;
  treeHead: TreeHead | null;
  treeHeadHolds: boolean;
}

function Exports({ filters }: { filters: Filters }) {
  const [format, setFormat] = useState('csv');
  const [stored, setStored] = useState<ManifestView | null>(null);
  const [check, setCheck] = useState<ManifestCheck | null>(null);
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
    setCheck(null);
    // The signed manifest (row count, digest, tree head) is kept server-side once the stream ends.
    if (exportId !== null) setStored(await api<ManifestView>('GET', `/v1/audit/exports/${exportId}/manifest`));
  });
  const verify = useAction(async () => {
    if (stored === null) return;
    const keys = await fetchJwks();
    const manifest = await verifyCompactJws(stored.jws, keys);
    const head = stored.manifest.treeHead === undefined ? null : await verifyCompactJws(stored.manifest.treeHead, keys);
    setCheck({
      holds: manifest.valid && manifest.typ === 'audit-export-manifest+json',
      reason: manifest.reason,
      treeHead: head?.valid === true ? (head.payload as TreeHead) : null,
      treeHeadHolds: head?.valid === true && head.typ === 'audit-tree-head+json',
    });
  });
  return (
    <Section title="Exports">
      <p>Uses the filters above. Every export is itself audited and comes with a signed receipt.</p>
      <Select
        label="Format"
        value={format}
        onChange={setFormat}
        options={[
          { value: 'csv', label: 'Spreadsheet (CSV)' },
          { value: 'ndjson', label: 'One event per line (NDJSON)' },
          { value: 'fhir', label: 'FHIR R4 AuditEvent Bundle' },
        ]}
      />
      <button type="button" onClick={run.run} disabled={run.busy}>
        Download export
      </button>
      <ErrorMessage error={run.error} />
      {stored !== null && (
        <div data-testid="export-manifest">
          <p>
            {stored.completed ? 'Complete export' : 'Export cut short'}: {stored.manifest.rowCount.toLocaleString()} events,{' '}
            {(stored.manifest.byteCount / 1024).toLocaleString(undefined, { maximumFractionDigits: 1 })} KB, made{' '}
            {formatInstant(stored.manifest.generatedAt)}.
          </p>
          <button type="button" onClick={verify.run} disabled={verify.busy}>
            Verify
          </button>
          <ErrorMessage error={verify.error} />
          {check !== null && (
            <div role="status" data-testid="manifest-check" className={check.holds ? 'ok' : 'error'}>
              <p>
                {check.holds
                  ? "The receipt's signature holds: your browser checked it against the practice's published key, so the counts and fingerprint of the file are the ones the practice signed."
                  : `The receipt's signature does not hold. ${check.reason ?? ''}`}
              </p>
              {check.treeHead !== null && check.treeHeadHolds && (
                <p>
                  It was cut at a signed checkpoint of {check.treeHead.tree_size.toLocaleString()} events (
                  {formatInstant(check.treeHead.time)}), fingerprint <span className="mono">{fingerprint(check.treeHead.root_hash)}</span>.
                </p>
              )}
            </div>
          )}
        </div>
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
      <Integrity />
      <Exports filters={filters} />
      <BreakGlassReview />
    </div>
  );
}
