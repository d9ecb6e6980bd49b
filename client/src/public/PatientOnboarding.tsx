/**
 * A new patient's way in, without signing in and without ever typing a practice's short
 * name: the practice's public page (/practices/<slug>) with its providers and "Book a
 * visit", account creation (/practices/<slug>/register), and the email confirmation link
 * (/verify-email#practice=...&token=...), which ends in sign-in and then booking.
 */
import { useEffect, useState } from 'react';
import { api, login, sessionUser } from '../api/http.js';
import { Login } from '../app/Login.js';
import { rememberPractice } from '../app/practiceContext.js';
import { matchPath, navigate } from '../app/router.js';
import { onboardingScreenOf } from './onboardingRoutes.js';
import { PlainError } from '../patient/PlainError.js';
import { Field, useAction, useAsync } from '../ui/components.js';

/** GET /v1/practices/:slug/providers (public). `bio` appears once profiles carry one. */
interface PracticePageData {
  practice: { name: string; slug: string };
  providers: { name: string; credential: string; specialties: string[]; licensedStates: string[]; bio?: string | null }[];
}

/** Credentials as patients know them. */
const CREDENTIAL_NAMES: Readonly<Record<string, string>> = {
  RN: 'Registered Nurse',
  NP: 'Nurse Practitioner',
  PA: 'Physician Assistant',
  MD: 'Physician (MD)',
  DO: 'Physician (DO)',
};

function usePractice(slug: string) {
  return useAsync(() => api<PracticePageData>('GET', `/v1/practices/${encodeURIComponent(slug)}/providers`), `practice-page:${slug}`);
}

function PracticePage({ slug }: { slug: string }) {
  const page = usePractice(slug);
  useEffect(() => {
    if (page.data !== null) rememberPractice(slug);
  }, [page.data, slug]);
  const signedInPatient = sessionUser()?.role === 'patient';
  const book = (): void => {
    navigate(signedInPatient ? '/book' : `/practices/${slug}/register`);
  };
  if (page.error !== null) {
    return (
      <section className="card narrow">
        <h1>Practice not found</h1>
        <p>We could not find this practice. Please check the link you were given.</p>
      </section>
    );
  }
  if (page.data === null) return <p role="status">Loading…</p>;
  return (
    <div className="stack practice-page">
      <header className="card hero">
        <h1>{page.data.practice.name}</h1>
        <p>Video visits with our licensed providers, from home. No app to install.</p>
        <div className="row wrap">
          <button type="button" onClick={book}>
            Book a visit
          </button>
          {!signedInPatient && (
            <a
              className="button-secondary"
              href={`/practices/${slug}/sign-in`}
              onClick={(event) => {
                event.preventDefault();
                navigate(`/practices/${slug}/sign-in`);
              }}
            >
              I already have an account
            </a>
          )}
        </div>
      </header>
      <section aria-labelledby="providers-title" className="card">
        <h2 id="providers-title">Our providers</h2>
        {page.data.providers.length === 0 && <p>No providers are listed yet.</p>}
        <ul className="provider-cards">
          {page.data.providers.map((provider) => (
            <li key={`${provider.name}-${provider.credential}`} className="provider-card">
              <h3>
                {provider.name}, {provider.credential}
              </h3>
              <p className="muted">{CREDENTIAL_NAMES[provider.credential] ?? provider.credential}</p>
              {provider.specialties.length > 0 && <p>Focus: {provider.specialties.join(', ')}</p>}
              {provider.bio !== undefined && provider.bio !== null && provider.bio !== '' && <p>{provider.bio}</p>}
            </li>
          ))}
        </ul>
      </section>
    </div>
  );
}

