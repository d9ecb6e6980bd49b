/** Sign-in: practice, email, password and, for staff, a TOTP code (or first-time enrolment). */
import { useState } from 'react';
import { ApiError, api, login, loginWithRecoveryCode } from '../api/http.js';
import { Enrolment } from '../account/Enrolment.js';
import { Field, useAction, useAsync } from '../ui/components.js';
import { PlainError } from '../patient/PlainError.js';
import { forgetPractice, practiceFromLocation, rememberPractice } from './practiceContext.js';
import { navigate } from './router.js';

const TOTP_PATTERN = '[0-9]{6}';

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
  const [recoveryCode, setRecoveryCode] = useState('');
  const [useRecovery, setUseRecovery] = useState(false);
  const [needsTotp, setNeedsTotp] = useState(false);
  const [enrolmentToken, setEnrolmentToken] = useState<string | null>(null);
  const submit = useAction(async () => {
    const signedIn = (role: string): void => {
      // Patients come back without a link; staff keep typing theirs (shared front-desk screens).
      if (role === 'patient') rememberPractice(practice);
      navigate(afterSignIn ?? (window.location.pathname.startsWith('/practices/') ? '/' : window.location.pathname));
    };
    if (needsTotp && useRecovery) {
      signedIn((await loginWithRecoveryCode({ practice, email, password, recoveryCode })).role);
      return;
    }
    try {
      const result = await login({ practice, email, password, ...(totpCode === '' ? {} : { totpCode }) });
      if ('status' in result) {
        setEnrolmentToken(result.enrolmentToken);
        return;
      }
      signedIn(result.role);
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
        {needsTotp && !useRecovery && (
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
        {needsTotp && useRecovery && (
          <Field label="Recovery code" value={recoveryCode} onChange={setRecoveryCode} required autoComplete="off" hint="One of the codes you saved when you set up two-step sign-in, like ABCD-EFGH-JKLM-NPQR" />
        )}
        <PlainError error={submit.error} />
        <button type="submit" disabled={submit.busy}>
          {needsTotp ? 'Verify and sign in' : 'Sign in'}
        </button>
      </form>
      {needsTotp && (
        <p>
          <button
            type="button"
            className="link"
            onClick={() => {
              setUseRecovery(!useRecovery);
            }}
          >
            {useRecovery ? 'Use my authenticator app instead' : 'Lost your phone? Use a recovery code'}
          </button>
        </p>
      )}
      <p>
        <a
          href="/forgot-password"
          onClick={(event) => {
            event.preventDefault();
            // Carries the practice already typed, so it need not be typed again.
            navigate(practice.trim() === '' ? '/forgot-password' : `/forgot-password?practice=${encodeURIComponent(practice.trim().toLowerCase())}`);
          }}
        >
          Forgot password?
        </a>
      </p>
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
