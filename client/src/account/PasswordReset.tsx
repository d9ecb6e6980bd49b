/** "Forgot password" (everyone, patients included) and choosing a new one from the emailed link. */
import { useState } from 'react';
import { api } from '../api/http.js';
import { navigate } from '../app/router.js';
import { Field, useAction } from '../ui/components.js';
import { Problem } from './problems.js';
import { NewPasswordFields, passwordsMatch } from './passwordFields.js';

function BackToSignIn() {
  return (
    <p>
      <a
        href="/"
        onClick={(event) => {
          event.preventDefault();
          navigate('/');
        }}
      >
        Back to sign in
      </a>
    </p>
  );
}

/** Asks for the reset email; the answer is the same whether or not the account exists. */
export function ForgotPassword() {
  // A link from a practice's own page passes ?practice=<short name>, so patients never type it.
  const given = new URLSearchParams(window.location.search).get('practice') ?? '';
  const [practice, setPractice] = useState(given);
  const [email, setEmail] = useState('');
  const [sent, setSent] = useState(false);
  const send = useAction(async () => {
    await api('POST', '/v1/auth/password/forgot', { practice: practice.trim().toLowerCase(), email: email.trim() });
    setSent(true);
  });
  return (
    <section aria-labelledby="forgot-title" className="card narrow">
      <h1 id="forgot-title">Reset your password</h1>
      {sent ? (
        <p role="status">
          If an account uses that email, we have sent it a link to choose a new password. The link works once, for 30 minutes.
          Check your spam folder if nothing arrives.
        </p>
      ) : (
        <form
          onSubmit={(event) => {
            event.preventDefault();
            send.run();
          }}
        >
          <p>Enter the email you sign in with. We will send you a link to choose a new password.</p>
          {given === '' && (
            <Field label="Practice" value={practice} onChange={setPractice} required autoComplete="organization" hint="The short name of your medspa, as on the sign-in screen" />
          )}
          <Field label="Email" type="email" value={email} onChange={setEmail} required autoComplete="username" inputMode="email" />
          <Problem error={send.error} validationHint="Check the practice name and email address." />
          <button type="submit" disabled={send.busy}>
            Send reset link
          </button>
        </form>
      )}
      <BackToSignIn />
    </section>
  );
}

/** The page the reset email links to. */
export function ResetPassword({ token }: { token: string }) {
  const [password, setPassword] = useState('');
  const [repeat, setRepeat] = useState('');
  const [done, setDone] = useState(false);
  const reset = useAction(async () => {
    await api('POST', '/v1/auth/password/reset', { token, newPassword: password });
    setDone(true);
  });
  return (
    <section aria-labelledby="reset-title" className="card narrow">
      <h1 id="reset-title">Choose a new password</h1>
      {done ? (
        <p role="status">Your password is changed, and you were signed out everywhere else. Sign in with your new password.</p>
      ) : (
        <form
          onSubmit={(event) => {
            event.preventDefault();
            if (passwordsMatch(password, repeat)) reset.run();
          }}
        >
          <NewPasswordFields password={password} repeat={repeat} onPassword={setPassword} onRepeat={setRepeat} />
          <Problem error={reset.error} validationHint="Use at least 12 characters." />
          <button type="submit" disabled={reset.busy}>
            Save new password
          </button>
        </form>
      )}
      <BackToSignIn />
    </section>
  );
}
