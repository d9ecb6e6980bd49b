import { toFhirAuditEvent } from './fhirAuditEvent.js';
import type { AuditRowView } from './fhirAuditEvent.js';

const PRACTICE = '6f1c2d9e-0b7a-4c1e-9a53-2f4d8e7b1c60';

const base: AuditRowView = {
  id: '0d0c1f0e-4b7a-4c1e-9a53-2f4d8e7b1c61',
  seq: '42',
  occurredAt: '2026-11-23T01:02:03.456Z',
  actorUserId: '1a2b3c4d-0000-4000-8000-000000000001',
  actorRole: 'injector',
  action: 'patient.read',
  entityType: 'patient',
  entityId: 'a0000000-0000-4000-8000-000000000002',
  patientId: 'a0000000-0000-4000-8000-000000000002',
  outcome: 'success',
  ip: '203.0.113.9',
  userAgent: 'Mozilla/5.0 "quoted" \\ back\nslash',
  requestId: 'req-1',
  metadata: null,
  prevHash: '0'.repeat(64),
  hash: 'f'.repeat(64),
};

const variants: AuditRowView[] = [
  base,
  { ...base, outcome: 'denied', action: 'auth.login_failed', actorUserId: null, actorRole: null },
  { ...base, action: 'audit.export', entityType: 'audit_export', metadata: { format: 'csv', rows: 3, intact: true, none: null } },
  { ...base, action: 'some.future_action', entityId: null, patientId: null, ip: null, userAgent: null, requestId: null },
  { ...base, action: 'appointment.book', outcome: 'failure', entityType: null, metadata: { note: 'ünïcödé \u2028' } },
];

describe('FHIR R4 AuditEvent mapping', () => {
  it('maps codes per https://hl7.org/fhir/R4/auditevent.html', () => {
    expect(toFhirAuditEvent(base, PRACTICE)).toMatchObject({
      resourceType: 'AuditEvent',
      type: { system: 'http://dicom.nema.org/resources/ontology/DCM', code: '110110' },
      action: 'R',
      outcome: '0',
      recorded: base.occurredAt,
      agent: [{ requestor: true, network: { address: '203.0.113.9', type: '2' } }],
      source: { site: PRACTICE, type: [{ code: '4' }] },
    });
    expect(toFhirAuditEvent(variants[1] ?? base, PRACTICE)).toMatchObject({
      type: { code: '110114', display: 'User Authentication' },
      subtype: [{ code: 'auth.login_failed' }, { code: '110122', display: 'Login' }],
      action: 'E',
      outcome: '4',
      outcomeDesc: 'denied',
    });
    expect(toFhirAuditEvent(variants[2] ?? base, PRACTICE)).toMatchObject({
      type: { code: '110106', display: 'Export' },
      action: 'R',
      entity: [{ detail: [{ type: 'format', valueString: 'csv' }, { type: 'rows', valueString: '3' }, { type: 'intact', valueString: 'true' }, { type: 'none', valueString: 'null' }] }, { role: { code: '1' } }],
    });
    expect(toFhirAuditEvent(variants[3] ?? base, PRACTICE)).toMatchObject({
      type: { system: 'http://terminology.hl7.org/CodeSystem/audit-event-type', code: 'rest' },
      action: 'E',
    });
    expect(toFhirAuditEvent(variants[3] ?? base, PRACTICE)).not.toHaveProperty('entity');
    expect(toFhirAuditEvent(variants[4] ?? base, PRACTICE)).toMatchObject({ action: 'C', outcome: '4', outcomeDesc: 'failure' });
  });
});
