/** Errors in plain words for the account screens: no codes or field paths reach people. */
import { ApiError } from '../api/http.js';

const PLAIN: Record<string, string> = {
  token_invalid: 'This link is not valid. It may have been replaced by a newer one; ask for a new link.',
  token_expired: 'This link has expired. Ask for a new one.',
  token_used: 'This link has already been used. Sign in, or ask for a new link.',
  setup_complete: 'This installation is already set up. Sign in instead.',
  invalid_credentials: 'The email or password is not right.',
  invalid_totp: 'That code did not work. Wait for the next code in your app and try again.',
  invalid_recovery_code: 'That recovery code is not right or was used already.',
  account_locked: 'Too many attempts. Wait 15 minutes and try again.',
  email_taken: 'Someone in this practice already uses this email address.',
  rate_limited: 'Too many attempts. Wait a minute and try again.',
};

/** What to tell a person about a failed request. */
export function plainProblem(error: unknown, validationHint = 'Please check what you entered and try again.'): string {
  if (error instanceof ApiError) {
    if (error.code === 'validation_failed') return validationHint;
    return PLAIN[error.code] ?? 'Something went wrong. Please try again.';
  }
  return 'Could not reach the server. Check your connection and try again.';
}

/** Announced problem (role=alert), or nothing. */
export function Problem({ error, validationHint }: { error: unknown; validationHint?: string }) {
  if (error === null || error === undefined) return null;
  return (
    <p role="alert" className="error">
      {plainProblem(error, validationHint)}
    </p>
  );
}
