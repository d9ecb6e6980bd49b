import { randomBytes, randomUUID } from 'node:crypto';
import type { AuditAction, Role } from '@medspa/shared-types';
import type { DataSource } from 'typeorm';
import type { AuditEntry } from '../../src/audit/auditWriter.js';
import { recordAudit } from '../../src/audit/auditWriter.js';
import { withTenant } from '../../src/db/tenantTransaction.js';
import type { RequestContext } from '../../src/http/requestContext.js';
import { asOwner } from '../testDatabase.js';

/** A practice inserted by the owner (the runtime role cannot create practices). */
export async function insertPractice(ownerUrl: string): Promise<{ id: string; slug: string }> {
  const slug = `audit-${randomBytes(5).toString('hex')}`;
  const result = await asOwner(ownerUrl, (client) =>
    client.query<{ id: string }>('INSERT INTO practices (slug, name) VALUES ($1, $2) RETURNING id', [slug, `Practice ${slug}`]),
  );
  const id = result.rows[0]?.id;
  if (id === undefined) throw new Error('practice insert returned no row');
  return { id, slug };
}

/** A request context as the HTTP layer would build it for a signed-in user. */
export function contextFor(practiceId: string, role: Role = 'compliance_officer', userId = randomUUID()): RequestContext {
  return {
    requestId: `req-${randomBytes(6).toString('hex')}`,
    ip: '203.0.113.7',
    userAgent: 'jest-audit/1.0',
    auth: { userId, practiceId, role, sessionId: randomUUID() },
  };
}

const ACTIONS: AuditAction[] = ['patient.read', 'user.read', 'auth.login', 'appointment.read'];

/** Appends `count` varied events, `perTransaction` at a time, through the real writer. */
export async function appendEvents(
  dataSource: DataSource,
  practiceId: string,
  count: number,
  perTransaction = 50,
  entry: (index: number) => Partial<AuditEntry> = () => ({}),
): Promise<void> {
  const context = contextFor(practiceId, 'injector');
  for (let start = 0; start < count; start += perTransaction) {
    await withTenant(dataSource, practiceId, async (manager) => {
      for (let i = start; i < Math.min(count, start + perTransaction); i += 1) {
        await recordAudit(manager, practiceId, context, {
          action: ACTIONS[i % ACTIONS.length] ?? 'patient.read',
          entityType: 'patient',
          entityId: randomUUID(),
          patientId: i % 3 === 0 ? randomUUID() : null,
          outcome: i % 7 === 0 ? 'denied' : 'success',
          ...entry(i),
        });
      }
    });
  }
}
