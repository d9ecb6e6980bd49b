/** "Your visit room opens 30 minutes before your visit — in 12 min", counting down live. */
import type { Appointment } from '../api/types.js';
import { useNow } from './roomUi.js';
import { ROOM_OPENS_MINUTES_BEFORE, clockTime, durationText, roomOpensAt } from './visitText.js';

/** Shown on the join page until (and when) the room opens. */
export function RoomOpensNotice({ appointment }: { appointment: Pick<Appointment, 'startsAt' | 'endsAt'> }) {
  const now = useNow();
  const opens = roomOpensAt(appointment);
  const ends = new Date(appointment.endsAt);
  if (now >= ends) {
    return (
      <p className="notice" role="status" data-testid="room-countdown" data-open="false">
        The time for this visit has passed.
      </p>
    );
  }
  if (now >= opens) {
    return (
      <p className="notice notice-open" role="status" data-testid="room-countdown" data-open="true">
        Your visit room is open. You can join now.
      </p>
    );
  }
  return (
    <p className="notice" data-testid="room-countdown" data-open="false">
      Your visit room opens {ROOM_OPENS_MINUTES_BEFORE} minutes before your visit, at {clockTime(opens)} —{' '}
      <span role="timer">in {durationText(opens.getTime() - now.getTime())}</span>. You can sign the consent and check your camera now.
    </p>
  );
}
