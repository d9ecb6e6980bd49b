/** "My account" for every user: change password; staff also manage their recovery codes. */
import { useState } from 'react';
import { api, sessionUser } from '../api/http.js';
import { Field, Section, useAction, useAsync } from '../ui/components.js';
import { RecoveryCodes } from './Enrolment.js';
import { NewPasswordFields, passwordsMatch } from './passwordFields.js';
import { Problem } from './problems.js';

function ChangePassword() {
  const [current, setCurrent] = useState('');
  const [password, setPassword] = useState('');
  const [repeat, setRepeat] = useState('');
  const [done, setDone] = useState(false);
  const change = useAction(async () => {
    setDone(false);
    await api('POST', '/v1/me/password', { currentPassword: current, newPassword: password });
    setCurrent('');
    setPassword('');
    setRepeat('');
    setDone(true);
  });
  return (
    <Section title="Change password">
      <form
        onSubmit={(event) => {
          event.preventDefault();
          if (passwordsMatch(password, repeat)) change.run();
        }}
      >
        <Field label="Current password" type="password" value={current} onChange={setCurrent} required autoComplete="current-password" />
        <NewPasswordFields password={password} repeat={repeat} onPassword={setPassword} onRepeat={setRepeat} />
        <Problem error={change.error} validationHint="Use at least 12 characters." />
        {done && (
          <p role="status" className="ok">
            Password changed. You were signed out on your other devices.
          </p>
        )}
        <button type="submit" disabled={change.busy}>
          Change password
        </button>
      </form>
    </Section>
  );
}

function RecoveryCodeSettings() {
  const status = useAsync(() => api<{ remaining: number }>('GET', '/v1/me/recovery-codes'), 'recovery');
  const [current, setCurrent] = useState('');
  const [codes, setCodes] = useState<string[] | null>(null);
  const regenerate = useAction(async () => {
    const result = await api<{ recoveryCodes: string[] }>('POST', '/v1/me/recovery-codes', { currentPassword: current });
    setCurrent('');
    setCodes(result.recoveryCodes);
  });
  return (
    <Section title="Recovery codes">
      {codes !== null ? (
        <RecoveryCodes
          codes={codes}
          doneLabel="Done"
          onDone={() => {
            setCodes(null);
            status.reload();
          }}
        />
      ) : (
        <>
          {status.data !== null && (
            <p>
              You have {status.data.remaining} unused recovery {status.data.remaining === 1 ? 'code' : 'codes'}. Each one lets you
              sign in once without your phone.
            </p>
          )}
          <form
            onSubmit={(event) => {
              event.preventDefault();
              regenerate.run();
            }}
          >
            <p className="muted">Making new codes stops the old ones from working.</p>
            <Field label="Your password" type="password" value={current} onChange={setCurrent} required autoComplete="current-password" />
            <Problem error={regenerate.error ?? status.error} />
            <button type="submit" disabled={regenerate.busy}>
              Make new recovery codes
            </button>
          </form>
        </>
      )}
    </Section>
  );
}

/** The account screen. */
export default function AccountSettings() {
  const staff = sessionUser()?.role !== 'patient';
  return (
    <div className="stack account-page">
      <h1>My account</h1>
      <ChangePassword />
      {staff && <RecoveryCodeSettings />}
    </div>
  );
}
