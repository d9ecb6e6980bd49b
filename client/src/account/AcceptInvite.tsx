/** The page a staff invitation email links to: choose a password, then set up two-step sign-in. */
import { useState } from 'react';
import type { MfaEnrolmentRequired } from '../api/http.js';
import { api } from '../api/http.js';
import { useAction, useAsync } from '../ui/components.js';
import { Enrolment } from './Enrolment.js';
import { NewPasswordFields, passwordsMatch } from './passwordFields.js';
import { Problem } from './problems.js';

/** `/invite?token=…` */
export function AcceptInvite({ token }: { token: string }) {
  const invite = useAsync(() => api<{ practiceName: string; givenName: string }>('POST', '/v1/auth/invite/check', { token }), token);
  const [password, setPassword] = useState('');
  const [repeat, setRepeat] = useState('');
  const [enrolment, setEnrolment] = useState<MfaEnrolmentRequired | null>(null);
  const accept = useAction(async () => {
    setEnrolment(await api<MfaEnrolmentRequired>('POST', '/v1/auth/invite/accept', { token, password }));
  });
  if (enrolment !== null) return <Enrolment enrolmentToken={enrolment.enrolmentToken} practiceName={invite.data?.practiceName} />;
  if (invite.loading) return <p role="status">Checking your invitation…</p>;
  if (invite.data === null) {
    return (
      <section aria-labelledby="invite-title" className="card narrow">
        <h1 id="invite-title">Your invitation</h1>
        <Problem error={invite.error} />
        <p>Ask your practice admin to send you a new invitation.</p>
      </section>
    );
  }
  return (
    <section aria-labelledby="invite-title" className="card narrow">
      <h1 id="invite-title">Welcome to {invite.data.practiceName}, {invite.data.givenName}</h1>
      <p>Choose a password for your account. Next you will set up two-step sign-in with your phone.</p>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          if (passwordsMatch(password, repeat)) accept.run();
        }}
      >
        <NewPasswordFields password={password} repeat={repeat} onPassword={setPassword} onRepeat={setRepeat} label="Password" />
        <Problem error={accept.error} validationHint="Use at least 12 characters." />
        <button type="submit" disabled={accept.busy}>
          Save password and continue
        </button>
      </form>
    </section>
  );
}
