/**
 * The schedule screen's live "patient waiting" alert: who is in a visit's waiting room right
 * now, with a link into that room. Fetches GET /v1/waiting-room (the API learns about waiting
 * patients from the SFU's room events) whenever the API's live channel nudges, on every
 * (re)connection of that channel, and on a slow poll in case the channel cannot be opened;
 * each name shown is audited by the API.
 */
import { useEffect, useState } from 'react';
import type { WaitingPatientAlert } from '@medspa/shared-types';
import { api } from '../api/http.js';
import { navigate } from '../app/router.js';
import { clockTime, durationText } from '../room/visitText.js';
import { openLiveChannel } from './liveChannel.js';

/**
 * The fallback only: nudges bring a new waiting patient within a second. This bounds how
 * late the alert is where no WebSocket gets through, and refreshes the "waiting for" times.
 */
const FALLBACK_POLL_MS = 60_000;
/** How often "waiting for ..." is recomputed between fetches (local clock only, no request). */
const CLOCK_TICK_MS = 15_000;

/** Live list of waiting patients; renders nothing while nobody waits. */
export function WaitingAlerts() {
  const [waiting, setWaiting] = useState<WaitingPatientAlert[]>([]);
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    let cancelled = false;
    let loading = false;
    let again = false;
    // One request at a time: a burst of nudges (several patients arriving) costs at most one
    // more, since every read writes audit events.
    const load = (): void => {
      if (loading) {
        again = true;
        return;
      }
      loading = true;
      api<{ waiting: WaitingPatientAlert[] }>('GET', '/v1/waiting-room')
        .then(
          (body) => {
            if (!cancelled) {
              setWaiting(body.waiting);
              setNow(Date.now());
            }
          },
          () => undefined,
        )
        .finally(() => {
          loading = false;
          if (again && !cancelled) {
            again = false;
            load();
          }
        });
    };
    load();
    const timer = setInterval(load, FALLBACK_POLL_MS);
    const closeLive = openLiveChannel({ onNudge: load, onConnect: load });
    return () => {
      cancelled = true;
      clearInterval(timer);
      closeLive();
    };
  }, []);
  const someoneWaits = waiting.length > 0;
  useEffect(() => {
    if (!someoneWaits) return undefined;
    const tick = setInterval(() => {
      setNow(Date.now());
    }, CLOCK_TICK_MS);
    return () => {
      clearInterval(tick);
    };
  }, [someoneWaits]);
  if (waiting.length === 0) return null;
  return (
    <section className="card waiting-alerts" aria-labelledby="waiting-alerts-title" data-testid="waiting-alerts">
      <h2 id="waiting-alerts-title">
        {waiting.length === 1 ? 'A patient is waiting' : `${String(waiting.length)} patients are waiting`}
      </h2>
      {/* The live region wraps the list: a <ul> given role=status would stop being a list. */}
      <div role="status" aria-live="polite">
        <ul className="list">
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
      </div>
    </section>
  );
}
