import type { DataSource } from 'typeorm';
import { withTenant } from '../../db/tenantTransaction.js';
import type { RequestContext } from '../../http/requestContext.js';
import { callerOf } from '../../kernel/index.js';

/** The funnel's steps, in order. */
export const KPIS = ['leads', 'appointments', 'patients_acquired'] as const;
export type Kpi = (typeof KPIS)[number];

/** Who answers for a KPI (docs/product.md "Practice admin / front desk": marketing, front desk or provider). */
export const KPI_OWNER_ROLES = ['marketing', 'front_desk', 'provider'] as const;
export type KpiOwnerRole = (typeof KPI_OWNER_ROLES)[number];

/** Owners until a practice assigns its own. */
export const DEFAULT_KPI_OWNERS: Record<Kpi, KpiOwnerRole> = {
  leads: 'marketing',
  appointments: 'front_desk',
  patients_acquired: 'provider',
};

/** What each KPI counts, shown beside the figures so nobody has to guess. */
export const KPI_DEFINITIONS: Record<Kpi, string> = {
  leads: 'Consult requests: virtual consults booked during the week (any later outcome).',
  appointments: 'GFE and treatment appointments booked during the week and not cancelled.',
  patients_acquired: 'Patients whose first completed treatment took place during the week.',
};

export interface FunnelWeek {
  /** ISO 8601 week, e.g. 2026-W47, in the practice's time zone. */
  isoWeek: string;
  /** Monday of that week (practice time zone). */
  weekStart: string;
  leads: number;
  appointments: number;
  patientsAcquired: number;
}

export interface Funnel {
  timeZone: string;
  weeks: FunnelWeek[];
  kpis: { kpi: Kpi; ownerRole: KpiOwnerRole; definition: string }[];
}

/**
 * The practice's acquisition funnel per ISO week, newest week last. Counts only: no
 * patient, provider or appointment identifiers leave the query, so the figures carry no
 * PHI and reading them is not a record access.
 */
export async function funnel(dataSource: DataSource, context: RequestContext, input: { weeks: number }): Promise<Funnel> {
  const caller = callerOf(context);
  return withTenant(dataSource, caller.practiceId, async (manager) => {
    const zoneRows = await manager.query<{ time_zone: string }[]>(`SELECT time_zone FROM practices WHERE id = $1`, [
      caller.practiceId,
    ]);
    const timeZone = zoneRows[0]?.time_zone ?? 'UTC';
    // date_trunc('week') starts weeks on Monday, as ISO 8601 does; local time first so a
    // Sunday-evening booking counts in the practice's own week.
    const rows = await manager.query<
      { week_start: string; iso_week: string; leads: string; appointments: string; patients_acquired: string }[]
    >(
      `WITH weeks AS (
         SELECT generate_series(
           date_trunc('week', now() AT TIME ZONE $1) - ($2::int - 1) * interval '1 week',
           date_trunc('week', now() AT TIME ZONE $1),
           interval '1 week') AS week_start
       ),
       leads AS (
         SELECT date_trunc('week', created_at AT TIME ZONE $1) AS week_start, count(*) AS n
         FROM appointments WHERE kind = 'virtual_consult' GROUP BY 1
       ),
       booked AS (
         SELECT date_trunc('week', created_at AT TIME ZONE $1) AS week_start, count(*) AS n
         FROM appointments WHERE kind IN ('gfe', 'treatment') AND status <> 'cancelled' GROUP BY 1
       ),
       first_treatments AS (
         SELECT patient_id, min(starts_at) AS first_at
         FROM appointments WHERE kind = 'treatment' AND status = 'completed' GROUP BY patient_id
       ),
       acquired AS (
         SELECT date_trunc('week', first_at AT TIME ZONE $1) AS week_start, count(*) AS n
         FROM first_treatments GROUP BY 1
       )
       SELECT to_char(w.week_start, 'YYYY-MM-DD') AS week_start, to_char(w.week_start, 'IYYY-"W"IW') AS iso_week,
              coalesce(l.n, 0) AS leads, coalesce(b.n, 0) AS appointments, coalesce(a.n, 0) AS patients_acquired
       FROM weeks w
       LEFT JOIN leads l ON l.week_start = w.week_start
       LEFT JOIN booked b ON b.week_start = w.week_start
       LEFT JOIN acquired a ON a.week_start = w.week_start
       ORDER BY w.week_start`,
      [timeZone, input.weeks],
    );
    const owners = await manager.query<{ kpi: Kpi; owner_role: KpiOwnerRole }[]>(`SELECT kpi, owner_role FROM kpi_owners`);
    const ownerOf = new Map(owners.map((owner) => [owner.kpi, owner.owner_role]));
    return {
      timeZone,
      weeks: rows.map((row) => ({
        isoWeek: row.iso_week,
        weekStart: row.week_start,
        leads: Number(row.leads),
        appointments: Number(row.appointments),
        patientsAcquired: Number(row.patients_acquired),
      })),
      kpis: KPIS.map((kpi) => ({ kpi, ownerRole: ownerOf.get(kpi) ?? DEFAULT_KPI_OWNERS[kpi], definition: KPI_DEFINITIONS[kpi] })),
    };
  });
}

/** Assigns the role that answers for a KPI in the caller's practice. */
export async function setKpiOwner(
  dataSource: DataSource,
  context: RequestContext,
  input: { kpi: Kpi; ownerRole: KpiOwnerRole },
): Promise<{ kpi: Kpi; ownerRole: KpiOwnerRole }> {
  const caller = callerOf(context);
  await withTenant(dataSource, caller.practiceId, (manager) =>
    manager.query(
      `INSERT INTO kpi_owners (practice_id, kpi, owner_role) VALUES ($1, $2, $3)
       ON CONFLICT (practice_id, kpi) DO UPDATE SET owner_role = EXCLUDED.owner_role, updated_at = now()`,
      [caller.practiceId, input.kpi, input.ownerRole],
    ),
  );
  return input;
}
