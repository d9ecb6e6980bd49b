import type { EntityManager } from 'typeorm';
import { z } from 'zod';
import { badRequest, notFound } from '../../errors.js';
import type { RequestContext } from '../../http/requestContext.js';
import { requireSelfOrStaff } from '../licensure/access.js';
import { getProviderProfile } from '../licensure/providerService.js';
import { calendarDateSchema, instantSchema, timeZoneSchema } from './inputSchemas.js';
import {
  addDays,
  calendarDateAt,
  formatCalendarDate,
  isoWeekday,
  minutesOfDay,
  wallTimeToInstant,
} from '@medspa/shared-types';
import { callerOf } from '../../kernel/index.js';

/** Roles that manage any provider's hours and time off (providers manage their own). */
export const AVAILABILITY_ADMINS = ['admin', 'front_desk'] as const;

const TIME_OF_DAY = /^([01]\d|2[0-3]):[0-5]\d$|^24:00$/;
const timeOfDay = z.string().regex(TIME_OF_DAY, 'HH:MM, 24-hour');
const isTimeOfDay = (value: unknown): value is string => typeof value === 'string' && TIME_OF_DAY.test(value);

export const availabilityRuleSchema = z
  .strictObject({
    isoWeekday: z.number().int().min(1).max(7),
    startTime: timeOfDay,
    endTime: timeOfDay,
    effectiveFrom: calendarDateSchema.nullable().default(null),
    effectiveUntil: calendarDateSchema.nullable().default(null),
  })
  // zod still runs object refinements when a field failed its own check, so the times may
  // be malformed here; their own issue is already reported, and comparing them would throw.
  .refine((rule) => !isTimeOfDay(rule.startTime) || !isTimeOfDay(rule.endTime) || minutesOfDay(rule.endTime) > minutesOfDay(rule.startTime), {
    message: 'endTime must be after startTime',
    path: ['endTime'],
  })
  .refine((rule) => rule.effectiveFrom === null || rule.effectiveUntil === null || rule.effectiveUntil >= rule.effectiveFrom, {
    message: 'effectiveUntil is before effectiveFrom',
    path: ['effectiveUntil'],
  });

export const weeklyAvailabilitySchema = z.strictObject({
  /** Wall-clock rules are read in this zone; defaults to the provider's profile zone. */
  timeZone: timeZoneSchema.optional(),
  rules: z.array(availabilityRuleSchema).max(100),
});
export type WeeklyAvailabilityInput = z.infer<typeof weeklyAvailabilitySchema>;

export interface AvailabilityRule {
  id: string;
  isoWeekday: number;
  startTime: string;
  endTime: string;
  timeZone: string;
  effectiveFrom: string | null;
  effectiveUntil: string | null;
}

interface RuleRow {
  id: string;
  iso_weekday: number;
  start_time: string;
  end_time: string;
  time_zone: string;
  effective_from: string | null;
  effective_until: string | null;
}

const RULE_COLUMNS = `id, iso_weekday, to_char(start_time, 'HH24:MI') AS start_time,
  CASE WHEN end_time = '24:00' THEN '24:00' ELSE to_char(end_time, 'HH24:MI') END AS end_time, time_zone,
  effective_from::text AS effective_from, effective_until::text AS effective_until`;

function toRule(row: RuleRow): AvailabilityRule {
  return {
    id: row.id,
    isoWeekday: row.iso_weekday,
    startTime: row.start_time,
    endTime: row.end_time,
    timeZone: row.time_zone,
    effectiveFrom: row.effective_from,
    effectiveUntil: row.effective_until,
  };
}

