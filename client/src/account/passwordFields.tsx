/** The "new password" pair used by setup, invitation, reset and change screens. */
import { Field } from '../ui/components.js';

/** NIST SP 800-63B §5.1.1.2 minimum the API enforces (api/src/modules/identity/passwords.ts). */
export const PASSWORD_MIN_LENGTH = 12;

/** Whether the form may be sent: long enough and typed the same twice. */
export const passwordsMatch = (password: string, repeat: string): boolean =>
  password.length >= PASSWORD_MIN_LENGTH && password === repeat;

/** New password, typed twice, with the rule in words and a live mismatch note. */
export function NewPasswordFields(props: {
  password: string;
  repeat: string;
  onPassword: (value: string) => void;
  onRepeat: (value: string) => void;
  label?: string;
}) {
  const mismatch = props.repeat !== '' && props.repeat !== props.password;
  return (
    <>
      <Field
        label={props.label ?? 'New password'}
        type="password"
        value={props.password}
        onChange={props.onPassword}
        required
        minLength={PASSWORD_MIN_LENGTH}
        autoComplete="new-password"
        hint={`At least ${String(PASSWORD_MIN_LENGTH)} characters. A few unrelated words make a strong, memorable password.`}
      />
      <Field label="Type it again" type="password" value={props.repeat} onChange={props.onRepeat} required minLength={PASSWORD_MIN_LENGTH} autoComplete="new-password" />
      {mismatch && (
        <p role="alert" className="error">
          The two passwords are not the same.
        </p>
      )}
    </>
  );
}
