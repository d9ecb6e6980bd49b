/** Sign-in: practice, email, password and, for staff, a TOTP code (or first-time enrolment). */
import { useState } from 'react';
import { ApiError, api, confirmMfaEnrolment, login, startMfaEnrolment } from '../api/http.js';
import { ErrorMessage, Field, useAction, useAsync } from '../ui/components.js';
import { PlainError } from '../patient/PlainError.js';
import { forgetPractice, practiceFromLocation, rememberPractice } from './practiceContext.js';
import { navigate } from './router.js';

const TOTP_PATTERN = '[0-9]{6}';

function Enrolment({ enrolmentToken }: { enrolmentToken: string }) {
  const [secret, setSecret] = useState<{ secret: string; otpauthUri: string } | null>(null);
  const [code, setCode] = useState('');
  const start = useAction(async () => {
    setSecret(await startMfaEnrolment(enrolmentToken));
  });
  const confirm = useAction(async () => {
    await confirmMfaEnrolment(enrolmentToken, code);
  });
  return (
    <section aria-labelledby="enrol-title" className="card">
      <h2 id="enrol-title">Set up two-factor authentication</h2>
      <p>Staff accounts need an authenticator app (HIPAA 164.312(d)).</p>
      {secret === null ? (
        <>
          <ErrorMessage error={start.error} />
          <button type="button" onClick={start.run} disabled={start.busy}>
            Show my setup key
          </button>
        </>
      ) : (
        <form
          onSubmit={(event) => {
            event.preventDefault();
            confirm.run();
          }}
        >
          <p>
            Add this key to your authenticator app: <code data-testid="totp-secret">{secret.secret}</code>
          </p>
          <p>
            <a href={secret.otpauthUri}>Open in authenticator app</a>
          </p>
          <Field label="6-digit code" value={code} onChange={setCode} inputMode="numeric" autoComplete="one-time-code" pattern={TOTP_PATTERN} required />
          <ErrorMessage error={confirm.error} />
          <button type="submit" disabled={confirm.busy}>
            Confirm and sign in
          </button>
        </form>
      )}
    </section>
  );
}

/** "Signing in to <practice name>" when the practice is known from the page or link. */
function KnownPractice({ slug, onChange }: { slug: string; onChange: () => void }) {
  const page = useAsync(() => api<{ practice: { name: string } }>('GET', `/v1/practices/${encodeURIComponent(slug)}/providers`), `practice:${slug}`);
  return (
    <p>
      Signing in to <strong>{page.data?.practice.name ?? 'your practice'}</strong>.{' '}
      <button type="button" className="link" onClick={onChange}>
        Different practice?
      </button>
    </p>
  );
}

/**
 * The sign-in screen. Patients never type a practice: it comes from the page or link they
 * arrived by (or the last sign-in in this browser); staff without one type its short name.
 */
export function Login({ afterSignIn }: { afterSignIn?: string } = {}) {
  const [knownPractice, setKnownPractice] = useState(practiceFromLocation);
  const [typedPractice, setTypedPractice] = useState('');
  const practice = knownPractice ?? typedPractice;
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [totpCode, setTotpCode] = useState('');
  const [needsTotp, setNeedsTotp] = useState(false);
  const [enrolmentToken, setEnrolmentToken] = useState<string | null>(null);
  const submit = useAction(async () => {
    try {
      const result = await login({ practice, email, password, ...(totpCode === '' ? {} : { totpCode }) });
      if ('status' in result) {
        setEnrolmentToken(result.enrolmentToken);
        return;
      }
      // Patients come back without a link; staff keep typing theirs (shared front-desk screens).
      if (result.role === 'patient') rememberPractice(practice);
      navigate(afterSignIn ?? (window.location.pathname.startsWith('/practices/') ? '/' : window.location.pathname));
    } catch (error) {
      if (error instanceof ApiError && error.code === 'mfa_required') {
        setNeedsTotp(true);
        return;
      }
      throw error;
    }
  });
  if (enrolmentToken !== null) return <Enrolment enrolmentToken={enrolmentToken} />;
  return (
    <section aria-labelledby="login-title" className="card narrow">
      <h1 id="login-title">Sign in</h1>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          submit.run();
        }}
      >
        {knownPractice === null ? (
          <Field label="Practice" value={typedPractice} onChange={setTypedPractice} required autoComplete="organization" hint="The short name of your medspa, from your invitation" />
        ) : (
          <KnownPractice
            slug={knownPractice}
            onChange={() => {
              forgetPractice();
              setKnownPractice(null);
            }}
          />
        )}
        <Field label="Email" type="email" value={email} onChange={setEmail} required autoComplete="username" inputMode="email" />
        <Field label="Password" type="password" value={password} onChange={setPassword} required autoComplete="current-password" />
        {needsTotp && (
          <Field
            label="Authentication code"
            value={totpCode}
            onChange={setTotpCode}
            required
            inputMode="numeric"
            autoComplete="one-time-code"
            pattern={TOTP_PATTERN}
            hint="6 digits from your authenticator app"
          />
        )}
        <PlainError error={submit.error} />
        <button type="submit" disabled={submit.busy}>
          {needsTotp ? 'Verify and sign in' : 'Sign in'}
        </button>
      </form>
      {knownPractice !== null && (
        <p>
          New patient?{' '}
          <a
            href={`/practices/${knownPractice}/register`}
            onClick={(event) => {
              event.preventDefault();
              navigate(`/practices/${knownPractice}/register`);
            }}
          >
            Create account
          </a>
        </p>
      )}
    </section>
  );
}
