import type { RequestContext } from '../../http/requestContext.js';
import type { ClinicalDeps } from '../records/clinicalAccess.js';
import type { Appointment } from '../scheduling/appointments.js';
export interface ScheduleFollowUpInput {
    treatmentAppointmentId: string;
    appointmentTypeId: string;
    /** Defaults to the treating provider. */
    providerId?: string;
    startsAt: string;
    patientState: string;
    patientTimeZone: string;
}
export interface FollowUpView {
    followUpAppointmentId: string;
    treatmentAppointmentId: string;
    startsAt: string;
    status: string;
}
/**
 * Books a follow-up after a treatment through scheduling's booking (same checks: hours,
 * license, no double-booking) and links it to the treatment, in one transaction.
 */
export declare function scheduleFollowUp({ dataSource }: ClinicalDeps, context: RequestContext, input: ScheduleFollowUpInput): Promise<Appointment>;
/** Lists the follow-ups booked after a treatment (audited as a read of the schedule). */
export declare function listFollowUps({ dataSource }: ClinicalDeps, context: RequestContext, input: {
    treatmentAppointmentId: string;
}): Promise<FollowUpView[]>;
