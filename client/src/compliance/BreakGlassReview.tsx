/** Compliance review of break-glass access: who opened which patient's record, why and when. */
import { useState } from 'react';
import { api } from '../api/http.js';
import { ErrorMessage, Section, Select, useAsync } from '../ui/components.js';

interface Grant {
  id: string;
  patientId: string;
  patientName: string;
  grantedAt: string;
  expiresAt: string;
  user: { id: string; name: string; role: string };
  reason: string;
  active: boolean;
}

const ROLE_NAMES: Record<string, string> = {
  patient: 'Patient',
  injector: 'Injector',
  medical_director: 'Medical director',
  front_desk: 'Front desk',
  admin: 'Practice admin',
  compliance_officer: 'Compliance officer',
};

/** "Tue, Dec 2, 10:30 PM EST" in the viewer's locale and zone. */
const dateTime = new Intl.DateTimeFormat(undefined, {
  weekday: 'short',
  month: 'short',
  day: 'numeric',
  hour: 'numeric',
  minute: '2-digit',
  timeZoneName: 'short',
});

const PERIODS = [
  { days: 7, label: 'Last 7 days' },
  { days: 30, label: 'Last 30 days' },
  { days: 90, label: 'Last 90 days' },
];

/** The break-glass grants of the chosen period, newest first. */
export default function BreakGlassReview() {
  const [days, setDays] = useState(30);
  const grants = useAsync(async () => {
    const since = new Date(Date.now() - days * 86_400_000).toISOString();
    return (await api<{ grants: Grant[] }>('GET', `/v1/break-glass?since=${encodeURIComponent(since)}&limit=200`)).grants;
  }, String(days));
  return (
    <Section title="Emergency access (break-glass)">
      <p>Each entry is someone outside a patient's care team who opened that patient's clinical record, with the reason they gave.</p>
      <Select
        label="Period"
        value={String(days)}
        onChange={(value) => {
          setDays(Number(value));
        }}
        options={PERIODS.map((period) => ({ value: String(period.days), label: period.label }))}
      />
      <ErrorMessage error={grants.error} />
      {grants.loading && <p role="status">Loading…</p>}
      {grants.data !== null && grants.data.length === 0 && <p>No emergency access in this period.</p>}
      {grants.data !== null && grants.data.length > 0 && (
        <div className="table-scroll" tabIndex={0} role="region" aria-label="Emergency access grants">
          <table data-testid="break-glass-grants">
            <caption className="sr-only">Emergency access grants, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Who</th>
                <th scope="col">Patient</th>
                <th scope="col">Reason</th>
                <th scope="col">Opened</th>
                <th scope="col">Access until</th>
              </tr>
            </thead>
            <tbody>
              {grants.data.map((grant) => (
                <tr key={grant.id}>
                  <td>
                    {grant.user.name}
                    <br />
                    <small>{ROLE_NAMES[grant.user.role] ?? 'Staff'}</small>
                  </td>
                  <td>{grant.patientName}</td>
                  <td>{grant.reason}</td>
                  <td>{dateTime.format(new Date(grant.grantedAt))}</td>
                  <td>
                    {dateTime.format(new Date(grant.expiresAt))}
                    {grant.active && (
                      <>
                        <br />
                        <small>still open</small>
                      </>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Section>
  );
}
