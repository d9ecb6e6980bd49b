import { z } from 'zod';

/**
 * Actions recorded in the audit trail. Entity references only, never PHI content
 * (SPEC "Compliance officers"). Extend this list when a new kind of access appears.
 */
export const AUDIT_ACTIONS = [
  'auth.login',
  'auth.login_failed',
  'auth.logout',
  'auth.refresh',
  'auth.refresh_reuse_detected',
  'auth.mfa_enrolled',
  'auth.locked_out',
  'auth.idle_timeout',
  'auth.mfa_enrolment_started',
  'user.create',
  'user.read',
  'user.update',
  'user.list',
  'patient.read',
  'appointment.book',
  'appointment.read',
  'appointment.list',
  'appointment.reschedule',
  'appointment.cancel',
  'appointment.check_in',
  'appointment.complete',
  'appointment.no_show',
  'appointment.end',
  'waiting_room.read',
  'consent.sign',
  'consent.read',
  'note.read',
  'note.list',
  'note.write',
  'note.sign',
  'note.addendum',
  'gfe.read',
  'followup.schedule',
  'photo.read',
  'photo.list',
  'photo.write',
  'questionnaire.submit',
  'questionnaire.read',
  'visit_summary.read',
  'record_access.read',
  'referral.request',
  'referral.consent',
  'referral.read',
  'disclosure.accounting_read',
  'data_key.rewrap',
  'audit.search',
  'audit.verify',
  'audit.export',
  'audit.export_manifest_read',
  'room.token_issued',
  'room.join',
  'room.leave',
  'room.admit',
  'room.admit_refused',
  'room.e2ee_state',
] as const;

export const auditActionSchema = z.enum(AUDIT_ACTIONS);
export type AuditAction = z.infer<typeof auditActionSchema>;

export const AUDIT_OUTCOMES = ['success', 'failure', 'denied'] as const;
export const auditOutcomeSchema = z.enum(AUDIT_OUTCOMES);
export type AuditOutcome = z.infer<typeof auditOutcomeSchema>;
