/** Sign-in: practice, email, password and, for staff, a TOTP code (or first-time enrolment). */
import { useState } from 'react';
import { ApiError, login, loginWithRecoveryCode } from '../api/http.js';
import { Enrolment } from '../account/Enrolment.js';
import { ErrorMessage, Field, useAction } from '../ui/components.js';
import { navigate } from './router.js';

const TOTP_PATTERN = '[0-9]{6}';

/** The sign-in screen. */
export function Login() {
  const [practice, setPractice] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [totpCode, setTotpCode] = useState('');
  const [recoveryCode, setRecoveryCode] = useState('');
  const [useRecovery, setUseRecovery] = useState(false);
  const [needsTotp, setNeedsTotp] = useState(false);
  const [enrolmentToken, setEnrolmentToken] = useState<string | null>(null);
  const submit = useAction(async () => {
    if (needsTotp && useRecovery) {
      await loginWithRecoveryCode({ practice, email, password, recoveryCode });
      return;
    }
    try {
      const result = await login({ practice, email, password, ...(totpCode === '' ? {} : { totpCode }) });
      if ('status' in result) setEnrolmentToken(result.enrolmentToken);
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
        <Field label="Practice" value={practice} onChange={setPractice} required autoComplete="organization" hint="The short name of your medspa, from your invitation" />
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
        <ErrorMessage error={submit.error} />
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
    </section>
  );
}
