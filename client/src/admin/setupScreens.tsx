/**
 * Practice setup screens (issue 8): provider profile, state licenses, weekly hours and time
 * off, visit types and consent documents. Everything in plain words: no codes, ids or zone
 * ids on screen; dates through Intl in the viewer's locale.
 */
import { useState } from 'react';
import { api } from '../api/http.js';
import type { AppointmentType, ConsentDocument, ProviderProfile } from '../api/types.js';
import { US_STATES } from '../api/types.js';
import { Problem } from '../account/problems.js';
import { nextDay, zonedMidnight } from '../ui/zonedDate.js';
import { Field, Section, Select, TextArea, useAction, useAsync } from '../ui/components.js';
import {
  CONSENT_KIND_LABELS,
  CREDENTIAL_LABELS,
  STATE_NAMES,
  TIME_ZONE_CHOICES,
  WEEKDAY_NAMES,
  formatCalendarDate,
  kindLabel,
  timeZoneLabel,
} from '../ui/labels.js';
import { SERVICE_CHOICES } from '../chart/labels.js';

/** A provider profile as the API returns it (bio added with issue 8). */
export type Profile = ProviderProfile & { bio?: string };

function zoneOptions(current: string) {
  const options: { value: string; label: string }[] = TIME_ZONE_CHOICES.map((choice) => ({ value: choice.id, label: choice.label }));
  if (!options.some((option) => option.value === current)) options.push({ value: current, label: timeZoneLabel(current) });
  return options;
}

/** The heading element of a setup part: one level below whatever heading the page puts above it. */
type HeadingTag = 'h2' | 'h3';

