import { AUDIT_COLUMNS as C } from './auditRowQuery.js';
import type { CopyRow } from './copyRows.js';
import { byteStringOf, copyFieldText, jsonStringOfBytes } from './copyRows.js';
import {
  ENTITY_TYPE_SYSTEM_OBJECT,
  FHIR_SYSTEM_BASE,
  PATIENT_ENTITY_TAIL,
  SOURCE_TAIL,
  actionFragment,
  detailJson,
  identifierSystemJson,
  roleFragment,
} from './fhirAuditEvent.js';
import { flatJsonbMembers } from './flatJsonbMetadata.js';

// Writes the Bundle entries of the FHIR export straight from COPY rows, as byte strings
// (copyRows.ts): exactly the JSON text of
// `{"fullUrl":"urn:uuid:<id>","resource":JSON.stringify(toFhirAuditEvent(row))}`
// (api/test/audit/exportEquivalence.test.ts compares the two), without a row object, a
// decoded column string or JSON.parse per row. Constant runs are merged into as few
// fragments as possible; per-action, per-role and per-entity-kind fragments are cached.

const ext = (name: string): string => `{"url":"${FHIR_SYSTEM_BASE}:fhir:${name}","valueString":`;

const ENTRY_START = '{"fullUrl":"urn:uuid:';
const RESOURCE_START = '","resource":{"resourceType":"AuditEvent","id":"';
const SEQ_START = `","extension":[${ext('audit-seq')}"`;
const PREV_HASH_START = `"},${ext('prev-hash')}"`;
const HASH_START = `"},${ext('hash')}"`;
const REQUEST_ID_START = `"},${ext('request-id')}`;
const NO_REQUEST_ID = '"}';
const AGENT_START = ',"agent":[{"requestor":true';
const OUTCOME_SUCCESS_AGENT_START = `","outcome":"0"${AGENT_START}`;
const OUTCOME_FAILURE_START = '","outcome":"4","outcomeDesc":';
const WHO_START = `,"who":{"identifier":{"system":${identifierSystemJson('user')},"value":"`;
const NETWORK_START = ',"network":{"address":';
const USER_AGENT_START = `,"extension":[${ext('user-agent')}`;
const ENTITY_START = `,"entity":[{"type":${ENTITY_TYPE_SYSTEM_OBJECT}`;
const PATIENT_START = `{"what":{"identifier":{"system":${identifierSystemJson('patient')},"value":"`;
const PATIENT_TAIL = `"}}${PATIENT_ENTITY_TAIL}`;

/** From the end of the extensions to the opening quote of `recorded`, for an action. */
function actionSegment(action: string): string {
  return `],${actionFragment(action)},"recorded":"`;
}

/** An entity's `what` up to its identifier value, for a kind of entity. */
function whatSegment(kind: string): string {
  return `,"what":{"identifier":{"system":${identifierSystemJson(kind)},"value":`;
}

/**
 * AuditEvent.entity.detail for the metadata as PostgreSQL printed it: in printed order
 * (JSON.parse keeps it for identifier keys), strings as they are, other values as their
 * JSON text in a string. Other shapes go through JSON.parse; a JSON null or an object with
 * nothing to show is no detail.
 */
function detailOf(printed: string): string | null {
  const members = flatJsonbMembers(printed);
  if (members !== null) {
    // Empty strings are left out as in detailEntries (FHIR R4 has no empty string or array).
    const details = members
      .filter(([, value]) => value !== '""')
      .map(([key, value]) => `{"type":"${key}","valueString":${value.startsWith('"') ? value : `"${value}"`}}`);
    return details.length === 0 ? null : `[${details.join(',')}]`;
  }
  const parsed = JSON.parse(Buffer.from(printed, 'latin1').toString('utf8')) as Record<string, unknown> | null;
  const detail = parsed === null ? null : detailJson(parsed);
  return detail === null ? null : byteStringOf(detail);
}

/** Cache of byte-string fragments keyed by a column's raw COPY text (a handful of distinct values). */
class FragmentCache {
  readonly #fragments = new Map<string, string>();

  constructor(
    private readonly fragment: (text: string) => string,
    private readonly whenNull: string,
  ) {}

