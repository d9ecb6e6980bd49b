import type { DataSource } from 'typeorm';
import { recordAudit } from '../../audit/auditWriter.js';
import { verifyPracticeChain } from '../../audit/chainVerifier.js';
import type { ChainVerification } from '../../audit/chainVerifier.js';
import { poolOf } from '../../audit/exportStream.js';
import { withTenant } from '../../db/tenantTransaction.js';
import type { RequestContext } from '../../http/requestContext.js';
import { callerOf } from '../../kernel/index.js';

/**
 * Verifies the caller's practice chain, then appends an audit.verify event carrying the
 * result. The verification reads a REPEATABLE READ snapshot on its own connection (it must
 * not hold the chain head lock while it walks every event); the result, which names at
 * most one event id and no PHI, is only returned once its audit event has committed.
 */
export async function verifyAuditChain(
  dataSource: DataSource,
  context: RequestContext,
): Promise<Pick<ChainVerification, 'ok' | 'checkedCount' | 'firstBroken' | 'tree'>> {
  const { practiceId } = callerOf(context);
  const client = await poolOf(dataSource).connect();
  let result: ChainVerification;
  try {
    result = await verifyPracticeChain(client, practiceId);
    client.release();
  } catch (error) {
    client.release(error as Error);
    throw error;
  }
  await withTenant(dataSource, practiceId, (manager) =>
    recordAudit(manager, practiceId, context, {
      action: 'audit.verify',
      outcome: 'success',
      metadata: {
        intact: result.ok,
        checkedCount: result.checkedCount,
        brokenSeq: result.firstBroken?.seq ?? null,
        brokenEventId: result.firstBroken?.eventId ?? null,
        reason: result.firstBroken?.reason ?? null,
      },
    }),
  );
  const { ok, checkedCount, firstBroken, tree } = result;
  return firstBroken === undefined ? { ok, checkedCount, tree } : { ok, checkedCount, firstBroken, tree };
}