/** Credential, specialties, short bio and home time zone of one provider. */
export function ProfileEditor({ profile, onSaved, Heading }: { profile: Profile; onSaved: () => void; Heading: HeadingTag }) {
  const [form, setForm] = useState({
    credential: profile.credential,
    specialties: profile.specialties.join(', '),
    bio: profile.bio ?? '',
    timeZone: profile.timeZone,
  });
  const [saved, setSaved] = useState(false);
  const save = useAction(async () => {
    setSaved(false);
    await api('PUT', `/v1/providers/${profile.providerId}/profile`, {
      credential: form.credential,
      specialties: form.specialties.split(',').map((item) => item.trim()).filter((item) => item !== ''),
      bio: form.bio,
      timeZone: form.timeZone,
    });
    setSaved(true);
    onSaved();
  });
  return (
    <form
      className="form-grid"
      aria-label={`Profile of ${profile.givenName} ${profile.familyName}`}
      onSubmit={(event) => {
        event.preventDefault();
        save.run();
      }}
    >
      <Heading>Profile</Heading>
      <Select label="Credential" value={form.credential} onChange={(credential) => { setForm({ ...form, credential }); }} options={Object.entries(CREDENTIAL_LABELS).map(([value, label]) => ({ value, label }))} />
      <Field label="Specialties" value={form.specialties} onChange={(specialties) => { setForm({ ...form, specialties }); }} hint="Separate with commas, e.g. Neuromodulators, Dermal fillers. Shown on your public page." />
      <TextArea label="Short bio" value={form.bio} onChange={(bio) => { setForm({ ...form, bio }); }} rows={3} />
      <Select label="Home time zone" value={form.timeZone} onChange={(timeZone) => { setForm({ ...form, timeZone }); }} options={zoneOptions(form.timeZone)} />
      <Problem error={save.error} validationHint="Keep the bio under 1,000 characters and each specialty short." />
      {saved && <p role="status" className="ok">Profile saved.</p>}
      <button type="submit" disabled={save.busy}>
        Save profile
      </button>
    </form>
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

const stateName = (code: string): string => STATE_NAMES[code] ?? code;

/** State licenses with expiry; admins and medical directors add and revoke them. */
export function Licenses({ provider, canEdit, Heading }: { provider: Profile; canEdit: boolean; Heading: HeadingTag }) {
  const licenses = useAsync(() => api<License[]>('GET', `/v1/providers/${provider.providerId}/licenses`), provider.providerId);
  const [form, setForm] = useState({ state: 'CT', licenseNumber: '', validFrom: '', expiresOn: '' });
  const add = useAction(async () => {
    await api('POST', `/v1/providers/${provider.providerId}/licenses`, form);
    setForm({ ...form, licenseNumber: '', validFrom: '', expiresOn: '' });
    licenses.reload();
  });
  const revoke = useAction(async (license: License) => {
    await api('POST', `/v1/providers/${provider.providerId}/licenses/${license.id}/revoke`);
    licenses.reload();
  });
  const today = new Date().toISOString().slice(0, 10);
  const set = (key: keyof typeof form) => (value: string) => {
    setForm({ ...form, [key]: value });
  };
  const list = licenses.data ?? [];
  return (
    <div>
      <Heading>State licenses</Heading>
      <Problem error={licenses.error ?? revoke.error} />
      {list.length === 0 && !licenses.loading && <p className="muted">No licenses yet. Patients can book only in states where the provider holds a current license.</p>}
      <ul className="list" aria-label={`Licenses of ${provider.givenName} ${provider.familyName}`}>
        {list.map((license) => {
          const status = license.revokedAt !== null ? 'Revoked' : license.expiresOn < today ? 'Expired' : 'Current';
          return (
            <li key={license.id}>
              <span>
                <strong>{stateName(license.state)}</strong> · license {license.licenseNumber} · valid {formatCalendarDate(license.validFrom)} to{' '}
                {formatCalendarDate(license.expiresOn)} · <span className={status === 'Current' ? 'ok' : 'error'}>{status}</span>
              </span>
              {canEdit && license.revokedAt === null && (
                <button type="button" className="link" onClick={() => { revoke.run(license); }}>
                  Revoke<span className="sr-only"> {stateName(license.state)} license</span>
                </button>
              )}
            </li>
          );
        })}
      </ul>
      {canEdit && (
        <form
          className="form-grid"
          aria-label="Add a license"
          onSubmit={(event) => {
            event.preventDefault();
            add.run();
          }}
        >
          <Select label="State" value={form.state} onChange={set('state')} options={US_STATES.map((code) => ({ value: code, label: stateName(code) }))} />
          <Field label="License number" value={form.licenseNumber} onChange={set('licenseNumber')} required />
          <Field label="Valid from" type="date" value={form.validFrom} onChange={set('validFrom')} required />
          <Field label="Expires on" type="date" value={form.expiresOn} onChange={set('expiresOn')} required />
          <Problem error={add.error} validationHint="Check the dates: the expiry must be after the start." />
          <button type="submit" disabled={add.busy}>
            Add license
          </button>
        </form>
      )}
    </div>
  );
}

interface Rule {
  isoWeekday: number;
  startTime: string;
  endTime: string;
}

interface DayHours {
  works: boolean;
  start: string;
  end: string;
}

/** Weekly hours, one span per day, in the provider's own time zone. */
export function WeeklyHours({ provider, Heading }: { provider: Profile; Heading: HeadingTag }) {
  const rules = useAsync(() => api<Rule[]>('GET', `/v1/providers/${provider.providerId}/availability`), `${provider.providerId}:${provider.timeZone}`);
  const [days, setDays] = useState<DayHours[] | null>(null);
  const [saved, setSaved] = useState(false);
  const current: DayHours[] =
    days ??
    WEEKDAY_NAMES.map((_, index) => {
      const rule = rules.data?.find((candidate) => candidate.isoWeekday === index + 1);
      return rule === undefined ? { works: false, start: '09:00', end: '17:00' } : { works: true, start: rule.startTime, end: rule.endTime };
    });
  const update = (index: number, change: Partial<DayHours>) => {
    setSaved(false);
    setDays(current.map((day, dayIndex) => (dayIndex === index ? { ...day, ...change } : day)));
  };
  const save = useAction(async () => {
    setSaved(false);
    await api('PUT', `/v1/providers/${provider.providerId}/availability`, {
      timeZone: provider.timeZone,
      rules: current.flatMap((day, index) => (day.works ? [{ isoWeekday: index + 1, startTime: day.start, endTime: day.end }] : [])),
    });
    setSaved(true);
    rules.reload();
  });
  return (
    <form
      aria-label="Weekly hours"
      onSubmit={(event) => {
        event.preventDefault();
        save.run();
      }}
    >
      <Heading>Weekly hours</Heading>
      <p className="muted">Times are in {timeZoneLabel(provider.timeZone)}. Patients see them in their own time zone.</p>
      <Problem error={rules.error} />
      <div className="table-scroll">
      <table className="hours">
        <thead>
          <tr>
            <th scope="col">Day</th>
            <th scope="col">Works</th>
            <th scope="col">From</th>
            <th scope="col">Until</th>
          </tr>
        </thead>
        <tbody>
          {current.map((day, index) => {
            const name = WEEKDAY_NAMES[index] ?? '';
            return (
              <tr key={name}>
                <th scope="row">{name}</th>
                <td>
                  <input type="checkbox" aria-label={`Works on ${name}`} checked={day.works} onChange={(event) => { update(index, { works: event.target.checked }); }} />
                </td>
                <td>
                  <input type="time" aria-label={`${name} from`} value={day.start} disabled={!day.works} onChange={(event) => { update(index, { start: event.target.value }); }} />
                </td>
                <td>
                  <input type="time" aria-label={`${name} until`} value={day.end} disabled={!day.works} onChange={(event) => { update(index, { end: event.target.value }); }} />
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      </div>
      <Problem error={save.error} validationHint="Each day's end time must be after its start time." />
      {saved && <p role="status" className="ok">Hours saved.</p>}
      <button type="submit" disabled={save.busy}>
        Save hours
      </button>
    </form>
  );
}

interface TimeOffPeriod {
  id: string;
  startsAt: string;
  endsAt: string;
}

/** Whole days off (vacation, training): no visit can be booked in them. */
export function TimeOff({ provider, Heading }: { provider: Profile; Heading: HeadingTag }) {
  const from = new Date(Date.now() - 86_400_000).toISOString();
  const to = new Date(Date.now() + 2 * 365 * 86_400_000).toISOString();
  const periods = useAsync(
    () => api<TimeOffPeriod[]>('GET', `/v1/providers/${provider.providerId}/time-off?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`),
    provider.providerId,
  );
  const [form, setForm] = useState({ first: '', last: '' });
  const add = useAction(async () => {
    await api('POST', `/v1/providers/${provider.providerId}/time-off`, {
      startsAt: zonedMidnight(form.first, provider.timeZone).toISOString(),
      endsAt: zonedMidnight(nextDay(form.last === '' ? form.first : form.last), provider.timeZone).toISOString(),
    });
    setForm({ first: '', last: '' });
    periods.reload();
  });
  const remove = useAction(async (period: TimeOffPeriod) => {
    await api('DELETE', `/v1/providers/${provider.providerId}/time-off/${period.id}`);
    periods.reload();
  });
  const day = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeZone: provider.timeZone });
  return (
    <div>
      <Heading>Time off</Heading>
      <Problem error={periods.error ?? remove.error} />
      <ul className="list" aria-label="Time off">
        {(periods.data ?? []).map((period) => {
          const lastDay = new Date(Date.parse(period.endsAt) - 1);
          return (
            <li key={period.id}>
              <span>
                {day.format(new Date(period.startsAt))}
                {day.format(lastDay) === day.format(new Date(period.startsAt)) ? '' : ` to ${day.format(lastDay)}`}
              </span>
              <button type="button" className="link" onClick={() => { remove.run(period); }}>
                Remove<span className="sr-only"> time off from {day.format(new Date(period.startsAt))}</span>
              </button>
            </li>
          );
        })}
      </ul>
      {periods.data?.length === 0 && <p className="muted">No time off planned.</p>}
      <form
        className="form-grid"
        aria-label="Add time off"
        onSubmit={(event) => {
          event.preventDefault();
          add.run();
        }}
      >
        <Field label="First day off" type="date" value={form.first} onChange={(first) => { setForm({ ...form, first }); }} required />
        <Field label="Last day off" type="date" value={form.last} onChange={(last) => { setForm({ ...form, last }); }} hint="Leave empty for a single day" />
        <Problem error={add.error} validationHint="The last day cannot be before the first day." />
        <button type="submit" disabled={add.busy}>
          Add time off
        </button>
      </form>
    </div>
  );
}

/**
 * Everything about one provider, for the admin's provider list (inside the "Providers"
 * section, so its parts are h3) and the provider's own page (right under the page's h1).
 */
export function ProviderSetup({ provider, canEditLicenses, onSaved, Heading }: { provider: Profile; canEditLicenses: boolean; onSaved: () => void; Heading: HeadingTag }) {
  return (
    <div className="setup-grid">
      <ProfileEditor profile={provider} onSaved={onSaved} Heading={Heading} />
      <Licenses provider={provider} canEdit={canEditLicenses} Heading={Heading} />
      <WeeklyHours provider={provider} Heading={Heading} />
      <TimeOff provider={provider} Heading={Heading} />
    </div>
  );
}

/** Visit types patients can book, with duration and buffer in minutes. */
export function VisitTypes() {
  const types = useAsync(() => api<(AppointmentType & { bufferAfterMinutes?: number; active?: boolean })[]>('GET', '/v1/appointment-types?includeInactive=true'), 'types');
  const [form, setForm] = useState({ name: '', kind: 'virtual_consult', service: '', duration: '30', buffer: '0' });
  // A treatment is always of one service; a Good Faith Exam may be for one or for any.
  const withService = form.kind === 'treatment' || form.kind === 'gfe';
  const add = useAction(async () => {
    await api('POST', '/v1/appointment-types', {
      name: form.name,
      kind: form.kind,
      ...(withService && form.service !== '' ? { serviceCode: form.service } : {}),
      durationMinutes: Number(form.duration),
      bufferAfterMinutes: Number(form.buffer),
    });
    setForm({ ...form, name: '' });
    types.reload();
  });
  const toggle = useAction(async (type: AppointmentType & { active?: boolean }) => {
    await api('PATCH', `/v1/appointment-types/${type.id}`, { active: type.active === false });
    types.reload();
  });
  return (
    <Section title="Visit types">
      <p className="muted">What patients can book. The buffer is free time kept after each visit.</p>
      <Problem error={types.error ?? toggle.error} />
      <ul className="list" aria-label="Visit types">
        {(types.data ?? []).map((type) => (
          <li key={type.id}>
            <span>
              <strong>{type.name}</strong> · {kindLabel(type.kind)} · {type.durationMinutes} minutes
              {(type.bufferAfterMinutes ?? 0) > 0 ? ` + ${String(type.bufferAfterMinutes)} minutes buffer` : ''}
              {type.active === false ? ' · retired' : ''}
            </span>
            <button type="button" className="link" onClick={() => { toggle.run(type); }}>
              {type.active === false ? 'Offer again' : 'Retire'}
              <span className="sr-only"> {type.name}</span>
            </button>
          </li>
        ))}
      </ul>
      {types.data?.length === 0 && <p className="muted">No visit types yet.</p>}
      <form
        className="form-grid"
        aria-label="Add a visit type"
        onSubmit={(event) => {
          event.preventDefault();
          add.run();
        }}
      >
        <h3>Add a visit type</h3>
        <Field label="Name patients see" value={form.name} onChange={(name) => { setForm({ ...form, name }); }} required hint="e.g. Botox consultation" />
        <Select
          label="Kind of visit"
          value={form.kind}
          onChange={(kind) => { setForm({ ...form, kind, service: kind === 'treatment' && form.service === '' ? (SERVICE_CHOICES[0]?.code ?? '') : form.service }); }}
          options={['virtual_consult', 'gfe', 'follow_up', 'treatment'].map((kind) => ({ value: kind, label: kindLabel(kind) }))}
        />
        {withService && (
          <Select
            label="Service"
            value={form.service}
            onChange={(service) => { setForm({ ...form, service }); }}
            options={[
              ...(form.kind === 'gfe' ? [{ value: '', label: 'Any service' }] : []),
              ...SERVICE_CHOICES.map((choice) => ({ value: choice.code, label: choice.name })),
            ]}
          />
        )}
        <Field label="Length in minutes" type="number" value={form.duration} onChange={(duration) => { setForm({ ...form, duration }); }} required inputMode="numeric" />
        <Field label="Buffer after, in minutes" type="number" value={form.buffer} onChange={(buffer) => { setForm({ ...form, buffer }); }} inputMode="numeric" />
        <Problem error={add.error} validationHint="Visits last 5 to 480 minutes; buffers up to 120 minutes." />
        <button type="submit" disabled={add.busy}>
          Add visit type
        </button>
      </form>
    </Section>
  );
}

type ConsentDoc = ConsentDocument & { publishedAt?: string | null; createdAt?: string };

/** Consent documents: write a new version, preview it as patients will see it, publish. */
export function ConsentDocuments() {
  const documents = useAsync(() => api<ConsentDoc[]>('GET', '/v1/consent-documents'), 'consent');
  const [form, setForm] = useState({ kind: 'telehealth', title: '', body: '' });
  const [preview, setPreview] = useState<ConsentDoc | null>(null);
  const draft = useAction(async () => {
    const created = await api<ConsentDoc>('POST', '/v1/consent-documents', form);
    setPreview(created);
    // The draft is saved: the form is free for the next document.
    setForm({ ...form, title: '', body: '' });
    documents.reload();
  });
  const publish = useAction(async (document: ConsentDoc) => {
    await api('POST', `/v1/consent-documents/${document.id}/publish`);
    setPreview(null);
    documents.reload();
  });
  const when = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });
  const all = documents.data ?? [];
  return (
    <Section title="Consent documents">
      <p className="muted">Patients sign the current version before their first visit. Telehealth and treatment consent are separate documents.</p>
      <Problem error={documents.error} />
      {(['telehealth', 'treatment'] as const).map((kind) => {
        const versions = all.filter((document) => document.kind === kind).sort((a, b) => b.version - a.version);
        const current = versions.find((document) => document.publishedAt !== null && document.publishedAt !== undefined);
        return (
          <div key={kind}>
            <h3>{CONSENT_KIND_LABELS[kind]}</h3>
            {current === undefined ? (
              <p className="muted">Nothing published yet.</p>
            ) : (
              <p>
                In use: <strong>{current.title}</strong>, version {current.version}
                {current.publishedAt ? `, published ${when.format(new Date(current.publishedAt))}` : ''}
              </p>
            )}
            <ul className="list" aria-label={`${CONSENT_KIND_LABELS[kind] ?? kind} drafts`}>
              {versions
                .filter((document) => !document.publishedAt)
                .map((document) => (
                  <li key={document.id}>
                    <span>
                      Draft: {document.title}, version {document.version}
                    </span>
                    <button type="button" className="link" onClick={() => { setPreview(document); }}>
                      Preview<span className="sr-only"> {document.title}</span>
                    </button>
                  </li>
                ))}
            </ul>
          </div>
        );
      })}
      {preview !== null && (
        <div className="card preview" aria-label="Preview">
          <h3>Preview: what patients will read</h3>
          <p>
            <strong>{preview.title}</strong> ({CONSENT_KIND_LABELS[preview.kind]}, version {preview.version})
          </p>
          <div className="consent-body" tabIndex={0} role="document" aria-label={preview.title}>
            {preview.body}
          </div>
          <Problem error={publish.error} />
          <div className="row wrap">
            <button type="button" onClick={() => { publish.run(preview); }} disabled={publish.busy}>
              Publish version {preview.version}
            </button>
            <button type="button" className="secondary" onClick={() => { setPreview(null); }}>
              Close preview
            </button>
          </div>
        </div>
      )}
      <form
        className="form-grid"
        aria-label="Write a new version"
        onSubmit={(event) => {
          event.preventDefault();
          draft.run();
        }}
      >
        <h3>Write a new version</h3>
        <Select label="Document" value={form.kind} onChange={(kind) => { setForm({ ...form, kind }); }} options={Object.entries(CONSENT_KIND_LABELS).map(([value, label]) => ({ value, label }))} />
        <Field label="Title" value={form.title} onChange={(title) => { setForm({ ...form, title }); }} required />
        <TextArea label="Text" value={form.body} onChange={(body) => { setForm({ ...form, body }); }} rows={8} />
        <Problem error={draft.error} validationHint="A title and the document text are both needed." />
        <button type="submit" disabled={draft.busy}>
          Save draft and preview
        </button>
      </form>
    </Section>
  );
}
