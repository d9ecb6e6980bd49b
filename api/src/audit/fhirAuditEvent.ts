/**
 * Mapping of one audit row to a FHIR R4 AuditEvent resource
 * (https://hl7.org/fhir/R4/auditevent.html). Terminology used:
 * - type: DICOM audit event IDs (http://dicom.nema.org/resources/ontology/DCM, PS3.16
 *   CID 400) where one fits, else "rest" from http://terminology.hl7.org/CodeSystem/audit-event-type;
 * - subtype: our own action name (plus DCM 110122 Login / 110123 Logout for sign-in events);
 * - action: http://hl7.org/fhir/audit-event-action (C R U D E);
 * - outcome: http://hl7.org/fhir/audit-event-outcome (0 success, 4 minor failure);
 * - agent.network.type: http://hl7.org/fhir/network-type (2 = IP address);
 * - source.type: http://terminology.hl7.org/CodeSystem/security-source-type (4 = application server);
 * - entity.type: http://terminology.hl7.org/CodeSystem/audit-entity-type (1 person, 2 system object);
 * - entity.role: http://terminology.hl7.org/CodeSystem/object-role (1 = patient).
 */

/** Base of the identifier systems and extension URLs this deployment defines. */
export const FHIR_SYSTEM_BASE = 'urn:medspa-telehealth';

const DCM = 'http://dicom.nema.org/resources/ontology/DCM';
const AUDIT_EVENT_TYPE = 'http://terminology.hl7.org/CodeSystem/audit-event-type';

interface Coding {
  system: string;
  code: string;
  display?: string;
}

const TYPE_AUTHENTICATION: Coding = { system: DCM, code: '110114', display: 'User Authentication' };
const TYPE_PATIENT_RECORD: Coding = { system: DCM, code: '110110', display: 'Patient Record' };
const TYPE_EXPORT: Coding = { system: DCM, code: '110106', display: 'Export' };
const TYPE_QUERY: Coding = { system: DCM, code: '110112', display: 'Query' };
const TYPE_REST: Coding = { system: AUDIT_EVENT_TYPE, code: 'rest', display: 'RESTful Operation' };

const SUBTYPE_DICOM: Readonly<Record<string, Coding>> = {
  'auth.login': { system: DCM, code: '110122', display: 'Login' },
  'auth.login_failed': { system: DCM, code: '110122', display: 'Login' },
  'auth.logout': { system: DCM, code: '110123', display: 'Logout' },
  'auth.idle_timeout': { system: DCM, code: '110123', display: 'Logout' },
};

/** Areas whose events are accesses to a patient's record. */
const PATIENT_RECORD_AREAS = new Set(['patient', 'appointment', 'consent', 'note', 'photo', 'gfe', 'intake', 'disclosure']);

function eventType(action: string): Coding {
  const [area = '', verb = ''] = action.split('.', 2);
  if (area === 'auth') return TYPE_AUTHENTICATION;
  if (verb === 'export') return TYPE_EXPORT;
  if (verb === 'search' || verb === 'list') return TYPE_QUERY;
  if (PATIENT_RECORD_AREAS.has(area)) return TYPE_PATIENT_RECORD;
  return TYPE_REST;
}

const CREATE_VERBS = new Set(['create', 'book', 'sign', 'upload', 'add', 'enrol', 'mfa_enrolled']);
const READ_VERBS = new Set(['read', 'view', 'export', 'download']);
const UPDATE_VERBS = new Set(['update', 'reschedule', 'cancel', 'check_in', 'lock', 'amend']);
const DELETE_VERBS = new Set(['delete', 'remove']);

/** C/R/U/D by the action's verb; everything else (log-in, search, join, verify) is E, "execute". */
function eventAction(action: string): 'C' | 'R' | 'U' | 'D' | 'E' {
  const verb = action.slice(action.indexOf('.') + 1);
  if (CREATE_VERBS.has(verb)) return 'C';
  if (READ_VERBS.has(verb)) return 'R';
  if (UPDATE_VERBS.has(verb)) return 'U';
  if (DELETE_VERBS.has(verb)) return 'D';
  return 'E';
}

