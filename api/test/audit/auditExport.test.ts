import { createHash, randomUUID } from 'node:crypto';
import type { Server } from 'node:net';
import { createLocalJWKSet } from 'jose';
import type { JSONWebKeySet } from 'jose';
import { Client } from 'pg';
import request from 'supertest';
import { recordAudit } from '../../src/audit/auditWriter.js';
import { verifyManifest } from '../../src/audit/exportManifest.js';
import type { ExportManifest } from '../../src/audit/exportManifest.js';
import { verifyTreeHead } from '../../src/audit/treeHead.js';
import { withTenant } from '../../src/db/tenantTransaction.js';
import { bearer, loginAs, seedPractice } from '../fixtures/identity.js';
import type { LoggedIn, SeededPractice } from '../fixtures/identity.js';
import { startTestApi } from '../testApi.js';
import type { TestApi } from '../testApi.js';
import { asOwner } from '../testDatabase.js';
import { appendEvents, contextFor } from './auditTestSupport.js';
import { getAndHangUp, listen, rawGet } from './exportClient.js';
import type { RawResponse } from './exportClient.js';

jest.setTimeout(180_000);

const PATIENT = randomUUID();
const AWKWARD_ENTITY = 'line one\nline "two", with comma';
const FORMULAS = ['=HYPERLINK("http://attacker.test")', '+1+2', '-2+3', '@SUM(A1)'];

