/**
 * TOTP enrolment for staff (HIPAA 164.312(d)): a QR code of the otpauth URI beside the text
 * key, a first code to confirm, then the one-time recovery codes, shown once.
 */
import { useEffect, useRef, useState } from 'react';
import QRCode from 'qrcode';
import { confirmMfaEnrolment, startMfaEnrolment } from '../api/http.js';
import { navigate } from '../app/router.js';
import type { ConfirmedEnrolment } from '../api/http.js';
import { Field, useAction } from '../ui/components.js';
import { Problem } from './problems.js';

const TOTP_PATTERN = '[0-9]{6}';

/** The key in groups of four, as authenticator apps show it for typing. */
const grouped = (secret: string): string => secret.match(/.{1,4}/g)?.join(' ') ?? secret;

/**
 * The QR code as SVG elements built from the library's markup through DOMParser: no inline
 * script or style, so the strict CSP holds.
 */
function QrCode({ text }: { text: string }) {
  const holder = useRef<HTMLDivElement>(null);
  useEffect(() => {
    let cancelled = false;
    void QRCode.toString(text, { type: 'svg', margin: 1, errorCorrectionLevel: 'M' }).then((markup) => {
      const element = holder.current;
      if (cancelled || element === null) return;
      const svg = new DOMParser().parseFromString(markup, 'image/svg+xml').documentElement;
      svg.setAttribute('role', 'img');
      svg.setAttribute('aria-label', 'QR code for your authenticator app');
      svg.setAttribute('width', '200');
      svg.setAttribute('height', '200');
      element.replaceChildren(document.importNode(svg, true));
    });
    return () => {
      cancelled = true;
    };
  }, [text]);
  return <div ref={holder} className="qr" />;
}

/** The recovery codes, once, with a way to keep them. */
export function RecoveryCodes({ codes, onDone, doneLabel }: { codes: string[]; onDone: () => void; doneLabel: string }) {
  const [saved, setSaved] = useState(false);
  const download = () => {
    const blob = new Blob([`${codes.join('\n')}\n`], { type: 'text/plain' });
    const link = document.createElement('a');
    link.href = URL.createObjectURL(blob);
    link.download = 'recovery-codes.txt';
    link.click();
    URL.revokeObjectURL(link.href);
  };
  return (
    <div>
      <h2>Save your recovery codes</h2>
      <p>
        If you lose your phone, sign in with one of these codes instead of the 6-digit code. Each code works once. Keep them
        somewhere safe, such as a password manager. They are shown only now.
      </p>
      <ol className="recovery-codes" data-testid="recovery-codes">
        {codes.map((code) => (
          <li key={code}>
            <code>{code}</code>
          </li>
        ))}
      </ol>
      <div className="row wrap">
        <button type="button" className="secondary" onClick={download}>
          Download as a text file
        </button>
      </div>
      <div className="check">
        <input
          id="codes-saved"
          type="checkbox"
          checked={saved}
          onChange={(event) => {
            setSaved(event.target.checked);
          }}
        />
        <label htmlFor="codes-saved">I have saved my recovery codes</label>
      </div>
      <button type="button" disabled={!saved} onClick={onDone}>
        {doneLabel}
      </button>
    </div>
  );
}

/** The whole enrolment, from an enrolment-only token to a signed-in user. */
export function Enrolment({ enrolmentToken, practiceName }: { enrolmentToken: string; practiceName?: string }) {
  const [secret, setSecret] = useState<{ secret: string; otpauthUri: string } | null>(null);
  const [code, setCode] = useState('');
  const [confirmed, setConfirmed] = useState<ConfirmedEnrolment | null>(null);
  const start = useAction(async () => {
    setSecret(await startMfaEnrolment(enrolmentToken));
  });
  const confirm = useAction(async () => {
    setConfirmed(await confirmMfaEnrolment(enrolmentToken, code));
  });
  const started = useRef(false);
  useEffect(() => {
    // Show the QR code at once: one fewer click, and the key is never re-fetched on re-render.
    if (started.current) return;
    started.current = true;
    start.run();
  });
  if (confirmed !== null) {
    return (
      <section aria-labelledby="enrol-title" className="card narrow">
        <h1 id="enrol-title">Two-step sign-in is on</h1>
        <RecoveryCodes
          codes={confirmed.recoveryCodes}
          onDone={() => {
            confirmed.finishSignIn();
            // Leave the setup / invitation link behind: its token is used up.
            navigate('/');
          }}
          doneLabel="Continue"
        />
      </section>
    );
  }
  return (
    <section aria-labelledby="enrol-title" className="card narrow">
      <h1 id="enrol-title">Set up two-step sign-in</h1>
      <p>
        Staff accounts sign in with a password and a 6-digit code from an authenticator app on your phone (for example Google
        Authenticator, Microsoft Authenticator or 1Password).
      </p>
      <Problem error={start.error} />
      {secret === null ? (
        start.busy ? <p role="status">Preparing your key…</p> : (
          <button type="button" onClick={start.run}>
            Show my QR code
          </button>
        )
      ) : (
        <form
          onSubmit={(event) => {
            event.preventDefault();
            confirm.run();
          }}
        >
          <ol className="steps-list">
            <li>In the app, choose to add an account and scan this code{practiceName === undefined ? '' : ` (it appears as ${practiceName})`}.</li>
          </ol>
          <figure className="enrol-key" data-otpauth-uri={secret.otpauthUri} data-testid="totp-enrolment">
            <QrCode text={secret.otpauthUri} />
            <figcaption>
              Can&apos;t scan? Type this key instead:
              <br />
              <code data-testid="totp-secret">{grouped(secret.secret)}</code>
            </figcaption>
          </figure>
          <ol className="steps-list" start={2}>
            <li>Enter the 6-digit code the app now shows.</li>
          </ol>
          <Field label="6-digit code" value={code} onChange={setCode} inputMode="numeric" autoComplete="one-time-code" pattern={TOTP_PATTERN} required />
          <Problem error={confirm.error} validationHint="Enter the 6 digits from your app." />
          <button type="submit" disabled={confirm.busy}>
            Confirm
          </button>
        </form>
      )}
    </section>
  );
}
