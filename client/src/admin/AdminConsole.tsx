/** Practice admin: users (roles, disable), providers and their state licenses, KPI funnel. */
import { useState } from 'react';
import { api } from '../api/http.js';
import type { ProviderProfile, UserView } from '../api/types.js';
import { US_STATES } from '../api/types.js';
import { ErrorMessage, Field, Section, Select, useAction, useAsync } from '../ui/components.js';

const ROLE_OPTIONS = ['patient', 'injector', 'medical_director', 'front_desk', 'compliance_officer', 'admin'].map((role) => ({
  value: role,
  label: role.replace('_', ' '),
}));

function Users() {
  const users = useAsync(() => api<{ users: UserView[] }>('GET', '/v1/users?limit=200'), 'users');
  const [form, setForm] = useState({ role: 'injector', email: '', password: '', givenName: '', familyName: '' });
  const create = useAction(async () => {
    await api('POST', '/v1/users', form);
    setForm({ ...form, email: '', password: '', givenName: '', familyName: '' });
    users.reload();
  });
  const toggle = useAction(async (user: UserView) => {
    await api('PATCH', `/v1/users/${user.id}`, { disabled: !user.disabled });
    users.reload();
  });
  const set = (key: keyof typeof form) => (value: string) => {
    setForm({ ...form, [key]: value });
  };
  return (
    <Section title="Users">
      <ErrorMessage error={users.error ?? toggle.error} />
      <div className="table-scroll" tabIndex={0} role="region" aria-label="Users">
        <table data-testid="users-table">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Email</th>
              <th scope="col">Role</th>
              <th scope="col">MFA</th>
              <th scope="col">Status</th>
            </tr>
          </thead>
          <tbody>
            {users.data?.users.map((user) => (
              <tr key={user.id}>
                <td>
                  {user.givenName} {user.familyName}
                </td>
                <td>{user.email}</td>
                <td>{user.role}</td>
                <td>{user.mfaEnrolled ? 'enrolled' : user.role === 'patient' ? '—' : 'not enrolled'}</td>
                <td>
                  <button
                    type="button"
                    className="link"
                    onClick={() => {
                      toggle.run(user);
                    }}
                  >
                    {user.disabled ? 'Enable' : 'Disable'}
                    <span className="sr-only">
                      {' '}
                      {user.givenName} {user.familyName}
                    </span>
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <form
        className="filters"
        onSubmit={(event) => {
          event.preventDefault();
          create.run();
        }}
      >
        <h3>Add a user</h3>
        <Select label="Role" value={form.role} onChange={set('role')} options={ROLE_OPTIONS} />
        <Field label="Given name" value={form.givenName} onChange={set('givenName')} required />
        <Field label="Family name" value={form.familyName} onChange={set('familyName')} required />
        <Field label="Email" type="email" value={form.email} onChange={set('email')} required />
        <Field label="Initial password" type="password" value={form.password} onChange={set('password')} required autoComplete="new-password" />
        <ErrorMessage error={create.error} />
        <button type="submit" disabled={create.busy}>
          Create user
        </button>
      </form>
    </Section>
  );
}

interface License {
  id: string;
  state: string;
  licenseNumber: string;
  validFrom: string;
  expiresOn: string;
  revokedAt: string | null;
}

function Licenses({ provider }: { provider: ProviderProfile }) {
  const licenses = useAsync(() => api<License[] | { licenses: License[] }>('GET', `/v1/providers/${provider.providerId}/licenses`), provider.providerId);
  const [form, setForm] = useState({ state: 'CT', licenseNumber: '', validFrom: '', expiresOn: '' });
  const add = useAction(async () => {
    await api('POST', `/v1/providers/${provider.providerId}/licenses`, form);
    licenses.reload();
  });
  const revoke = useAction(async (license: License) => {
    await api('POST', `/v1/providers/${provider.providerId}/licenses/${license.id}/revoke`);
    licenses.reload();
  });
  const list = licenses.data === null ? [] : Array.isArray(licenses.data) ? licenses.data : licenses.data.licenses;
  const set = (key: keyof typeof form) => (value: string) => {
    setForm({ ...form, [key]: value });
  };
  return (
    <div>
      <ErrorMessage error={licenses.error ?? revoke.error} />
      <ul className="list">
        {list.map((license) => (
          <li key={license.id}>
            <span>
              {license.state} #{license.licenseNumber} · {license.validFrom} → {license.expiresOn}
              {license.revokedAt === null ? '' : ' · revoked'}
            </span>
            {license.revokedAt === null && (
              <button
                type="button"
                className="link"
                onClick={() => {
                  revoke.run(license);
                }}
              >
                Revoke<span className="sr-only"> {license.state} license</span>
              </button>
            )}
          </li>
        ))}
      </ul>
      <form
        className="filters"
        onSubmit={(event) => {
          event.preventDefault();
          add.run();
        }}
      >
        <Select label="State" value={form.state} onChange={set('state')} options={US_STATES.map((code) => ({ value: code, label: code }))} />
        <Field label="License number" value={form.licenseNumber} onChange={set('licenseNumber')} required />
        <Field label="Valid from" type="date" value={form.validFrom} onChange={set('validFrom')} required />
        <Field label="Expires on" type="date" value={form.expiresOn} onChange={set('expiresOn')} required />
        <ErrorMessage error={add.error} />
        <button type="submit" disabled={add.busy}>
          Add license
        </button>
      </form>
    </div>
  );
}

function Providers() {
  const providers = useAsync(() => api<ProviderProfile[]>('GET', '/v1/providers'), 'providers');
  return (
    <Section title="Providers and licenses">
      <ErrorMessage error={providers.error} />
      {providers.data?.map((provider) => (
        <details key={provider.providerId}>
          <summary>
            {provider.givenName} {provider.familyName}, {provider.credential} · {provider.specialties.join(', ')} · {provider.timeZone}
          </summary>
          <Licenses provider={provider} />
        </details>
      ))}
    </Section>
  );
}

interface FunnelWeek {
  isoWeek: string;
  weekStart: string;
  leads: number;
  appointments: number;
  patientsAcquired: number;
}

function KpiFunnel() {
  const kpi = useAsync(
    () => api<{ timeZone: string; weeks: FunnelWeek[]; kpis: { kpi: string; ownerRole: string; definition: string }[] }>('GET', '/v1/kpi/funnel?weeks=12'),
    'kpi',
  );
  return (
    <Section title="KPI funnel (no PHI)">
      <ErrorMessage error={kpi.error} />
      {kpi.data !== null && (
        <ul className="list">
          {kpi.data.kpis.map((item) => (
            <li key={item.kpi}>
              <span>
                <strong>{item.kpi.replace('_', ' ')}</strong>: {item.definition}
              </span>
              <span>owner: {item.ownerRole.replace('_', ' ')}</span>
            </li>
          ))}
        </ul>
      )}
      {kpi.data !== null && (
        <table data-testid="kpi-table">
          <caption>Leads (marketing) → appointments (front desk) → patients acquired (provider), per week</caption>
          <thead>
            <tr>
              <th scope="col">Week of</th>
              <th scope="col">Leads</th>
              <th scope="col">Appointments</th>
              <th scope="col">Patients acquired</th>
            </tr>
          </thead>
          <tbody>
            {kpi.data.weeks.map((week) => (
              <tr key={week.isoWeek}>
                <td>
                  {week.isoWeek} ({week.weekStart})
                </td>
                <td>{week.leads}</td>
                <td>{week.appointments}</td>
                <td>{week.patientsAcquired}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Section>
  );
}

/** The admin console screen. */
export default function AdminConsole() {
  return (
    <div className="stack">
      <h1>Administration</h1>
      <Users />
      <Providers />
      <KpiFunnel />
    </div>
  );
}
