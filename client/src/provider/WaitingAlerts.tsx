/**
 * The schedule screen's live "patient waiting" alert: who is in a visit's waiting room right
 * now, with a link into that room. Polls GET /v1/waiting-room (the API learns about waiting
 * patients from the SFU's room events); each name shown is audited by the API.
 */
import { useEffect, useState } from 'react';
import type { WaitingPatientAlert } from '@medspa/shared-types';
import { api } from '../api/http.js';
import { navigate } from '../app/router.js';
import { clockTime, durationText } from '../room/visitText.js';

/** Often enough that nobody waits unnoticed for long; one small request per screen. */
const POLL_MS = 10_000;

/** Live list of waiting patients; renders nothing while nobody waits. */
export function WaitingAlerts() {
  const [waiting, setWaiting] = useState<WaitingPatientAlert[]>([]);
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    let cancelled = false;
    const load = (): void => {
      api<{ waiting: WaitingPatientAlert[] }>('GET', '/v1/waiting-room').then(
        (body) => {
          if (!cancelled) {
            setWaiting(body.waiting);
            setNow(Date.now());
          }
        },
        () => undefined,
      );
    };
    load();
    const timer = setInterval(load, POLL_MS);
    return () => {
      cancelled = true;
      clearInterval(timer);
    };
  }, []);
  if (waiting.length === 0) return null;
  return (
    <section className="card waiting-alerts" aria-labelledby="waiting-alerts-title" data-testid="waiting-alerts">
      <h2 id="waiting-alerts-title">
        {waiting.length === 1 ? 'A patient is waiting' : `${String(waiting.length)} patients are waiting`}
      </h2>
      <ul className="list" role="status" aria-live="polite">
        {waiting.map((alert) => (
          <li key={alert.appointmentId} data-testid="waiting-alert">
            <span>
              <strong>{alert.patientName}</strong> · {alert.visitName} at {clockTime(new Date(alert.startsAt))} · waiting since{' '}
              {clockTime(new Date(alert.waitingSince))} ({durationText(now - Date.parse(alert.waitingSince))})
            </span>
            <a
              href={`/visit/${alert.appointmentId}`}
              onClick={(event) => {
                event.preventDefault();
                navigate(`/visit/${alert.appointmentId}`);
              }}
            >
              Open visit room
            </a>
          </li>
        ))}
      </ul>
    </section>
  );
}