/** An audit row with its columns decoded; metadata already parsed. */
export interface AuditRowView {
  id: string;
  seq: string;
  occurredAt: string;
  actorUserId: string | null;
  actorRole: string | null;
  action: string;
  entityType: string | null;
  entityId: string | null;
  patientId: string | null;
  outcome: string;
  ip: string | null;
  userAgent: string | null;
  requestId: string | null;
  metadata: Record<string, unknown> | null;
  prevHash: string;
  hash: string;
}

function identifier(kind: string, value: string): { system: string; value: string } {
  return { system: `${FHIR_SYSTEM_BASE}:${kind}`, value };
}

function extension(name: string, value: string): { url: string; valueString: string } {
  return { url: `${FHIR_SYSTEM_BASE}:fhir:${name}`, valueString: value };
}

/** Builds the AuditEvent resource; `practiceId` is the tenant the export is scoped to. */
export function toFhirAuditEvent(row: AuditRowView, practiceId: string): Record<string, unknown> {
  const subtype: Coding[] = [{ system: `${FHIR_SYSTEM_BASE}:audit-action`, code: row.action }];
  const dicomSubtype = SUBTYPE_DICOM[row.action];
  if (dicomSubtype !== undefined) subtype.push(dicomSubtype);

  const agent: Record<string, unknown> = { requestor: true };
  if (row.actorRole !== null) {
    agent.role = [{ coding: [{ system: `${FHIR_SYSTEM_BASE}:role`, code: row.actorRole }] }];
  }
  if (row.actorUserId !== null) agent.who = { identifier: identifier('user', row.actorUserId) };
  if (row.ip !== null) agent.network = { address: row.ip, type: '2' };
  if (row.userAgent !== null) agent.extension = [extension('user-agent', row.userAgent)];

  const entity: Record<string, unknown>[] = [];
  const details = row.metadata === null ? [] : detailEntries(row.metadata);
  if (row.entityId !== null || details.length > 0) {
    const item: Record<string, unknown> = {
      type: { system: 'http://terminology.hl7.org/CodeSystem/audit-entity-type', code: '2', display: 'System Object' },
    };
    if (row.entityId !== null) item.what = { identifier: identifier(row.entityType ?? 'entity', row.entityId) };
    if (details.length > 0) {
      item.detail = details.map(([type, valueString]) => ({ type, valueString }));
    }
    entity.push(item);
  }
  if (row.patientId !== null) {
    entity.push({
      what: { identifier: identifier('patient', row.patientId) },
      type: { system: 'http://terminology.hl7.org/CodeSystem/audit-entity-type', code: '1', display: 'Person' },
      role: { system: 'http://terminology.hl7.org/CodeSystem/object-role', code: '1', display: 'Patient' },
    });
  }

  const chainExtensions = [extension('audit-seq', row.seq), extension('prev-hash', row.prevHash), extension('hash', row.hash)];
  if (row.requestId !== null) chainExtensions.push(extension('request-id', row.requestId));

  return {
    resourceType: 'AuditEvent',
    id: row.id,
    extension: chainExtensions,
    type: eventType(row.action),
    subtype,
    action: eventAction(row.action),
    recorded: row.occurredAt,
    outcome: row.outcome === 'success' ? '0' : '4',
    ...(row.outcome === 'success' ? {} : { outcomeDesc: row.outcome }),
    agent: [agent],
    source: {
      site: practiceId,
      observer: { display: 'medspa-telehealth api' },
      type: [{ system: 'http://terminology.hl7.org/CodeSystem/security-source-type', code: '4', display: 'Application Server' }],
    },
    ...(entity.length > 0 ? { entity } : {}),
  };
}