function CreateAccount({ slug }: { slug: string }) {
  const page = usePractice(slug);
  const [givenName, setGivenName] = useState('');
  const [familyName, setFamilyName] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [sentTo, setSentTo] = useState<string | null>(null);
  const submit = useAction(async () => {
    await api('POST', `/v1/practices/${encodeURIComponent(slug)}/patients`, { givenName, familyName, email, password });
    setSentTo(email);
  });
  const practiceName = page.data?.practice.name ?? 'your practice';
  if (sentTo !== null) {
    return (
      <section aria-labelledby="check-title" className="card narrow" data-testid="check-email">
        <h1 id="check-title">Check your email</h1>
        <p>
          We sent a link to <strong>{sentTo}</strong>. Open it to confirm your email address, then you can book your visit
          with {practiceName}.
        </p>
        <p className="muted">The link works once and expires in 24 hours. Nothing there? Check your spam folder.</p>
      </section>
    );
  }
  return (
    <section aria-labelledby="register-title" className="card narrow">
      <h1 id="register-title">Create your account</h1>
      <p>With {practiceName}. It takes a minute; then you pick a time.</p>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          submit.run();
        }}
      >
        <Field label="First name" value={givenName} onChange={setGivenName} required autoComplete="given-name" />
        <Field label="Last name" value={familyName} onChange={setFamilyName} required autoComplete="family-name" />
        <Field label="Email" type="email" value={email} onChange={setEmail} required autoComplete="email" inputMode="email" />
        <Field
          label="Password"
          type="password"
          value={password}
          onChange={setPassword}
          required
          autoComplete="new-password"
          pattern=".{12,128}"
          hint="At least 12 characters. A few random words work well."
        />
        <PlainError error={submit.error} />
        <button type="submit" disabled={submit.busy}>
          Create account
        </button>
      </form>
      <p>
        Already have an account?{' '}
        <a
          href={`/practices/${slug}/sign-in`}
          onClick={(event) => {
            event.preventDefault();
            navigate(`/practices/${slug}/sign-in`);
          }}
        >
          Sign in
        </a>
      </p>
    </section>
  );
}

/** Reads `practice` and `token` from the link's fragment (never sent to any server by the browser). */
function linkParams(): { practice: string; token: string } | null {
  const params = new URLSearchParams(window.location.hash.slice(1));
  const practice = params.get('practice');
  const token = params.get('token');
  return practice === null || token === null ? null : { practice, token };
}

function VerifyEmail() {
  const [link] = useState(linkParams);
  const [password, setPassword] = useState('');
  const verify = useAction(async () => {
    if (link === null) return;
    const result = await api<{ practice: { slug: string; name: string }; email: string }>('POST', '/v1/auth/verify-email', { ...link, password });
    rememberPractice(result.practice.slug);
    // The token has done its job: take it out of the address bar and history.
    window.history.replaceState(null, '', `/practices/${result.practice.slug}/sign-in`);
    await login({ practice: result.practice.slug, email: result.email, password });
    navigate('/book');
  });
  if (link === null) {
    return (
      <section className="card narrow">
        <h1>This link is incomplete</h1>
        <p>Please open the link from your email again, or copy the whole address into your browser.</p>
      </section>
    );
  }
  return (
    <section aria-labelledby="verify-title" className="card narrow" data-testid="confirm-email">
      <h1 id="verify-title">Confirm your email</h1>
      <p>To finish creating your account, enter the password you chose when you registered.</p>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          verify.run();
        }}
      >
        <Field label="Password" type="password" value={password} onChange={setPassword} required autoComplete="current-password" />
        <PlainError error={verify.error} />
        <button type="submit" disabled={verify.busy}>
          Confirm and continue
        </button>
      </form>
      {verify.error !== null && link.practice !== '' && (
        <p>
          <a
            href={`/practices/${link.practice}/register`}
            onClick={(event) => {
              event.preventDefault();
              navigate(`/practices/${link.practice}/register`);
            }}
          >
            Register again for a new link
          </a>{' '}
          or{' '}
          <a
            href={`/practices/${link.practice}/sign-in`}
            onClick={(event) => {
              event.preventDefault();
              navigate(`/practices/${link.practice}/sign-in`);
            }}
          >
            sign in
          </a>
          .
        </p>
      )}
    </section>
  );
}

/** The onboarding screen for `path` (see {@link onboardingScreenOf}). */
export default function PatientOnboarding({ path }: { path: string }) {
  const slug = (matchPath('/practices/:slug', path) ?? matchPath('/practices/:slug/:page', path))?.slug ?? '';
  switch (onboardingScreenOf(path, sessionUser() !== null)) {
    case 'verify':
      return <VerifyEmail />;
    case 'practice':
      return <PracticePage slug={slug} />;
    case 'register':
      return <CreateAccount slug={slug} />;
    case 'sign-in':
      return <Login />;
    case null:
      return null;
  }
}
