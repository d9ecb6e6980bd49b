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
  'user.create',
  'user.read',
  'user.update',
  'patient.read',
  'audit.search',
  'audit.verify',
  'audit.export',
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
