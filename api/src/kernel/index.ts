/**
 * The access kernel: who is calling (`callerOf`), the care-team rule (`requireCareTeam`)
 * and the one audited-access helper (`auditedAccess`). Layer rule (docs/house-rules.md):
 * route -> use case (owns transaction and audit, through this kernel) -> store (SQL).
 */
export type { Caller } from './caller.js';
export { callerOf } from './caller.js';
export type { CareTeamBasis } from './careTeam.js';
export type { CareTeamOptions } from './careTeam.js';
export { BREAK_GLASS_MINUTES, CARE_TEAM_LOOKBACK_MONTHS, requireCareTeam } from './careTeam.js';
export type { AccessFacts, AccessSpec, RefusalSpec } from './auditedAccess.js';
export { auditedAccess, withRefusalAudit } from './auditedAccess.js';
