/**
 * Practice admin: the team (invitations, roles, disable), providers (profile, licenses,
 * hours, time off), visit types, consent documents and the KPI funnel, one tab each.
 */
import { useState } from 'react';
import { api } from '../api/http.js';
import type { UserView } from '../api/types.js';
import { Problem } from '../account/problems.js';
import { ErrorMessage, Field, Section, Select, useAction, useAsync } from '../ui/components.js';
import { CREDENTIAL_LABELS, roleLabel } from '../ui/labels.js';
import { ConsentDocuments, ProviderSetup, VisitTypes } from './setupScreens.js';
import type { Profile } from './setupScreens.js';

const STAFF_ROLES = ['injector', 'medical_director', 'front_desk', 'compliance_officer', 'admin'] as const;
const PROVIDER_ROLES: readonly string[] = ['injector', 'medical_director'];

type TeamMember = UserView & { invitePending?: boolean };

function status(user: TeamMember): string {
  if (user.disabled) return 'Disabled';
  if (user.invitePending === true) return 'Invited, not accepted yet';
  return user.mfaEnrolled ? 'Active' : 'Active, two-step sign-in not set up';
}

function Team() {
  const users = useAsync(() => api<{ users: TeamMember[] }>('GET', '/v1/users?limit=200'), 'users');
  const [form, setForm] = useState({ role: 'injector', givenName: '', familyName: '', email: '', credential: 'RN' });
  const [notice, setNotice] = useState<string | null>(null);
  const invite = useAction(async () => {
    setNotice(null);
    const provider = PROVIDER_ROLES.includes(form.role);
    const result = await api<{ emailSent: boolean }>('POST', '/v1/invites', {
      role: form.role,
      givenName: form.givenName,
      familyName: form.familyName,
      email: form.email,
      ...(provider ? { credential: form.credential } : {}),
    });
    setNotice(
      result.emailSent
        ? `Invitation sent to ${form.email}. The link in it works once, for 72 hours.`
        : `${form.givenName} was added, but the email could not be sent. Use "Send invitation again" below.`,
    );
    setForm({ ...form, givenName: '', familyName: '', email: '' });
    users.reload();
  });
  const resend = useAction(async (user: TeamMember) => {
    setNotice(null);
    const result = await api<{ emailSent: boolean }>('POST', `/v1/invites/${user.id}/resend`);
    setNotice(result.emailSent ? `A new invitation was sent to ${user.email}. Earlier links no longer work.` : 'The email could not be sent. Try again later.');
    users.reload();
  });
  const toggle = useAction(async (user: TeamMember) => {
    await api('PATCH', `/v1/users/${user.id}`, { disabled: !user.disabled });
    users.reload();
  });
  const set = (key: keyof typeof form) => (value: string) => {
    setForm({ ...form, [key]: value });
  };
  const team = (users.data?.users ?? []).filter((user) => user.role !== 'patient');
  return (
    <Section title="Team">
      <Problem error={users.error ?? toggle.error ?? resend.error} />
      <div className="table-scroll" tabIndex={0} role="region" aria-label="Team members">
        <table data-testid="users-table">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Role</th>
              <th scope="col">Status</th>
              <th scope="col">Actions</th>
              <th scope="col">Email</th>
            </tr>
          </thead>
          <tbody>
            {team.map((user) => (
              <tr key={user.id}>
                <td>
                  {user.givenName} {user.familyName}
                </td>
                <td>{roleLabel(user.role)}</td>
                <td>{status(user)}</td>
                <td>
                  {user.invitePending === true && !user.disabled && (
                    <button type="button" className="link" onClick={() => { resend.run(user); }}>
                      Send invitation again<span className="sr-only"> to {user.givenName} {user.familyName}</span>
                    </button>
                  )}
                  <button type="button" className="link" onClick={() => { toggle.run(user); }}>
                    {user.disabled ? 'Enable' : 'Disable'}
                    <span className="sr-only">
                      {' '}
                      {user.givenName} {user.familyName}
                    </span>
                  </button>
                </td>
                <td>{user.email}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <form
        className="form-grid"
        aria-label="Invite a team member"
        onSubmit={(event) => {
          event.preventDefault();
          invite.run();
        }}
      >
        <h3>Invite a team member</h3>
        <p className="muted">They get an email with a link to choose their own password and set up two-step sign-in.</p>
        <Select label="Role" value={form.role} onChange={set('role')} options={STAFF_ROLES.map((role) => ({ value: role, label: roleLabel(role) }))} />
        {PROVIDER_ROLES.includes(form.role) && (
          <Select label="Credential" value={form.credential} onChange={set('credential')} options={Object.entries(CREDENTIAL_LABELS).map(([value, label]) => ({ value, label }))} />
        )}
        <Field label="First name" value={form.givenName} onChange={set('givenName')} required />
        <Field label="Last name" value={form.familyName} onChange={set('familyName')} required />
        <Field label="Email" type="email" value={form.email} onChange={set('email')} required inputMode="email" />
        <Problem error={invite.error} validationHint="Check the name and email address." />
        {notice !== null && (
          <p role="status" className="ok">
            {notice}
          </p>
        )}
        <button type="submit" disabled={invite.busy}>
          Send invitation
        </button>
      </form>
    </Section>
  );
}

function Providers() {
  const providers = useAsync(() => api<Profile[]>('GET', '/v1/providers'), 'providers');
  return (
    <Section title="Providers">
      <p className="muted">Injectors and medical directors get a profile when they are invited. Add their licenses and working hours here.</p>
      <ErrorMessage error={providers.error} />
      {providers.data?.length === 0 && <p className="muted">No providers yet: invite an injector or medical director on the Team tab.</p>}
      {providers.data?.map((provider) => (
        <details key={provider.providerId} className="provider">
          <summary>
            {provider.givenName} {provider.familyName}, {provider.credential}
            {provider.specialties.length > 0 ? ` · ${provider.specialties.join(', ')}` : ''}
            <span className="muted"> (open to edit profile, licenses and hours)</span>
          </summary>
          <ProviderSetup provider={provider} canEditLicenses onSaved={providers.reload} Heading="h3" />
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

const TABS = [
  { id: 'team', label: 'Team' },
  { id: 'providers', label: 'Providers' },
  { id: 'types', label: 'Visit types' },
  { id: 'consent', label: 'Consent documents' },
  { id: 'reports', label: 'Reports' },
] as const;
type Tab = (typeof TABS)[number]['id'];

/** The admin console screen. */
export default function AdminConsole() {
  const [tab, setTab] = useState<Tab>('team');
  return (
    <div className="stack">
      <h1>Administration</h1>
      <div className="tabs" role="group" aria-label="Administration sections">
        {TABS.map((item) => (
          <button
            key={item.id}
            type="button"
            className={item.id === tab ? 'tab current' : 'tab'}
            aria-pressed={item.id === tab}
            onClick={() => {
              setTab(item.id);
            }}
          >
            {item.label}
          </button>
        ))}
      </div>
      {tab === 'team' && <Team />}
      {tab === 'providers' && <Providers />}
      {tab === 'types' && <VisitTypes />}
      {tab === 'consent' && <ConsentDocuments />}
      {tab === 'reports' && <KpiFunnel />}
    </div>
  );
}
