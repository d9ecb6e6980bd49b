/**
 * Plain words for audit actions. Staff labels describe the event for the compliance officer;
 * patient phrases complete "<person> ..." in "Who viewed my record". Unknown actions fall
 * back to a generic phrase rather than showing the code.
 */
import type { AuditAction } from '@medspa/shared-types';

export const ACTION_LABELS: Record<AuditAction, string> = {
  'auth.login': 'Signed in',
  'auth.login_failed': 'Failed sign-in',
  'auth.logout': 'Signed out',
  'auth.refresh': 'Session renewed',
  'auth.refresh_reuse_detected': 'Stolen session suspected',
  'auth.mfa_enrolled': 'Set up two-step sign-in',
  'auth.locked_out': 'Account locked after failed sign-ins',
  'auth.idle_timeout': 'Signed out after inactivity',
  'auth.mfa_enrolment_started': 'Started two-step sign-in setup',
  'user.create': 'Created a user',
  'user.read': 'Viewed a user',
  'user.update': 'Changed a user',
  'user.list': 'Listed users',
  'patient.read': 'Viewed a patient',
  'appointment.book': 'Booked a visit',
  'appointment.read': 'Viewed a visit',
  'appointment.list': 'Listed visits',
  'appointment.reschedule': 'Rescheduled a visit',
  'appointment.cancel': 'Cancelled a visit',
  'appointment.check_in': 'Checked a patient in',
  'appointment.complete': 'Completed a visit',
  'appointment.no_show': 'Marked a no-show',
  'consent.sign': 'Signed a consent form',
  'consent.read': 'Viewed a consent form',
  'note.read': 'Viewed a consult note',
  'note.list': 'Listed consult notes',
  'note.write': 'Wrote a consult note',
  'note.sign': 'Signed a consult note',
  'note.addendum': 'Added to a consult note',
  'gfe.read': 'Viewed a Good Faith Exam',
  'followup.schedule': 'Scheduled a follow-up',
  'photo.read': 'Viewed a photo',
  'photo.list': 'Listed photos',
  'photo.write': 'Uploaded a photo',
  'questionnaire.submit': 'Answered a questionnaire',
  'questionnaire.read': 'Viewed questionnaire answers',
  'visit_summary.read': 'Viewed visit summaries',
  'record_access.read': 'Viewed who accessed a record',
  'referral.request': 'Requested a referral',
  'referral.consent': 'Consented to a referral',
  'referral.read': 'Viewed a referral',
  'disclosure.accounting_read': 'Viewed the accounting of disclosures',
  'data_key.rewrap': 'Rotated an encryption key',
  'audit.search': 'Searched the audit trail',
  'audit.verify': 'Verified the audit chain',
  'audit.export': 'Exported the audit trail',
  'audit.export_manifest_read': 'Viewed an export receipt',
  'audit.checkpoint': 'Took a signed checkpoint',
  'audit.proof_read': 'Read an audit proof',
  'audit.people_lookup': 'Looked up names in the audit trail',
  'license.add': 'Recorded a provider license',
  'license.revoke': 'Revoked a provider license',
  'consent_document.publish': 'Published a consent form',
  'room.token_issued': 'Was given a video room pass',
  'room.join': 'Joined a video visit',
  'room.leave': 'Left a video visit',
  'room.admit': 'Admitted a patient to a visit',
  'room.admit_refused': 'Could not admit a patient',
  'room.e2ee_state': 'Video encryption changed',
  'access.denied': 'Was refused access',
  'access.break_glass': 'Opened emergency access to a patient record',
  'break_glass.list': 'Reviewed emergency accesses',
  'care_team.assign': 'Added someone to a care team',
  'care_team.end': 'Removed someone from a care team',
  'care_team.list': 'Viewed a care team',
  'user.role_change': 'Changed a user’s role',
  'user.mfa_reset': 'Reset a user’s two-step sign-in',
  'user.disable': 'Disabled a user',
  'user.enable': 'Re-enabled a user',
  'auth.email_verified': 'Confirmed an email address',
  'appointment.notice_sent': 'Was sent a visit email',
  'intake.read': 'Viewed an intake form',
  'intake.write': 'Filled in an intake form',
  'treatment.read': 'Viewed a treatment record',
  'treatment.write': 'Recorded a treatment',
  'treatment.list': 'Listed treatment records',
  'gfe_validity.read': 'Viewed the Good Faith Exam rules',
  'gfe_validity.write': 'Changed the Good Faith Exam rules',
  'chart_review.settings_read': 'Viewed chart review settings',
  'chart_review.settings_write': 'Changed chart review settings',
  'chart_review.list': 'Viewed the chart review queue',
  'chart_review.decide': 'Reviewed a chart',
  'adverse_event.file': 'Filed an adverse event report',
  'adverse_event.list': 'Viewed adverse event reports',
  'adverse_event.close': 'Closed an adverse event report',
  'timeline.read': 'Viewed a patient timeline',
  'practice.setup': 'Set up the practice',
  'user.invite': 'Invited a team member',
  'user.invite_accepted': 'Accepted an invitation',
  'auth.password_changed': 'Changed their password',
  'auth.password_reset_requested': 'Asked for a password reset',
  'auth.password_reset': 'Reset their password',
  'auth.recovery_codes_issued': 'Got new recovery codes',
  'auth.recovery_code_used': 'Signed in with a recovery code',
  'appointment.end': 'Ended a visit',
  'waiting_room.read': 'Viewed who is waiting',
  'visit_invitation.create': 'Invited someone to a visit',
  'visit_invitation.list': 'Viewed who is invited to a visit',
  'visit_invitation.revoke': 'Withdrew a visit invitation',
};

