import { z } from 'zod';

/**
 * How long before its start a visit room opens: the patient's join page counts down to it
 * and the API refuses admission before it (api/src/modules/scheduling/admission.ts).
 */
export const ROOM_OPENS_MINUTES_BEFORE = 30;

/** How the provider ended a visit from the room (POST /v1/appointments/:id/end). */
export const VISIT_END_OUTCOMES = ['completed', 'no_show', 'ended_early'] as const;
export const visitEndOutcomeSchema = z.enum(VISIT_END_OUTCOMES);
export type VisitEndOutcome = z.infer<typeof visitEndOutcomeSchema>;

/** One patient in a visit's waiting room, as the schedule screen's live alert shows it. */
export interface WaitingPatientAlert {
  appointmentId: string;
  patientName: string;
  /** Plain visit name ("Good Faith Exam", "Virtual consult", ...). */
  visitName: string;
  startsAt: string;
  waitingSince: string;
}
