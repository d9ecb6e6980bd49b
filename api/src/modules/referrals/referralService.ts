import { PROVIDER_ROLES } from '@medspa/shared-types';
import type { Role } from '@medspa/shared-types';
import { z } from 'zod';
import { recordAudit } from '../../audit/auditWriter.js';
import { withTenant } from '../../db/tenantTransaction.js';
import { conflict, forbidden, notFound } from '../../errors.js';
import type { RequestContext } from '../../http/requestContext.js';
import type { ClinicalDeps } from '../records/clinicalAccess.js';
import { requirePatientAccess, requirePatientInPractice, requireRole } from '../records/clinicalAccess.js';
import { auditedAccess, callerOf } from '../../kernel/index.js';

export const referralInputSchema = z.strictObject({
  recipientName: z.string().trim().min(1).max(200),
  recipientAddress: z.string().trim().min(1).max(500),
  purpose: z.string().trim().min(1).max(500),
  /** What will be sent, e.g. "GFE note of 2026-11-20 and treatment photos". */
  informationDisclosed: z.string().trim().min(1).max(500),
});
export type ReferralInput = z.infer<typeof referralInputSchema>;

export type ReferralStatus = 'awaiting_consent' | 'declined' | 'disclosed';

export interface ReferralView extends ReferralInput {
  id: string;
  patientId: string;
  requestedBy: string;
  status: ReferralStatus;
  requestedAt: string;
  consentDecidedAt: string | null;
  disclosedAt: string | null;
}

/** One line of an accounting of disclosures (45 CFR 164.528(b)(2)). */
export interface DisclosureEntry {
  referralId: string;
  disclosedAt: string;
  recipientName: string;
  recipientAddress: string;
  informationDisclosed: string;
  purpose: string;
}

interface ReferralRow {
  id: string;
  patient_id: string;
  requested_by: string;
  recipient_name: string;
  recipient_address: string;
  purpose: string;
  information_disclosed: string;
  status: ReferralStatus;
  requested_at: Date;
  consent_decided_at: Date | null;
  disclosed_at: Date | null;
}

const COLUMNS = `id, patient_id, requested_by, recipient_name, recipient_address, purpose, information_disclosed,
  status, requested_at, consent_decided_at, disclosed_at`;

function viewOf(row: ReferralRow): ReferralView {
  return {
    id: row.id,
    patientId: row.patient_id,
    requestedBy: row.requested_by,
    recipientName: row.recipient_name,
    recipientAddress: row.recipient_address,
    purpose: row.purpose,
    informationDisclosed: row.information_disclosed,
    status: row.status,
    requestedAt: row.requested_at.toISOString(),
    consentDecidedAt: row.consent_decided_at?.toISOString() ?? null,
    disclosedAt: row.disclosed_at?.toISOString() ?? null,
  };
}

/** Who reads a patient's accounting of disclosures besides the patient. */
export const DISCLOSURE_READERS: readonly Role[] = ['compliance_officer', 'admin', ...PROVIDER_ROLES];

/**
 * A provider proposes referring the patient to a partner practice. Nothing is disclosed
 * until the patient authorises it (45 CFR 164.508): the referral waits for consent.
 */
export async function requestReferral(
  { dataSource }: ClinicalDeps,
  context: RequestContext,
  input: { patientId: string; referral: ReferralInput },
): Promise<ReferralView> {
  const caller = callerOf(context);
  requireRole(caller, PROVIDER_ROLES);
  return auditedAccess(
    dataSource,
    context,
    {
      action: 'referral.request',
      entityType: 'patient',
      entityId: input.patientId,
      createdEntityType: 'referral',
      entityIdOf: (view) => view.id,
      locatePatient: async (tx) => {
        await requirePatientInPractice(tx, input.patientId);
        return input.patientId;
      },
      careTeam: true,
    },
    async (manager) => {
      const { referral } = input;
      const rows = await manager.query<ReferralRow[]>(
        `INSERT INTO referrals (practice_id, patient_id, requested_by, recipient_name, recipient_address, purpose, information_disclosed)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${COLUMNS}`,
        [
          caller.practiceId,
          input.patientId,
          caller.userId,
          referral.recipientName,
          referral.recipientAddress,
          referral.purpose,
          referral.informationDisclosed,
        ],
      );
      const row = rows[0];
      if (row === undefined) {
        throw new Error('referral insert returned no row');
      }
      return viewOf(row);
    },
  );
}