describe('audit exports (streamed, signed)', () => {
  let test: TestApi;
  let server: Server;
  let practice: SeededPractice;
  let officer: LoggedIn;
  let jwks: ReturnType<typeof createLocalJWKSet>;

  beforeAll(async () => {
    test = await startTestApi();
    server = await listen(test);
    practice = await seedPractice(test);
    officer = await loginAs(test, practice.slug, 'compliance_officer');
    const { dataSource } = test.api.services;
    await appendEvents(dataSource, practice.id, 30);
    // Rows a spreadsheet could execute, text needing CSV quoting, and one patient's events.
    await withTenant(dataSource, practice.id, async (manager) => {
      for (const userAgent of FORMULAS) {
        await recordAudit(manager, practice.id, { ...contextFor(practice.id, 'injector'), userAgent }, {
          action: 'patient.read',
          entityType: 'patient',
          entityId: AWKWARD_ENTITY,
          patientId: PATIENT,
        });
      }
    });
    const keys = await request(test.api.app).get('/.well-known/jwks.json').expect(200);
    jwks = createLocalJWKSet(keys.body as JSONWebKeySet);
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await test.close();
  });

  const exportOf = (query: string): Promise<RawResponse> => rawGet(server, `/v1/audit/exports?${query}`, officer.accessToken);

  /** Checks the trailer JWS against the published JWKS and the bytes actually received. */
  async function checkedManifest(response: RawResponse, rowCount: number): Promise<ExportManifest> {
    expect(response.status).toBe(200);
    const jws = response.trailers['x-export-manifest'];
    expect(typeof jws).toBe('string');
    const manifest = await verifyManifest(jws ?? '', jwks);
    expect(manifest).toMatchObject({
      exportId: response.headers['x-export-id'],
      practiceId: practice.id,
      requestedBy: officer.userId,
      completed: true,
      rowCount,
      byteCount: response.body.length,
      sha256: createHash('sha256').update(response.body).digest('hex'),
    });
    const stored = await request(test.api.app)
      .get(`/v1/audit/exports/${manifest.exportId}/manifest`)
      .set('authorization', bearer(officer))
      .expect(200);
    expect(stored.body).toEqual({ exportId: manifest.exportId, completed: true, manifest, jws });
    // The export names the signed tree head it was cut at: same key, the export's own extent.
    const treeHead = await verifyTreeHead(manifest.treeHead ?? '', jwks);
    expect(treeHead).toMatchObject({ practice: practice.id, tree_size: manifest.throughSeq });
    return manifest;
  }

  const eventCount = async (): Promise<number> => {
    const result = await asOwner(test.database.url, (client) =>
      client.query<{ n: string }>('SELECT count(*)::text AS n FROM audit_events WHERE practice_id = $1', [practice.id]),
    );
    return Number(result.rows[0]?.n);
  };

  it('streams RFC 4180 CSV with neutralised formulas and a manifest that matches the bytes', async () => {
    const before = await eventCount();
    const response = await exportOf('format=csv');
    expect(response.headers['content-type']).toMatch(/^text\/csv/);
    expect(response.headers.trailer).toBe('X-Export-Manifest');
    const text = response.body.toString('utf8');
    // Header + one record per event, each ended by CRLF (an embedded LF stays inside quotes).
    expect(text.startsWith('id,seq,occurred_at,actor_user_id,actor_role,action,')).toBe(true);
    expect(text.endsWith('\r\n')).toBe(true);
    const records = text.split('\r\n').slice(1, -1);
    // Every event up to and including the export's own audit.export event.
    expect(records).toHaveLength(before + 1);
    expect(text).toContain(`"line one\nline ""two"", with comma"`);
    expect(text).toContain(`"'=HYPERLINK(""http://attacker.test"")"`);
    expect(text).toContain(",'+1+2,");
    expect(text).toContain(",'-2+3,");
    expect(text).toContain(",'@SUM(A1),");
    for (const record of records) {
      for (const cell of record.split(',')) {
        expect(cell).not.toMatch(/^[=+\-@]/);
      }
    }
    const manifest = await checkedManifest(response, before + 1);
    expect(manifest).toMatchObject({ format: 'csv', filters: {}, firstSeq: 1, lastSeq: before + 1, throughSeq: before + 1 });
    expect(records[records.length - 1]).toContain(`,audit.export,audit_export,${manifest.exportId},`);
  });

  it('filters NDJSON by patient and records the export with its filters', async () => {
    const response = await exportOf(`format=ndjson&patientId=${PATIENT}`);
    expect(response.headers['content-type']).toBe('application/x-ndjson');
    const lines = response.body.toString('utf8').split('\n');
    expect(lines.pop()).toBe('');
    const events = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    // The four reads of the patient, then this export (which concerns the patient too).
    expect(events.map((event) => event.action)).toEqual(['patient.read', 'patient.read', 'patient.read', 'patient.read', 'audit.export']);
    expect(events.every((event) => event.patientId === PATIENT)).toBe(true);
    expect(events[0]).toMatchObject({ entityId: AWKWARD_ENTITY, userAgent: FORMULAS[0], outcome: 'success' });
    const manifest = await checkedManifest(response, 5);
    expect(manifest.filters).toEqual({ patientId: PATIENT });
    expect(events[4]).toMatchObject({
      entityType: 'audit_export',
      entityId: manifest.exportId,
      actorUserId: officer.userId,
      actorRole: 'compliance_officer',
      metadata: { format: 'ndjson', patientId: PATIENT },
    });
  });

  it('streams a FHIR R4 collection Bundle of AuditEvent resources', async () => {
    const response = await exportOf('format=fhir&action=patient.read');
    expect(response.headers['content-type']).toMatch(/^application\/fhir\+json/);
    const bundle = JSON.parse(response.body.toString('utf8')) as {
      resourceType: string;
      type: string;
      id: string;
      entry: { fullUrl: string; resource: Record<string, unknown> }[];
    };
    expect(bundle.resourceType).toBe('Bundle');
    expect(bundle.type).toBe('collection');
    expect(bundle.id).toBe(response.headers['x-export-id']);
    const manifest = await checkedManifest(response, bundle.entry.length);
    expect(manifest.filters).toEqual({ action: 'patient.read' });
    const patientRead = bundle.entry.find((entry) => JSON.stringify(entry.resource).includes(PATIENT));
    expect(patientRead?.fullUrl).toBe(`urn:uuid:${String(patientRead?.resource.id)}`);
    expect(patientRead?.resource).toMatchObject({
      resourceType: 'AuditEvent',
      type: { system: 'http://dicom.nema.org/resources/ontology/DCM', code: '110110' },
      subtype: [{ code: 'patient.read' }],
      action: 'R',
      outcome: '0',
      agent: [{ requestor: true, network: { address: '203.0.113.7', type: '2' } }],
      source: { site: practice.id, observer: { display: 'medspa-telehealth api' } },
      entity: [
        { what: { identifier: { value: AWKWARD_ENTITY } } },
        { what: { identifier: { value: PATIENT } }, role: { code: '1' } },
      ],
    });
    expect(typeof patientRead?.resource.recorded).toBe('string');
    const denied = bundle.entry.find((entry) => entry.resource.outcome !== '0');
    expect(denied?.resource).toMatchObject({ outcome: '4', outcomeDesc: 'denied' });
  });

  it('exports an empty result as a valid document with a manifest', async () => {
    const response = await exportOf(`format=fhir&patientId=${randomUUID()}&action=user.read`);
    const bundle = JSON.parse(response.body.toString('utf8')) as { entry: unknown[] };
    expect(bundle.entry).toEqual([]);
    const manifest = await checkedManifest(response, 0);
    expect(manifest).toMatchObject({ firstSeq: null, lastSeq: null });
  });

  it('applies time ranges', async () => {
    const future = new Date(Date.now() + 3_600_000).toISOString();
    const response = await exportOf(`format=ndjson&from=${encodeURIComponent(future)}`);
    expect(response.body.length).toBe(0);
    await checkedManifest(response, 0);
  });

  it('refuses bad filters with 400 and other roles with 403', async () => {
    for (const query of [
      'format=xml',
      'format=csv&patientId=not-a-uuid',
      'format=csv&from=2030-01-02T00:00:00Z&to=2030-01-01T00:00:00Z',
      'format=csv&action=nope',
      'format=csv&surprise=1',
      '',
    ]) {
      const response = await request(test.api.app).get(`/v1/audit/exports?${query}`).set('authorization', bearer(officer));
      expect(response.status).toBe(400);
    }
    for (const role of ['admin', 'injector', 'patient'] as const) {
      const session = await loginAs(test, practice.slug, role);
      await request(test.api.app).get('/v1/audit/exports?format=csv').set('authorization', bearer(session)).expect(403);
    }
    await request(test.api.app).get('/v1/audit/exports?format=csv').expect(401);
    await request(test.api.app)
      .get(`/v1/audit/exports/${randomUUID()}/manifest`)
      .set('authorization', bearer(officer))
      .expect(404);
  });

  it('records an abandoned export as incomplete, with the bytes produced so far', async () => {
    await appendEvents(test.api.services.dataSource, practice.id, 6000, 1000);
    const exportId = await getAndHangUp(server, '/v1/audit/exports?format=fhir', officer.accessToken);
    let stored: request.Response | undefined;
    for (let attempt = 0; attempt < 100; attempt += 1) {
      stored = await request(test.api.app).get(`/v1/audit/exports/${exportId}/manifest`).set('authorization', bearer(officer));
      if (stored.status === 200) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(stored?.status).toBe(200);
    const body = stored?.body as { completed: boolean; manifest: ExportManifest; jws: string };
    expect(body.completed).toBe(false);
    await expect(verifyManifest(body.jws, jwks)).resolves.toMatchObject({ completed: false, exportId });
    expect(body.manifest.rowCount).toBeLessThan(body.manifest.throughSeq);
    // The connection it used was destroyed, not returned mid-COPY: the API keeps working.
    const after = await exportOf('format=csv&action=audit.export');
    await checkedManifest(after, after.body.toString('utf8').split('\r\n').length - 2);
  });

  it('refuses a third concurrent export with 429 until one ends', async () => {
    // Hold the practice's chain head lock so two exports wait inside their start (each
    // holding a slot), deterministic whatever the socket buffer sizes.
    const blocker = new Client({ connectionString: test.database.url });
    await blocker.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query('SELECT 1 FROM audit_chain_heads WHERE practice_id = $1 FOR UPDATE', [practice.id]);
      const first = exportOf('format=csv&action=audit.verify');
      const second = exportOf('format=ndjson&action=audit.verify');
      for (let waiting = 0, attempt = 0; waiting < 2 && attempt < 200; attempt += 1) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        const rows = await blocker.query<{ n: string }>(
          `SELECT count(*)::text AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
        );
        waiting = Number(rows.rows[0]?.n);
      }
      const refused = await request(test.api.app).get('/v1/audit/exports?format=csv').set('authorization', bearer(officer));
      expect(refused.status).toBe(429);
      expect(refused.body).toMatchObject({ code: 'export_capacity_reached' });
      await blocker.query('COMMIT');
      expect((await first).status).toBe(200);
      expect((await second).status).toBe(200);
    } finally {
      await blocker.end();
    }
    // Slots free once each manifest is stored (just after the last byte).
    let status = 0;
    for (let attempt = 0; attempt < 100 && status !== 200; attempt += 1) {
      status = (await exportOf('format=csv&action=audit.verify')).status;
      if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(status).toBe(200);
  });
});
