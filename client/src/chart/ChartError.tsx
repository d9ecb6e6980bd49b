/** Errors in plain words for clinicians: the API's message, never its code. */
import { ApiError } from '../api/http.js';

/** The sentence to show for a failed request. */
export function plainError(error: unknown): string {
  if (error instanceof ApiError) {
    // Validation messages name fields in code form; say what to do instead.
    return error.status === 400 && error.code === 'validation_failed' ? 'Some answers are missing or not valid: check the fields and try again.' : error.message;
  }
  if (error instanceof Error) return error.message;
  return 'Something went wrong';
}

/** Announced error (role=alert), or nothing. */
export function ChartError({ error }: { error: unknown }) {
  if (error === null || error === undefined) return null;
  return (
    <p role="alert" className="error">
      {plainError(error)}
    </p>
  );
}
