import type { EntityManager } from 'typeorm';

/**
 * How long a Good Faith Exam clearance holds, set by the medical director per practice
 * and state (state rules, e.g. some boards require an exam before every treatment).
 * `*` is the practice default; without any rule the exam's own "valid for" days apply.
 */
export type GfeValidity = { mode: 'months'; months: number } | { mode: 'every_treatment' };

/** The practice default's key in gfe_validity_rules. */
export const DEFAULT_STATE = '*';

export interface GfeValidityRule {
  /** Two-letter state, or null for the practice default. */
  state: string | null;
  validity: GfeValidity;
  updatedAt: string;
}

interface RuleRow {
  state: string;
  mode: 'months' | 'every_treatment';
  months: number | null;
  updated_at: Date;
}

function validityOf(row: RuleRow): GfeValidity {
  return row.mode === 'months' && row.months !== null ? { mode: 'months', months: row.months } : { mode: 'every_treatment' };
}

/** Every rule of the current tenant, default first. */
export async function listValidityRules(manager: EntityManager): Promise<GfeValidityRule[]> {
  const rows = await manager.query<RuleRow[]>(
    `SELECT state, mode, months, updated_at FROM gfe_validity_rules ORDER BY (state = '*') DESC, state`,
  );
  return rows.map((row) => ({
    state: row.state === DEFAULT_STATE ? null : row.state,
    validity: validityOf(row),
    updatedAt: row.updated_at.toISOString(),
  }));
}

/** The rule for a patient located in `state` (its own, else the default), or null. */
export async function validityFor(manager: EntityManager, state: string | null): Promise<GfeValidity | null> {
  const rows = await manager.query<RuleRow[]>(
    `SELECT state, mode, months, updated_at FROM gfe_validity_rules WHERE state = $1 OR state = '*'
     ORDER BY (state = '*') LIMIT 1`,
    [state ?? DEFAULT_STATE],
  );
  const row = rows[0];
  return row === undefined ? null : validityOf(row);
}

/** A clearance of record as the validity rule sees it. */
export interface ClearanceFacts {
  patientId: string;
  serviceCode: string;
  decidedAt: Date;
  /** The exam's own expiry (its "valid for" days). */
  expiresAt: Date | null;
}

/** What a clearance is worth under the rule in force. */
export interface EffectiveClearance {
  /** When it lapses by date (null: it lapses by use, or never set). */
  expiresAt: Date | null;
  /** True when the rule wants a new exam before every treatment. */
  everyTreatment: boolean;
  /** True when a treatment of this service already used it (every-treatment rule). */
  used: boolean;
}

const MONTH_SQL = `make_interval(months => $1)`;

/** Applies the practice rule for `state` to one clearance (tenant transaction). */
export async function effectiveClearance(
  manager: EntityManager,
  clearance: ClearanceFacts,
  state: string | null,
): Promise<EffectiveClearance> {
  const validity = await validityFor(manager, state);
  if (validity === null) return { expiresAt: clearance.expiresAt, everyTreatment: false, used: false };
  if (validity.mode === 'months') {
    const rows = await manager.query<{ at: Date }[]>(`SELECT ($2::timestamptz + ${MONTH_SQL}) AS at`, [
      validity.months,
      clearance.decidedAt,
    ]);
    return { expiresAt: rows[0]?.at ?? null, everyTreatment: false, used: false };
  }
  const used = await manager.query<unknown[]>(
    `SELECT 1 FROM treatment_records WHERE patient_id = $1 AND service_code = $2 AND treated_at >= $3 LIMIT 1`,
    [clearance.patientId, clearance.serviceCode, clearance.decidedAt],
  );
  return { expiresAt: null, everyTreatment: true, used: used.length > 0 };
}

/** Whether an effective clearance still holds at `at`. */
export function clearanceHolds(clearance: EffectiveClearance, at: Date): boolean {
  if (clearance.everyTreatment) return !clearance.used;
  return clearance.expiresAt !== null && clearance.expiresAt > at;
}