/** The signed-in patient's referrals (pending ones await their decision). */
export async function listOwnReferrals({ dataSource }: ClinicalDeps, context: RequestContext): Promise<ReferralView[]> {
  const caller = callerOf(context);
  if (caller.role !== 'patient') {
    throw forbidden();
  }
  return withTenant(dataSource, caller.practiceId, async (manager) => {
    const rows = await manager.query<ReferralRow[]>(
      `SELECT ${COLUMNS} FROM referrals WHERE patient_id = $1 ORDER BY requested_at DESC`,
      [caller.userId],
    );
    await recordAudit(manager, caller.practiceId, context, {
      action: 'referral.read',
      entityType: 'patient',
      entityId: caller.userId,
      patientId: caller.userId,
    });
    return rows.map(viewOf);
  });
}

/**
 * The patient authorises or declines a referral. Authorising records the disclosure
 * (status `disclosed`, time of release), which then appears in the accounting.
 */
export async function decideReferral(
  { dataSource }: ClinicalDeps,
  context: RequestContext,
  input: { referralId: string; decision: 'authorize' | 'decline' },
): Promise<ReferralView> {
  const caller = callerOf(context);
  if (caller.role !== 'patient') {
    throw forbidden();
  }
  return withTenant(dataSource, caller.practiceId, async (manager) => {
    const current = await manager.query<ReferralRow[]>(`SELECT ${COLUMNS} FROM referrals WHERE id = $1 FOR UPDATE`, [
      input.referralId,
    ]);
    const row = current[0];
    if (row?.patient_id !== caller.userId) {
      throw notFound('referral_not_found', 'No such referral');
    }
    if (row.status !== 'awaiting_consent') {
      throw conflict('referral_decided', 'This referral was already decided');
    }
    const [updated] = await manager.query<[ReferralRow[], number]>(
      input.decision === 'authorize'
        ? `UPDATE referrals SET status = 'disclosed', consent_decided_at = now(), disclosed_at = now() WHERE id = $1 RETURNING ${COLUMNS}`
        : `UPDATE referrals SET status = 'declined', consent_decided_at = now() WHERE id = $1 RETURNING ${COLUMNS}`,
      [row.id],
    );
    const decided = updated[0];
    if (decided === undefined) {
      throw new Error('referral update returned no row');
    }
    await recordAudit(manager, caller.practiceId, context, {
      action: 'referral.consent',
      outcome: input.decision === 'authorize' ? 'success' : 'denied',
      entityType: 'referral',
      entityId: row.id,
      patientId: caller.userId,
    });
    return viewOf(decided);
  });
}

/** A patient's accounting of disclosures: every referral released to a partner. */
export async function accountingOfDisclosures(
  { dataSource }: ClinicalDeps,
  context: RequestContext,
  input: { patientId: string },
): Promise<DisclosureEntry[]> {
  const caller = callerOf(context);
  requirePatientAccess(caller, input.patientId, DISCLOSURE_READERS);
  return withTenant(dataSource, caller.practiceId, async (manager) => {
    await requirePatientInPractice(manager, input.patientId);
    const rows = await manager.query<ReferralRow[]>(
      `SELECT ${COLUMNS} FROM referrals WHERE patient_id = $1 AND status = 'disclosed' ORDER BY disclosed_at DESC`,
      [input.patientId],
    );
    await recordAudit(manager, caller.practiceId, context, {
      action: 'disclosure.accounting_read',
      entityType: 'patient',
      entityId: input.patientId,
      patientId: input.patientId,
    });
    return rows.map((row) => ({
      referralId: row.id,
      disclosedAt: (row.disclosed_at ?? row.requested_at).toISOString(),
      recipientName: row.recipient_name,
      recipientAddress: row.recipient_address,
      informationDisclosed: row.information_disclosed,
      purpose: row.purpose,
    }));
  });
}
