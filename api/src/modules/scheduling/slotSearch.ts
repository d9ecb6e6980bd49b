import type { EntityManager } from 'typeorm';
import { z } from 'zod';
import { badRequest } from '../../errors.js';
import { getProviderProfile } from '../licensure/providerService.js';
import { usStateSchema } from '../licensure/usStates.js';
import { getBookableType } from './appointmentTypes.js';
import { calendarDateSchema, timeZoneSchema } from './inputSchemas.js';
import type { Span } from './availability.js';
import { expandWorkingWindows, loadProviderCalendar, MAX_SEARCH_DAYS, overlapsAny } from './availability.js';
import type { LocalDisplay } from '@medspa/shared-types';
import { addDays, parseCalendarDate, toLocalDisplay, wallTimeToInstant } from '@medspa/shared-types';

export const slotSearchSchema = z.strictObject({
  appointmentTypeId: z.uuid(),
  /** First and last calendar day to search, read in the patient's zone. */
  from: calendarDateSchema,
  to: calendarDateSchema,
  /** The patient's IANA zone: days are the patient's days, times are shown there too. */
  timeZone: timeZoneSchema,
  /** The patient's stated location: only slots the provider is licensed for are offered. */
  patientState: usStateSchema,
});
export type SlotSearchInput = z.infer<typeof slotSearchSchema>;

export interface Slot {
  startsAt: string;
  endsAt: string;
  /** The start as the patient's clock shows it. */
  local: LocalDisplay;
}

/** Candidate starts step by this much (or by the duration, for shorter visits). */
export const SLOT_GRID_MINUTES = 15;
/** Upper bound on one answer, so a month of 5-minute visits stays a sane response. */
export const MAX_SLOTS = 1000;

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

interface LicenseRow {
  valid_from: string;
  expires_on: string;
}

/**
 * Free slots of one provider for one appointment type. A slot is offered when the visit
 * lies inside working hours (expanded per the provider's zone, DST included), outside time
 * off, its occupied range (with the type's buffers) overlaps no active appointment, it is
 * in the future, and a license for the patient's state covers its local dates.
 * Reads availability only (no patient data), so it is not an audited PHI access.
 */
export async function searchSlots(manager: EntityManager, providerId: string, input: SlotSearchInput, now = new Date()): Promise<Slot[]> {
  const firstDay = parseCalendarDate(input.from);
  const lastDay = parseCalendarDate(input.to);
  if (input.to < input.from) throw badRequest('invalid_range', 'to is before from');
  const from = wallTimeToInstant({ ...firstDay, hour: 0, minute: 0 }, input.timeZone);
  const to = wallTimeToInstant({ ...addDays(lastDay, 1), hour: 0, minute: 0 }, input.timeZone);
  if (to.getTime() - from.getTime() > MAX_SEARCH_DAYS * DAY_MS + 2 * 3_600_000) {
    throw badRequest('range_too_long', `Search at most ${MAX_SEARCH_DAYS} days at a time`);
  }
  await getProviderProfile(manager, providerId);
  const type = await getBookableType(manager, input.appointmentTypeId);
  const calendar = await loadProviderCalendar(manager, providerId, from, to);
  // Expanded with a day of slack so the slot grid stays aligned to each window's real start.
  const windows = expandWorkingWindows(calendar.rules, new Date(from.getTime() - DAY_MS), new Date(to.getTime() + DAY_MS));

  const before = type.bufferBeforeMinutes * MINUTE_MS;
  const after = type.bufferAfterMinutes * MINUTE_MS;
  const busyRows = await manager.query<{ lo: Date; hi: Date }[]>(
    `SELECT lower(occupied) AS lo, upper(occupied) AS hi FROM appointments
     WHERE provider_id = $1 AND status IN ('booked', 'checked_in', 'in_progress') AND occupied && tstzrange($2, $3, '[)')`,
    [providerId, new Date(from.getTime() - before), new Date(to.getTime() + after)],
  );
  const busy: Span[] = busyRows.map((row) => ({ start: row.lo.getTime(), end: row.hi.getTime() }));
  const licenses = await manager.query<LicenseRow[]>(
    `SELECT valid_from::text AS valid_from, expires_on::text AS expires_on FROM provider_licenses
     WHERE provider_id = $1 AND state = $2 AND revoked_at IS NULL`,
    [providerId, input.patientState],
  );
  const licensedOn = (startDate: string, endDate: string): boolean =>
    licenses.some((license) => license.valid_from <= startDate && license.expires_on >= endDate);

  const duration = type.durationMinutes * MINUTE_MS;
  const step = Math.min(SLOT_GRID_MINUTES, type.durationMinutes) * MINUTE_MS;
  const slots: Slot[] = [];
  for (const window of windows) {
    for (let start = window.start; start + duration <= window.end; start += step) {
      const end = start + duration;
      if (start < now.getTime() || start < from.getTime() || start >= to.getTime()) continue;
      if (overlapsAny(calendar.timeOff, start, end)) continue;
      if (overlapsAny(busy, start - before, end + after)) continue;
      const local = toLocalDisplay(new Date(start), input.timeZone);
      const lastLocalDate = toLocalDisplay(new Date(end - 1), input.timeZone).date;
      if (!licensedOn(local.date, lastLocalDate)) continue;
      slots.push({ startsAt: new Date(start).toISOString(), endsAt: new Date(end).toISOString(), local });
      if (slots.length >= MAX_SLOTS) return slots;
    }
  }
  return slots;
}