/** A staff-facing label for any action code. */
export function actionLabel(action: string): string {
  return (ACTION_LABELS as Record<string, string | undefined>)[action] ?? 'Other activity';
}

/** How the patient is told what someone did with their record ("... viewed your consult note"). */
const PATIENT_PHRASES: Record<string, string> = {
  'patient.read': 'viewed your profile',
  'appointment.read': 'viewed your visit',
  'appointment.list': 'viewed your visits',
  'appointment.book': 'booked a visit for you',
  'appointment.reschedule': 'rescheduled your visit',
  'appointment.cancel': 'cancelled your visit',
  'appointment.check_in': 'checked you in',
  'appointment.complete': 'completed your visit',
  'appointment.no_show': 'marked your visit as missed',
  'consent.read': 'viewed your consent forms',
  'note.read': 'viewed your consult note',
  'note.list': 'viewed your list of consult notes',
  'note.write': 'wrote in your consult note',
  'note.sign': 'signed your consult note',
  'note.addendum': 'added to your consult note',
  'gfe.read': 'viewed your Good Faith Exam',
  'followup.schedule': 'scheduled your follow-up',
  'photo.read': 'viewed your photos',
  'photo.list': 'viewed your list of photos',
  'photo.write': 'added a photo to your record',
  'questionnaire.read': 'viewed your questionnaire answers',
  'referral.request': 'referred you to a partner practice',
  'referral.read': 'viewed your referral',
  'audit.search': 'reviewed the access log of your record',
  'audit.export': 'exported the access log of your record',
  'audit.export_manifest_read': 'reviewed the access log of your record',
  'disclosure.accounting_read': 'viewed the list of disclosures of your record',
  'visit_summary.read': 'viewed your visit summaries',
  'consent.sign': 'recorded your consent',
  'questionnaire.submit': 'filled in a questionnaire for you',
  'referral.consent': 'recorded your consent to a referral',
  'user.read': 'viewed your account',
  'user.update': 'changed your account',
  'visit_invitation.create': 'invited someone to your visit',
  'visit_invitation.list': 'viewed who is invited to your visit',
  'visit_invitation.revoke': 'withdrew an invitation to your visit',
};

/** "viewed your consult note and viewed your photos" for a day's distinct actions. */
export function patientPhrase(actions: readonly string[]): string {
  const phrases = [...new Set(actions.map((a) => PATIENT_PHRASES[a] ?? 'looked at your record'))];
  if (phrases.length <= 1) return phrases[0] ?? 'looked at your record';
  return `${phrases.slice(0, -1).join(', ')} and ${phrases[phrases.length - 1] ?? ''}`;
}

/** Plain words for an actor's role. */
export const ROLE_LABELS: Record<string, string> = {
  admin: 'administrator',
  front_desk: 'front desk',
  injector: 'injector',
  medical_director: 'medical director',
  compliance_officer: 'compliance officer',
  patient: 'patient',
  guest: 'invited guest',
};

export function roleLabel(role: string | null): string {
  return role === null ? 'system' : (ROLE_LABELS[role] ?? 'staff');
}

/** "Dr. Ana Lopez" for physicians, "Sam Reed, NP" for other licensed providers, else the name. */
export function personName(name: string, credential: string | null): string {
  if (credential === 'MD' || credential === 'DO') return `Dr. ${name}`;
  return credential === null ? name : `${name}, ${credential}`;
}