  /** The fragments made so far, by raw column text. */
  get fragments(): ReadonlyMap<string, string> {
    return this.#fragments;
  }

  of(raw: string): string {
    let bytes = this.#fragments.get(raw);
    if (bytes === undefined) {
      bytes = byteStringOf(this.fragment(copyFieldText(raw) ?? this.whenNull));
      if (this.#fragments.size < 1_000) this.#fragments.set(raw, bytes);
    }
    return bytes;
  }
}

/** Writes Bundle.entry elements of one export (one per audit row). */
export class FhirEntryWriter {
  readonly #site: string;
  readonly #actions = new FragmentCache(actionSegment, '');
  readonly #roles = new FragmentCache(roleFragment, '');
  readonly #entityKinds = new FragmentCache(whatSegment, 'entity');

  constructor(practiceId: string) {
    this.#site = byteStringOf(`}],"source":{"site":"${practiceId}"${SOURCE_TAIL}`);
  }

  /**
   * The constant runs of an entry, in the order the native writer (api/native/fhir_entries.c,
   * fhirNativeEntries.ts) takes them, as byte strings.
   */
  pieces(): readonly string[] {
    return [
      ENTRY_START, RESOURCE_START, SEQ_START, PREV_HASH_START, HASH_START, REQUEST_ID_START, NO_REQUEST_ID,
      OUTCOME_SUCCESS_AGENT_START, OUTCOME_FAILURE_START, AGENT_START, WHO_START, NETWORK_START, USER_AGENT_START,
      this.#site, ENTITY_START, PATIENT_START, PATIENT_TAIL,
    ];
  }

  /** The per-value fragments made so far (actions, roles, entity kinds), in that order. */
  fragmentTables(): readonly [ReadonlyMap<string, string>, ReadonlyMap<string, string>, ReadonlyMap<string, string>] {
    return [this.#actions.fragments, this.#roles.fragments, this.#entityKinds.fragments];
  }

  /** The entry for one row, as a byte string. */
  entry(r: CopyRow): string {
    const id = r.raw(C.id);
    let out = `${ENTRY_START}${id}${RESOURCE_START}${id}${SEQ_START}${r.raw(C.seq)}${PREV_HASH_START}${r.raw(C.prevHash)}${HASH_START}${r.raw(C.hash)}`;
    out += r.isNull(C.requestId) ? NO_REQUEST_ID : `${REQUEST_ID_START}${r.jsonValue(C.requestId)}}`;
    out += this.#actions.of(r.raw(C.action)) + r.raw(C.occurredAt);
    const outcome = r.raw(C.outcome);
    out += outcome === 'success' ? OUTCOME_SUCCESS_AGENT_START : `${OUTCOME_FAILURE_START}${jsonStringOfBytes(outcome)}${AGENT_START}`;
    if (!r.isNull(C.actorRole)) out += this.#roles.of(r.raw(C.actorRole));
    if (!r.isNull(C.actorUserId)) out += `${WHO_START}${r.raw(C.actorUserId)}"}}`;
    if (!r.isNull(C.ip)) out += `${NETWORK_START}${r.jsonValue(C.ip)},"type":"2"}`;
    if (!r.isNull(C.userAgent)) out += `${USER_AGENT_START}${r.jsonValue(C.userAgent)}}]`;
    return `${out}${this.#site}${this.#entities(r)}}}`;
  }

  #entities(r: CopyRow): string {
    const printed = r.value(C.metadata);
    const detail = printed === null ? null : detailOf(printed);
    const hasEntity = !r.isNull(C.entityId);
    let out = '';
    if (hasEntity || detail !== null) {
      out = ENTITY_START;
      if (hasEntity) out += `${this.#entityKinds.of(r.raw(C.entityType))}${r.jsonValue(C.entityId)}}}`;
      if (detail !== null) out += `,"detail":${detail}`;
      out += '}';
    }
    if (!r.isNull(C.patientId)) {
      out += `${out === '' ? ',"entity":[' : ','}${PATIENT_START}${r.raw(C.patientId)}${PATIENT_TAIL}`;
    }
    return out === '' ? '' : `${out}]`;
  }
}
