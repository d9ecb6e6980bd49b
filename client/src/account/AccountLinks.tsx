/** Screens reached from a link (console setup link, invitation and reset emails) or from sign-in. */
import { AcceptInvite } from './AcceptInvite.js';
import { FirstRunSetup } from './FirstRunSetup.js';
import { ForgotPassword, ResetPassword } from './PasswordReset.js';

/** The token from `?token=…`. */
const tokenFromUrl = (): string => new URLSearchParams(window.location.search).get('token') ?? '';

/** Picks the screen for `/setup`, `/invite`, `/reset-password` or `/forgot-password`. */
export default function AccountLinks({ path }: { path: string }) {
  switch (path) {
    case '/setup':
      return <FirstRunSetup token={tokenFromUrl()} />;
    case '/invite':
      return <AcceptInvite token={tokenFromUrl()} />;
    case '/reset-password':
      return <ResetPassword token={tokenFromUrl()} />;
    default:
      return <ForgotPassword />;
  }
}
