/** Errors as a patient should read them: the API's plain message, never its code. */
import { ApiError } from '../api/http.js';

const FRIENDLY: Readonly<Record<string, string>> = {
  validation_failed: 'Some of the details are not valid. Please check them and try again.',
  invalid_credentials: 'That email and password do not match an account. If you just registered, open the link in the email we sent first.',
  slot_taken: 'Sorry, that time was just taken. Please pick another time.',
  provider_not_licensed: 'This provider cannot see patients in the state you chose. Please pick another provider or state.',
  outside_availability: 'That time is no longer offered. Please pick another time.',
  slot_in_past: 'That time has already passed. Please pick a later time.',
  patient_busy: 'You already have a visit at that time.',
  verification_password_mismatch: 'That is not the password you chose when you registered. Please try again.',
  rate_limited: 'Too many attempts. Please wait a minute and try again.',
};

/** The sentence to show for an error. */
export function plainErrorText(error: unknown): string {
  if (error instanceof ApiError) return FRIENDLY[error.code] ?? (error.status >= 500 ? 'Something went wrong on our side. Please try again.' : error.message);
  if (error instanceof TypeError) return 'We could not reach the server. Please check your connection and try again.';
  return 'Something went wrong. Please try again.';
}

/** Announced error message (role=alert), or nothing. */
export function PlainError({ error }: { error: unknown }) {
  if (error === null || error === undefined) return null;
  return (
    <p role="alert" className="error">
      {plainErrorText(error)}
    </p>
  );
}
