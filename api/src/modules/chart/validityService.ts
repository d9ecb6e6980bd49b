import { z } from 'zod';
import { badRequest, forbidden } from '../../errors.js';
import type { RequestContext } from '../../http/requestContext.js';
import { auditedAccess } from '../../kernel/index.js';
import type { GfeValidityRule } from '../gfe/gfeValidity.js';
import { DEFAULT_STATE, listValidityRules } from '../gfe/gfeValidity.js';
import type { ClinicalDeps } from '../records/clinicalAccess.js';

/** Path segment of the practice default rule (`*` in the table). */
export const DEFAULT_RULE_KEY = 'default';

export const validityBodySchema = z.discriminatedUnion('mode', [
  z.strictObject({ mode: z.literal('months'), months: z.int().min(1).max(60) }),
  z.strictObject({ mode: z.literal('every_treatment') }),
]);
export type ValidityBody = z.infer<typeof validityBodySchema>;

function stateKey(state: string): string {
  return state === DEFAULT_RULE_KEY ? DEFAULT_STATE : state;
}

const noPatient = (): Promise<null> => Promise.resolve(null);

/** The practice's Good Faith Exam validity rules (audited read). */
export async function readValidityRules(deps: ClinicalDeps, context: RequestContext): Promise<GfeValidityRule[]> {
  return auditedAccess(
    deps.dataSource,
    context,
    { action: 'gfe_validity.read', entityType: 'gfe_validity_rule', locatePatient: noPatient, careTeam: false },
    (tx) => listValidityRules(tx),
  );
}

/** Sets the rule for a state or the practice default (medical director). */
export async function saveValidityRule(
  deps: ClinicalDeps,
  context: RequestContext,
  input: { state: string; rule: ValidityBody },
): Promise<GfeValidityRule[]> {
  return auditedAccess(
    deps.dataSource,
    context,
    {
      action: 'gfe_validity.write',
      entityType: 'gfe_validity_rule',
      entityId: input.state,
      locatePatient: noPatient,
      careTeam: false,
      metadataOf: () => ({ state: input.state, mode: input.rule.mode, months: input.rule.mode === 'months' ? input.rule.months : null }),
    },
    async (tx, { caller }) => {
      if (caller.role !== 'medical_director') throw forbidden('medical_director_only', 'Only a medical director sets exam validity');
      await tx.query(
        `INSERT INTO gfe_validity_rules (practice_id, state, mode, months, updated_by) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (practice_id, state) DO UPDATE SET mode = $3, months = $4, updated_by = $5, updated_at = now()`,
        [caller.practiceId, stateKey(input.state), input.rule.mode, input.rule.mode === 'months' ? input.rule.months : null, caller.userId],
      );
      return listValidityRules(tx);
    },
  );
}

/** Removes a state's own rule: the practice default applies there again. */
export async function removeValidityRule(
  deps: ClinicalDeps,
  context: RequestContext,
  input: { state: string },
): Promise<GfeValidityRule[]> {
  return auditedAccess(
    deps.dataSource,
    context,
    {
      action: 'gfe_validity.write',
      entityType: 'gfe_validity_rule',
      entityId: input.state,
      locatePatient: noPatient,
      careTeam: false,
      metadataOf: () => ({ state: input.state, removed: true }),
    },
    async (tx, { caller }) => {
      if (caller.role !== 'medical_director') throw forbidden('medical_director_only', 'Only a medical director sets exam validity');
      if (input.state === DEFAULT_RULE_KEY) throw badRequest('default_rule_kept', 'Change the practice default instead of removing it');
      await tx.query(`DELETE FROM gfe_validity_rules WHERE state = $1`, [input.state]);
      return listValidityRules(tx);
    },
  );
}