/** Replaces a provider's weekly working hours with the given set. */
export async function replaceWeeklyAvailability(
  manager: EntityManager,
  context: RequestContext,
  providerId: string,
  input: WeeklyAvailabilityInput,
): Promise<AvailabilityRule[]> {
  const caller = callerOf(context);
  requireSelfOrStaff(caller, providerId, AVAILABILITY_ADMINS);
  const profile = await getProviderProfile(manager, providerId);
  const timeZone = input.timeZone ?? profile.timeZone;
  await manager.query(`DELETE FROM availability_rules WHERE provider_id = $1`, [providerId]);
  for (const rule of input.rules) {
    await manager.query(
      `INSERT INTO availability_rules (practice_id, provider_id, iso_weekday, start_time, end_time, time_zone,
         effective_from, effective_until)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [caller.practiceId, providerId, rule.isoWeekday, rule.startTime, rule.endTime, timeZone, rule.effectiveFrom, rule.effectiveUntil],
    );
  }
  return listWeeklyAvailability(manager, providerId);
}

/** A provider's weekly rules. */
export async function listWeeklyAvailability(manager: EntityManager, providerId: string): Promise<AvailabilityRule[]> {
  await getProviderProfile(manager, providerId);
  const rows = await manager.query<RuleRow[]>(
    `SELECT ${RULE_COLUMNS} FROM availability_rules WHERE provider_id = $1 ORDER BY iso_weekday, start_time, id`,
    [providerId],
  );
  return rows.map(toRule);
}

export const timeOffSchema = z
  .strictObject({ startsAt: instantSchema, endsAt: instantSchema })
  .refine((input) => Date.parse(input.endsAt) > Date.parse(input.startsAt), { message: 'endsAt must be after startsAt', path: ['endsAt'] });
export type TimeOffInput = z.infer<typeof timeOffSchema>;

export interface TimeOff {
  id: string;
  startsAt: string;
  endsAt: string;
}

interface TimeOffRow {
  id: string;
  starts_at: Date;
  ends_at: Date;
}

/** Blocks a period (vacation, training) in which no new appointment may start or run. */
export async function addTimeOff(
  manager: EntityManager,
  context: RequestContext,
  providerId: string,
  input: TimeOffInput,
): Promise<TimeOff> {
  const caller = callerOf(context);
  requireSelfOrStaff(caller, providerId, AVAILABILITY_ADMINS);
  await getProviderProfile(manager, providerId);
  const rows = await manager.query<TimeOffRow[]>(
    `INSERT INTO availability_exceptions (practice_id, provider_id, during)
     VALUES ($1, $2, tstzrange($3, $4, '[)'))
     RETURNING id, lower(during) AS starts_at, upper(during) AS ends_at`,
    [caller.practiceId, providerId, input.startsAt, input.endsAt],
  );
  const row = rows[0];
  if (row === undefined) throw new Error('insert returned no row');
  return { id: row.id, startsAt: row.starts_at.toISOString(), endsAt: row.ends_at.toISOString() };
}

/** Removes a time-off period. */
export async function removeTimeOff(
  manager: EntityManager,
  context: RequestContext,
  providerId: string,
  timeOffId: string,
): Promise<void> {
  requireSelfOrStaff(callerOf(context), providerId, AVAILABILITY_ADMINS);
  const result = await manager.query<[unknown[], number]>(
    `DELETE FROM availability_exceptions WHERE id = $1 AND provider_id = $2`,
    [timeOffId, providerId],
  );
  if (result[1] === 0) throw notFound('time_off_not_found', 'No such time-off period');
}

/** A provider's time off overlapping [from, to); 404 for an unknown provider. */
export async function listProviderTimeOff(manager: EntityManager, providerId: string, from: Date, to: Date): Promise<TimeOff[]> {
  await getProviderProfile(manager, providerId);
  return listTimeOff(manager, providerId, from, to);
}

/** Time off overlapping [from, to). */
export async function listTimeOff(manager: EntityManager, providerId: string, from: Date, to: Date): Promise<TimeOff[]> {
  const rows = await manager.query<TimeOffRow[]>(
    `SELECT id, lower(during) AS starts_at, upper(during) AS ends_at FROM availability_exceptions
     WHERE provider_id = $1 AND during && tstzrange($2, $3, '[)') ORDER BY lower(during)`,
    [providerId, from, to],
  );
  return rows.map((row) => ({ id: row.id, startsAt: row.starts_at.toISOString(), endsAt: row.ends_at.toISOString() }));
}

/** A half-open span of instants [start, end) in epoch milliseconds. */
export interface Span {
  start: number;
  end: number;
}

/** The longest span the slot search and working-hour expansion accept. */
export const MAX_SEARCH_DAYS = 31;
const DAY_MS = 86_400_000;

/**
 * Expands weekly rules into concrete working windows overlapping [from, to). Each rule is
 * read on each local date in its own zone, so a 09:00-17:00 rule in New York is
 * 14:00-22:00 UTC in winter and 13:00-21:00 UTC in summer, switching on the DST date.
 */
export function expandWorkingWindows(rules: readonly AvailabilityRule[], from: Date, to: Date): Span[] {
  if (to.getTime() - from.getTime() > (MAX_SEARCH_DAYS + 3) * DAY_MS) {
    throw badRequest('range_too_long', `Search at most ${MAX_SEARCH_DAYS} days at a time`);
  }
  const windows: Span[] = [];
  for (const rule of rules) {
    // One day of slack either side: a local date can start up to ~14h away from UTC.
    const first = addDays(calendarDateAt(from, rule.timeZone), -1);
    const last = addDays(calendarDateAt(to, rule.timeZone), 1);
    for (let date = first; formatCalendarDate(date) <= formatCalendarDate(last); date = addDays(date, 1)) {
      const dateText = formatCalendarDate(date);
      if (isoWeekday(date) !== rule.isoWeekday) continue;
      if (rule.effectiveFrom !== null && dateText < rule.effectiveFrom) continue;
      if (rule.effectiveUntil !== null && dateText > rule.effectiveUntil) continue;
      const startMinutes = minutesOfDay(rule.startTime);
      const endMinutes = minutesOfDay(rule.endTime);
      const start = wallTimeToInstant({ ...date, hour: Math.floor(startMinutes / 60), minute: startMinutes % 60 }, rule.timeZone);
      const end = wallTimeToInstant({ ...date, hour: Math.floor(endMinutes / 60), minute: endMinutes % 60 }, rule.timeZone);
      const span = { start: Math.max(start.getTime(), from.getTime()), end: Math.min(end.getTime(), to.getTime()) };
      if (span.end > span.start) windows.push(span);
    }
  }
  return mergeSpans(windows);
}

/** Sorts and merges overlapping or touching spans. */
export function mergeSpans(spans: readonly Span[]): Span[] {
  const sorted = [...spans].sort((a, b) => a.start - b.start);
  const merged: Span[] = [];
  for (const span of sorted) {
    const previous = merged[merged.length - 1];
    if (previous !== undefined && span.start <= previous.end) {
      previous.end = Math.max(previous.end, span.end);
    } else {
      merged.push({ ...span });
    }
  }
  return merged;
}

/** Whether [start, end) lies inside one span of a merged list. */
export function containedIn(spans: readonly Span[], start: number, end: number): boolean {
  return spans.some((span) => span.start <= start && end <= span.end);
}

/** Whether [start, end) overlaps any span. */
export function overlapsAny(spans: readonly Span[], start: number, end: number): boolean {
  return spans.some((span) => span.start < end && start < span.end);
}

/** Rules and time off of one provider, as the slot search and booking check need them. */
export interface ProviderCalendar {
  rules: AvailabilityRule[];
  timeOff: Span[];
}

/** Loads what decides whether a provider works at a time in [from, to). */
export async function loadProviderCalendar(manager: EntityManager, providerId: string, from: Date, to: Date): Promise<ProviderCalendar> {
  const rules = await manager.query<RuleRow[]>(`SELECT ${RULE_COLUMNS} FROM availability_rules WHERE provider_id = $1`, [providerId]);
  const timeOff = await listTimeOff(manager, providerId, from, to);
  return {
    rules: rules.map(toRule),
    timeOff: timeOff.map((period) => ({ start: Date.parse(period.startsAt), end: Date.parse(period.endsAt) })),
  };
}

/** Whether the provider works through all of [startsAt, endsAt) (inside hours, not on time off). */
export async function isWithinWorkingHours(manager: EntityManager, providerId: string, startsAt: Date, endsAt: Date): Promise<boolean> {
  const calendar = await loadProviderCalendar(manager, providerId, startsAt, endsAt);
  const dayBefore = new Date(startsAt.getTime() - DAY_MS);
  const dayAfter = new Date(endsAt.getTime() + DAY_MS);
  const windows = expandWorkingWindows(calendar.rules, dayBefore, dayAfter);
  return containedIn(windows, startsAt.getTime(), endsAt.getTime()) && !overlapsAny(calendar.timeOff, startsAt.getTime(), endsAt.getTime());
}
