/**
 * Plain words for the visit room: when it opens, why an admission was refused (for the
 * patient and for the provider, each with what to do next), how a visit ended. No codes on
 * screen; times in the viewer's locale and zone.
 */
import type { AdmissionRefusalReason, VisitEndOutcome } from '@medspa/shared-types';
import type * as Shared from '@medspa/shared-types';
import type { Appointment } from '../api/types.js';

/**
 * Minutes before the start the room opens. Typed as the shared constant's literal type, so
 * the client cannot drift from the API (importing the value would pull zod into the bundle).
 */
export const ROOM_OPENS_MINUTES_BEFORE: typeof Shared.ROOM_OPENS_MINUTES_BEFORE = 30;

/** "10:00 PM EST" in the viewer's locale and zone. */
export function clockTime(at: Date): string {
  return new Intl.DateTimeFormat(undefined, { hour: 'numeric', minute: '2-digit', timeZoneName: 'short' }).format(at);
}


/** When the visit's room opens (the API admits from then on). */
export function roomOpensAt(appointment: Pick<Appointment, 'startsAt'>): Date {
  return new Date(new Date(appointment.startsAt).getTime() - ROOM_OPENS_MINUTES_BEFORE * 60_000);
}

/** "1 h 5 min", "12 min", "45 s": a countdown people read at a glance. */
export function durationText(ms: number): string {
  const seconds = Math.max(0, Math.ceil(ms / 1000));
  if (seconds < 60) return `${String(seconds)} s`;
  const minutes = Math.ceil(seconds / 60);
  if (minutes < 60) return `${String(minutes)} min`;
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  return rest === 0 ? `${String(hours)} h` : `${String(hours)} h ${String(rest)} min`;
}

/** Visits are named in one place (chart/labels.ts). */
export { visitName } from '../chart/labels.js';

/** What the patient reads after a refused admission, and where to go to fix it. */
export interface PatientRefusalText {
  text: string;
  /** The step of the join flow that fixes it, if the patient can fix it. */
  fix: { label: string; step: 'consent' | 'check_in' } | null;
}

export function patientRefusalText(reason: AdmissionRefusalReason, appointment: Appointment, now: Date): PatientRefusalText {
  switch (reason) {
    case 'no_telehealth_consent':
      return { text: 'Please sign the telehealth consent first. Your provider can let you in once it is signed.', fix: { label: 'Sign the telehealth consent', step: 'consent' } };
    case 'provider_not_licensed':
      return {
        text: `Your provider can only see you while you are in a state where they are licensed. If you are not in ${appointment.confirmedState ?? appointment.patientState} right now, update your location. Otherwise the practice will contact you to rebook with another provider.`,
        fix: { label: 'Update my location', step: 'check_in' },
      };
    case 'outside_visit_window': {
      const opens = roomOpensAt(appointment);
      if (now < opens) {
        return { text: `You are early: your visit room opens at ${clockTime(opens)}. Please keep this page open; your provider will let you in then.`, fix: null };
      }
      return { text: 'The time for this visit has passed. Please book a new visit from your home page.', fix: null };
    }
    case 'appointment_not_active':
      return { text: 'This visit was cancelled or has already ended. Please check your home page for your visits.', fix: null };
    case 'appointment_not_found':
    case 'not_appointment_participant':
      return { text: 'This visit cannot be opened. Please contact the practice.', fix: null };
    case 'invitation_not_valid':
      return { text: 'Your invitation to this visit was withdrawn or has expired. Please contact the practice.', fix: null };
  }
}

/** What the provider reads when an admission was refused, with what to do next. */
export function providerRefusalText(reason: AdmissionRefusalReason, appointment: Appointment, now: Date): string {
  switch (reason) {
    case 'no_telehealth_consent':
      return 'The patient has not signed the current telehealth consent. They have been asked to sign it; admit them again once they have.';
    case 'provider_not_licensed':
      return `You have no license valid in ${appointment.confirmedState ?? appointment.patientState}, where the patient is for this visit. Ask the patient to confirm their location, or have the practice rebook them with a provider licensed there.`;
    case 'outside_visit_window': {
      const opens = roomOpensAt(appointment);
      if (now < opens) {
        const early = Math.round((new Date(appointment.startsAt).getTime() - now.getTime()) / 60_000);
        return `This patient is ${String(early)} minutes early; the room opens at ${clockTime(opens)}. Admit them then.`;
      }
      return 'This visit’s time has passed, so the patient cannot be admitted. Rebook the visit.';
    }
    case 'appointment_not_active':
      return 'This visit was cancelled or already ended, so nobody can be admitted.';
    case 'appointment_not_found':
    case 'not_appointment_participant':
      return 'This person is not the patient of this visit and cannot be admitted.';
    case 'invitation_not_valid':
      return 'This guest’s invitation was withdrawn or has expired, so they cannot be admitted.';
  }
}

export const OUTCOME_TEXT: Record<VisitEndOutcome, string> = {
  completed: 'Completed',
  no_show: 'Patient did not show up',
  ended_early: 'Ended early',
};