// ---- Fragments for the streaming writer ---------------------------------------------------
// Exports write millions of resources. Building each as objects and calling JSON.stringify
// dominated the export's CPU time, so fhirEntryWriter.ts writes the same JSON text directly
// from these fragments, computed once per action, role or entity kind. It must produce
// exactly JSON.stringify(toFhirAuditEvent(row, practiceId)); exportEquivalence.test.ts
// (api/test/audit) checks that.

const json = JSON.stringify;
/** @internal Shared with the streaming writer in fhirEntryWriter.ts. */
export const ENTITY_TYPE_SYSTEM_OBJECT = json({
  system: 'http://terminology.hl7.org/CodeSystem/audit-entity-type',
  code: '2',
  display: 'System Object',
});
/** @internal Shared with fhirEntryWriter.ts. */
export const PATIENT_ENTITY_TAIL = `,"type":${json({ system: 'http://terminology.hl7.org/CodeSystem/audit-entity-type', code: '1', display: 'Person' })},"role":${json({ system: 'http://terminology.hl7.org/CodeSystem/object-role', code: '1', display: 'Patient' })}}`;
/** @internal Shared with fhirEntryWriter.ts. */
export const SOURCE_TAIL = `,"observer":{"display":"medspa-telehealth api"},"type":[${json({ system: 'http://terminology.hl7.org/CodeSystem/security-source-type', code: '4', display: 'Application Server' })}]}`;

const actionFragments = new Map<string, string>();
const roleFragments = new Map<string, string>();

/** `"type":…,"subtype":[…],"action":"R"` for an action (a handful of distinct values). */
export function actionFragment(action: string): string {
  let fragment = actionFragments.get(action);
  if (fragment === undefined) {
    const subtype: Coding[] = [{ system: `${FHIR_SYSTEM_BASE}:audit-action`, code: action }];
    const dicomSubtype = SUBTYPE_DICOM[action];
    if (dicomSubtype !== undefined) subtype.push(dicomSubtype);
    fragment = `"type":${json(eventType(action))},"subtype":${json(subtype)},"action":"${eventAction(action)}"`;
    if (actionFragments.size < 1_000) actionFragments.set(action, fragment);
  }
  return fragment;
}

/** `,"role":[…]` of the agent for a role (a handful of distinct values). */
export function roleFragment(role: string): string {
  let fragment = roleFragments.get(role);
  if (fragment === undefined) {
    fragment = `,"role":${json([{ coding: [{ system: `${FHIR_SYSTEM_BASE}:role`, code: role }] }])}`;
    if (roleFragments.size < 1_000) roleFragments.set(role, fragment);
  }
  return fragment;
}

const identifierSystems = new Map<string, string>();

/** JSON string of the identifier system for a kind of entity (user, patient, entity types). */
export function identifierSystemJson(kind: string): string {
  let system = identifierSystems.get(kind);
  if (system === undefined) {
    system = json(`${FHIR_SYSTEM_BASE}:${kind}`);
    if (identifierSystems.size < 1_000) identifierSystems.set(kind, system);
  }
  return system;
}

/**
 * The metadata entries as AuditEvent.entity.detail `[type, valueString]` pairs: strings as
 * they are, other values as their JSON text. FHIR R4 allows neither an empty string nor an
 * empty array, so entries with an empty key or value are left out (and `{}` gives none).
 */
export function detailEntries(metadata: Record<string, unknown>): [type: string, valueString: string][] {
  const entries: [string, string][] = [];
  for (const [type, value] of Object.entries(metadata)) {
    const valueString = typeof value === 'string' ? value : JSON.stringify(value);
    if (type !== '' && valueString !== '') entries.push([type, valueString]);
  }
  return entries;
}

/** `[{"type":…,"valueString":…},…]`, or null when the metadata has no detail to show. */
export function detailJson(metadata: Record<string, unknown>): string | null {
  const details = detailEntries(metadata).map(([type, value]) => `{"type":${json(type)},"valueString":${json(value)}}`);
  return details.length === 0 ? null : `[${details.join(',')}]`;
}
