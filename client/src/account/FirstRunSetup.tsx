/**
 * First run (issue 8): the one-time link `npm start` prints opens this wizard, which creates
 * the practice and its first admin, then sets up two-step sign-in.
 */
import { useState } from 'react';
import type { MfaEnrolmentRequired } from '../api/http.js';
import { ApiError, api } from '../api/http.js';
import { Field, Select, useAction, useAsync } from '../ui/components.js';
import { TIME_ZONE_CHOICES } from '../ui/labels.js';
import { Enrolment } from './Enrolment.js';
import { NewPasswordFields, passwordsMatch } from './passwordFields.js';
import { Problem } from './problems.js';

/** A web-address name from the practice name: "Harbor Med Spa" -> "harbor-med-spa". */
const slugFrom = (name: string): string =>
  name
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63);

const SLUG_PATTERN = '[a-z0-9][a-z0-9\\-]{1,62}';

function Steps({ current }: { current: 1 | 2 | 3 }) {
  const labels = ['Your practice', 'First admin', 'Two-step sign-in'];
  return (
    <ol className="steps" aria-label="Setup steps">
      {labels.map((label, index) => (
        <li key={label} aria-current={index + 1 === current ? 'step' : undefined}>
          {index + 1}. {label}
        </li>
      ))}
    </ol>
  );
}

/** The setup wizard behind `/setup?token=…`. */
export function FirstRunSetup({ token }: { token: string }) {
  const check = useAsync(() => api<{ status: 'ready' }>('POST', '/v1/auth/setup/check', { token }), token);
  const [step, setStep] = useState<1 | 2>(1);
  const [practice, setPractice] = useState({ name: '', slug: '', brandingName: '', timeZone: 'America/New_York' });
  const [slugEdited, setSlugEdited] = useState(false);
  const [admin, setAdmin] = useState({ givenName: '', familyName: '', email: '' });
  const [password, setPassword] = useState('');
  const [repeat, setRepeat] = useState('');
  const [enrolment, setEnrolment] = useState<MfaEnrolmentRequired | null>(null);
  const create = useAction(async () => {
    setEnrolment(await api<MfaEnrolmentRequired>('POST', '/v1/auth/setup', { token, practice, admin: { ...admin, password } }));
  });

  if (enrolment !== null) {
    return (
      <div className="stack">
        <Steps current={3} />
        <Enrolment enrolmentToken={enrolment.enrolmentToken} practiceName={practice.brandingName} />
      </div>
    );
  }
  if (check.loading) return <p role="status">Checking your setup link…</p>;
  if (check.error !== null) {
    return (
      <section aria-labelledby="setup-title" className="card narrow">
        <h1 id="setup-title">Set up your practice</h1>
        <Problem error={check.error} />
        {check.error instanceof ApiError && (check.error.code === 'token_used' || check.error.code === 'setup_complete') ? (
          <p>Your practice is set up. Sign in with the admin email and password chosen during setup.</p>
        ) : (
          <p>
            For a new setup link, restart the app (<code>npm start</code>): it prints a fresh link while no practice exists.
          </p>
        )}
        <p>
          <a href="/">Go to sign in</a>
        </p>
      </section>
    );
  }
  const origin = window.location.origin;
  return (
    <section aria-labelledby="setup-title" className="card narrow">
      <h1 id="setup-title">Set up your practice</h1>
      <Steps current={step} />
      {step === 1 ? (
        <form
          onSubmit={(event) => {
            event.preventDefault();
            setStep(2);
          }}
        >
          <Field
            label="Practice name"
            value={practice.name}
            onChange={(name) => {
              setPractice({
                ...practice,
                name,
                slug: slugEdited ? practice.slug : slugFrom(name),
                brandingName: practice.brandingName === '' || practice.brandingName === practice.name ? name : practice.brandingName,
              });
            }}
            required
            autoComplete="organization"
            hint="The legal or business name, e.g. Harbor Aesthetics LLC"
          />
          <Field
            label="Name patients see"
            value={practice.brandingName}
            onChange={(brandingName) => {
              setPractice({ ...practice, brandingName });
            }}
            required
            hint="Shown on your public page, in emails and in authenticator apps, e.g. Harbor Med Spa"
          />
          <Field
            label="Short name for sign-in and your web address"
            value={practice.slug}
            onChange={(slug) => {
              setSlugEdited(true);
              setPractice({ ...practice, slug: slug.toLowerCase() });
            }}
            required
            pattern={SLUG_PATTERN}
            hint={`Lowercase letters, numbers and dashes. Staff type it when signing in; patients find you at ${origin}/practices/${practice.slug === '' ? 'your-name' : practice.slug}`}
          />
          <Select
            label="Time zone"
            value={practice.timeZone}
            onChange={(timeZone) => {
              setPractice({ ...practice, timeZone });
            }}
            options={TIME_ZONE_CHOICES.map((choice) => ({ value: choice.id, label: choice.label }))}
          />
          <button type="submit">Next</button>
        </form>
      ) : (
        <form
          onSubmit={(event) => {
            event.preventDefault();
            if (passwordsMatch(password, repeat)) create.run();
          }}
        >
          <p>You will be the first practice admin. You can invite the rest of your team afterwards.</p>
          <Field label="First name" value={admin.givenName} onChange={(givenName) => { setAdmin({ ...admin, givenName }); }} required autoComplete="given-name" />
          <Field label="Last name" value={admin.familyName} onChange={(familyName) => { setAdmin({ ...admin, familyName }); }} required autoComplete="family-name" />
          <Field label="Email" type="email" value={admin.email} onChange={(email) => { setAdmin({ ...admin, email }); }} required autoComplete="email" inputMode="email" />
          <NewPasswordFields password={password} repeat={repeat} onPassword={setPassword} onRepeat={setRepeat} label="Password" />
          <Problem error={create.error} validationHint="Check the fields: the short name may use only lowercase letters, numbers and dashes, and the password needs at least 12 characters." />
          <div className="row wrap">
            <button
              type="button"
              className="secondary"
              onClick={() => {
                setStep(1);
              }}
            >
              Back
            </button>
            <button type="submit" disabled={create.busy}>
              Create practice
            </button>
          </div>
        </form>
      )}
    </section>
  );
}
