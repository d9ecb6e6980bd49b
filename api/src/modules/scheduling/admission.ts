import { ROOM_OPENS_MINUTES_BEFORE } from '@medspa/shared-types';
import type { EntityManager } from 'typeorm';
import { hasCurrentConsent } from '../consent/consentService.js';
import { holdsValidLicense } from '../licensure/providerService.js';
import { appointmentFacts } from './appointments.js';

/** How long before the start a provider may admit the patient into the visit room. */
export const EARLY_ADMISSION_MINUTES = ROOM_OPENS_MINUTES_BEFORE;

/** Why a patient cannot be admitted into a visit room. */
export type AdmissionRefusal =
  | 'appointment_not_found'
  | 'appointment_not_active'
  | 'outside_visit_window'
  | 'no_telehealth_consent'
  | 'provider_not_licensed';

export type AdmissionDecision =
  | {
      ok: true;
      appointmentId: string;
      providerId: string;
      patientId: string;
      /** The state the license was checked against: confirmed at check-in, else stated at booking. */
      patientState: string;
    }
  | { ok: false; reason: AdmissionRefusal };

export interface AdmissionQuestion {
  appointmentId: string;
  /** When the admission happens (normally now). */
  at: Date;
}

const ADMISSIBLE_STATUSES = new Set(['booked', 'checked_in', 'in_progress']);

/**
 * Decides whether the provider may admit the patient into the appointment's room now.
 * Refused when the appointment is not active, `at` is outside [start - 30 min, end),
 * the patient has not signed the latest published telehealth consent, or the provider
 * holds no license valid for the visit in the patient's state (confirmed at check-in,
 * else stated at booking). Reads in the caller's tenant transaction and writes nothing:
 * the caller (room admission) audits the decision with its own action
 * (room.admit / room.admit_refused).
 */
export async function checkAdmission(manager: EntityManager, question: AdmissionQuestion): Promise<AdmissionDecision> {
  const facts = await appointmentFacts(manager, question.appointmentId);
  if (facts === null) return { ok: false, reason: 'appointment_not_found' };
  if (!ADMISSIBLE_STATUSES.has(facts.status)) return { ok: false, reason: 'appointment_not_active' };
  const at = question.at.getTime();
  if (at < facts.startsAt.getTime() - EARLY_ADMISSION_MINUTES * 60_000 || at >= facts.endsAt.getTime()) {
    return { ok: false, reason: 'outside_visit_window' };
  }
  if (!(await hasCurrentConsent(manager, facts.patientId, 'telehealth'))) {
    return { ok: false, reason: 'no_telehealth_consent' };
  }
  const patientState = facts.confirmedState ?? facts.patientState;
  const licensed = await holdsValidLicense(manager, {
    providerId: facts.providerId,
    state: patientState,
    startsAt: facts.startsAt,
    endsAt: facts.endsAt,
    patientTimeZone: facts.patientTimeZone,
  });
  if (!licensed) return { ok: false, reason: 'provider_not_licensed' };
  return { ok: true, appointmentId: facts.id, providerId: facts.providerId, patientId: facts.patientId, patientState };
}
