import type { EntityManager } from 'typeorm';
import { z } from 'zod';
import { recordAudit } from '../../audit/auditWriter.js';
import { createDataKey, loadDataKey } from '../../crypto/dataKeys.js';
import type { RecordBinding } from '../../crypto/envelope.js';
import { badRequest, conflict, forbidden, notFound } from '../../errors.js';
import type { RequestContext } from '../../http/requestContext.js';
import { auditedAccess } from '../../kernel/index.js';
import type { ClinicalDeps } from '../records/clinicalAccess.js';
import { locatePatientRow, openJson, sealJson } from './sealedJson.js';

/** Share of signed charts sampled for review when the medical director set none. */
export const DEFAULT_SAMPLE_PERCENT = 10;
/** A sampled chart is due for review this long after it was signed. */
export const REVIEW_DUE_HOURS = 72;
/** Signed charts older than this are not pulled into the queue any more. */
const SAMPLE_LOOKBACK_DAYS = 30;

export interface ReviewSettings {
  samplePercent: number;
  updatedAt: string | null;
}

export interface ReviewItem {
  id: string;
  noteId: string;
  patientId: string;
  patientName: string;
  authorName: string;
  template: string;
  signedAt: string;
  dueAt: string;
  overdue: boolean;
  status: 'pending' | 'cosigned' | 'returned';
  decidedAt: string | null;
  reviewerName: string | null;
  comment: string | null;
}

async function samplePercent(tx: EntityManager): Promise<ReviewSettings> {
  const rows = await tx.query<{ sample_percent: number; updated_at: Date }[]>(
    `SELECT sample_percent, updated_at FROM chart_review_settings`,
  );
  const row = rows[0];
  return row === undefined
    ? { samplePercent: DEFAULT_SAMPLE_PERCENT, updatedAt: null }
    : { samplePercent: row.sample_percent, updatedAt: row.updated_at.toISOString() };
}

function requireDirector(role: string): void {
  if (role !== 'medical_director') throw forbidden('medical_director_only', 'Only a medical director reviews charts');
}

/** The review sample setting (audited read). */
export async function readReviewSettings(deps: ClinicalDeps, context: RequestContext): Promise<ReviewSettings> {
  return auditedAccess(
    deps.dataSource,
    context,
    { action: 'chart_review.settings_read', entityType: 'chart_review_settings', locatePatient: () => Promise.resolve(null), careTeam: false },
    (tx) => samplePercent(tx),
  );
}

/** Sets the share of signed charts sampled for review (medical director). */
export async function saveReviewSettings(
  deps: ClinicalDeps,
  context: RequestContext,
  input: { samplePercent: number },
): Promise<ReviewSettings> {
  return auditedAccess(
    deps.dataSource,
    context,
    {
      action: 'chart_review.settings_write',
      entityType: 'chart_review_settings',
      locatePatient: () => Promise.resolve(null),
      careTeam: false,
      metadataOf: (value) => ({ sample_percent: value.samplePercent }),
    },
    async (tx, { caller }) => {
      requireDirector(caller.role);
      await tx.query(
        `INSERT INTO chart_review_settings (practice_id, sample_percent, updated_by) VALUES ($1, $2, $3)
         ON CONFLICT (practice_id) DO UPDATE SET sample_percent = $2, updated_by = $3, updated_at = now()`,
        [caller.practiceId, input.samplePercent, caller.userId],
      );
      return samplePercent(tx);
    },
  );
}

/**
 * Pulls newly signed charts into the queue. Sampling is deterministic per note (a hash of
 * its id picks a bucket 0..99), so the same note is always in or out at a given share and
 * a reviewer cannot reshuffle the sample by reloading. Due REVIEW_DUE_HOURS after signing.
 */
async function sampleSignedCharts(tx: EntityManager, practiceId: string, percent: number): Promise<void> {
  await tx.query(
    `INSERT INTO chart_reviews (practice_id, note_id, patient_id, due_at)
     SELECT n.practice_id, n.id, n.patient_id, n.signed_at + make_interval(hours => $2)
     FROM clinical_notes n
     WHERE n.practice_id = $1 AND n.signed_at IS NOT NULL AND n.signed_at > now() - make_interval(days => $3)
       AND (('x' || substr(md5(n.id::text), 1, 8))::bit(32)::bigint % 100) < $4
     ON CONFLICT (practice_id, note_id) DO NOTHING`,
    [practiceId, REVIEW_DUE_HOURS, SAMPLE_LOOKBACK_DAYS, percent],
  );
}

function commentBinding(practiceId: string, reviewId: string): RecordBinding {
  return { purpose: 'chart_review_comment', practiceId, recordId: reviewId, version: 0 };
}

interface ReviewRow {
  id: string;
  practice_id: string;
  note_id: string;
  patient_id: string;
  patient_name: string;
  author_name: string;
  template: string;
  signed_at: Date;
  due_at: Date;
  status: ReviewItem['status'];
  decided_at: Date | null;
  reviewer_name: string | null;
  data_key_id: string | null;
  comment_iv: Buffer | null;
  comment_ciphertext: Buffer | null;
  comment_auth_tag: Buffer | null;
}

const REVIEW_SELECT = `SELECT r.id, r.practice_id, r.note_id, r.patient_id, p.given_name || ' ' || p.family_name AS patient_name,
    a.given_name || ' ' || a.family_name AS author_name, n.template, n.signed_at, r.due_at, r.status, r.decided_at,
    CASE WHEN v.id IS NULL THEN NULL ELSE v.given_name || ' ' || v.family_name END AS reviewer_name,
    r.data_key_id, r.comment_iv, r.comment_ciphertext, r.comment_auth_tag
  FROM chart_reviews r
  JOIN clinical_notes n ON n.practice_id = r.practice_id AND n.id = r.note_id
  JOIN users p ON p.practice_id = r.practice_id AND p.id = r.patient_id
  JOIN users a ON a.practice_id = n.practice_id AND a.id = n.author_id
  LEFT JOIN users v ON v.practice_id = r.practice_id AND v.id = r.reviewer_id`;

async function itemOf(tx: EntityManager, deps: ClinicalDeps, row: ReviewRow): Promise<ReviewItem> {
  let comment: string | null = null;
  if (row.data_key_id !== null && row.comment_iv !== null && row.comment_ciphertext !== null && row.comment_auth_tag !== null) {
    const value = await openJson(
      tx,
      deps.keyRing,
      row.data_key_id,
      { iv: row.comment_iv, ciphertext: row.comment_ciphertext, auth_tag: row.comment_auth_tag },
      commentBinding(row.practice_id, row.id),
    );
    comment = z.string().parse(value);
  }
  return {
    id: row.id,
    noteId: row.note_id,
    patientId: row.patient_id,
    patientName: row.patient_name,
    authorName: row.author_name,
    template: row.template,
    signedAt: row.signed_at.toISOString(),
    dueAt: row.due_at.toISOString(),
    overdue: row.status === 'pending' && row.due_at.getTime() < Date.now(),
    status: row.status,
    decidedAt: row.decided_at?.toISOString() ?? null,
    reviewerName: row.reviewer_name,
    comment,
  };
}

/**
 * The review queue: pending sampled charts (soonest due first) and the last decisions.
 * A medical director sees every chart; an injector sees the reviews of their own notes
 * (to read a return's comments). Each listed patient is audited as a name read.
 */
export async function listReviewQueue(deps: ClinicalDeps, context: RequestContext): Promise<ReviewItem[]> {
  return auditedAccess(
    deps.dataSource,
    context,
    {
      action: 'chart_review.list',
      entityType: 'chart_review',
      locatePatient: () => Promise.resolve(null),
      careTeam: false,
      metadataOf: (value) => ({ count: value.length }),
    },
    async (tx, { caller }) => {
      if (caller.role === 'medical_director') {
        await sampleSignedCharts(tx, caller.practiceId, (await samplePercent(tx)).samplePercent);
      }
      const mine = caller.role === 'medical_director' ? null : caller.userId;
      const rows = await tx.query<ReviewRow[]>(
        `${REVIEW_SELECT}
         WHERE ($1::uuid IS NULL OR n.author_id = $1)
           AND (r.status = 'pending' OR r.decided_at > now() - interval '30 days')
         ORDER BY (r.status = 'pending') DESC, r.due_at, r.id LIMIT 200`,
        [mine],
      );
      const items: ReviewItem[] = [];
      for (const row of rows) {
        await recordAudit(tx, caller.practiceId, context, {
          action: 'patient.read',
          entityType: 'chart_review',
          entityId: row.id,
          patientId: row.patient_id,
          metadata: { field: 'name' },
        });
        items.push(await itemOf(tx, deps, row));
      }
      return items;
    },
  );
}

export const reviewDecisionSchema = z
  .strictObject({
    decision: z.enum(['cosign', 'return']),
    comment: z.string().trim().max(4_000).default(''),
  })
  .refine((value) => value.decision === 'cosign' || value.comment.length > 0, {
    message: 'say what to change when returning a chart',
    path: ['comment'],
  });
export type ReviewDecision = z.infer<typeof reviewDecisionSchema>;

/** Co-signs a sampled chart or returns it to its author with comments (medical director). */
export async function decideReview(
  deps: ClinicalDeps,
  context: RequestContext,
  input: { reviewId: string } & ReviewDecision,
): Promise<ReviewItem> {
  return auditedAccess(
    deps.dataSource,
    context,
    {
      action: 'chart_review.decide',
      entityType: 'chart_review',
      entityId: input.reviewId,
      locatePatient: async (tx) => {
        const rows = await tx.query<{ patient_id: string }[]>(`SELECT patient_id FROM chart_reviews WHERE id = $1`, [input.reviewId]);
        const row = rows[0];
        if (row === undefined) throw notFound('review_not_found', 'No such chart review');
        return row.patient_id;
      },
      careTeam: true,
      metadataOf: (value) => ({ decision: value.status }),
    },
    async (tx, { caller }) => {
      requireDirector(caller.role);
      const rows = await tx.query<{ status: string }[]>(`SELECT status FROM chart_reviews WHERE id = $1 FOR UPDATE`, [input.reviewId]);
      if (rows[0]?.status !== 'pending') throw conflict('review_decided', 'This chart was already reviewed');
      let sealed: { dataKeyId: string; iv: Buffer; ciphertext: Buffer; authTag: Buffer } | null = null;
      if (input.comment.length > 0) {
        const key = await createDataKey(tx, deps.keyRing, caller.practiceId);
        sealed = { dataKeyId: key.id, ...sealJson(key.key, input.comment, commentBinding(caller.practiceId, input.reviewId)) };
      }
      await tx.query(
        `UPDATE chart_reviews SET status = $2, reviewer_id = $3, decided_at = now(), data_key_id = $4,
           comment_iv = $5, comment_ciphertext = $6, comment_auth_tag = $7
         WHERE id = $1`,
        [
          input.reviewId,
          input.decision === 'cosign' ? 'cosigned' : 'returned',
          caller.userId,
          sealed?.dataKeyId ?? null,
          sealed?.iv ?? null,
          sealed?.ciphertext ?? null,
          sealed?.authTag ?? null,
        ],
      );
      const updated = await tx.query<ReviewRow[]>(`${REVIEW_SELECT} WHERE r.id = $1`, [input.reviewId]);
      const row = updated[0];
      if (row === undefined) throw new Error('review vanished');
      return itemOf(tx, deps, row);
    },
  );
}

// ---------------------------------------------------------------------------------------
// Adverse events

export const ADVERSE_SEVERITIES = ['mild', 'moderate', 'severe', 'life_threatening'] as const;

export const adverseEventSchema = z.strictObject({
  what: z.string().trim().min(1).max(4_000),
  occurredAt: z.iso.datetime({ offset: true }),
  severity: z.enum(ADVERSE_SEVERITIES),
  followUp: z.string().trim().max(4_000).default(''),
  treatmentId: z.uuid().optional(),
});
export type AdverseEventInput = z.infer<typeof adverseEventSchema>;

export interface AdverseEventView {
  id: string;
  patientId: string;
  patientName: string;
  treatmentId: string | null;
  reportedByName: string;
  reportedAt: string;
  occurredAt: string;
  severity: (typeof ADVERSE_SEVERITIES)[number];
  what: string;
  followUp: string;
  status: 'open' | 'closed';
  closedAt: string | null;
  closedByName: string | null;
  resolution: string | null;
}

interface EventRow {
  id: string;
  practice_id: string;
  patient_id: string;
  patient_name: string;
  treatment_record_id: string | null;
  reported_by_name: string;
  reported_at: Date;
  occurred_at: Date;
  severity: AdverseEventView['severity'];
  data_key_id: string;
  iv: Buffer;
  ciphertext: Buffer;
  auth_tag: Buffer;
  status: 'open' | 'closed';
  closed_at: Date | null;
  closed_by_name: string | null;
  close_iv: Buffer | null;
  close_ciphertext: Buffer | null;
  close_auth_tag: Buffer | null;
}

const EVENT_SELECT = `SELECT e.id, e.practice_id, e.patient_id, p.given_name || ' ' || p.family_name AS patient_name,
    e.treatment_record_id, r.given_name || ' ' || r.family_name AS reported_by_name, e.reported_at, e.occurred_at, e.severity,
    e.data_key_id, e.iv, e.ciphertext, e.auth_tag, e.status, e.closed_at,
    CASE WHEN c.id IS NULL THEN NULL ELSE c.given_name || ' ' || c.family_name END AS closed_by_name,
    e.close_iv, e.close_ciphertext, e.close_auth_tag
  FROM adverse_events e
  JOIN users p ON p.practice_id = e.practice_id AND p.id = e.patient_id
  JOIN users r ON r.practice_id = e.practice_id AND r.id = e.reported_by
  LEFT JOIN users c ON c.practice_id = e.practice_id AND c.id = e.closed_by`;

const reportSchema = z.strictObject({ what: z.string(), followUp: z.string() });

function eventBinding(practiceId: string, id: string, version: number): RecordBinding {
  // version 0: the report; version 1: the medical director's closing note.
  return { purpose: 'adverse_event', practiceId, recordId: id, version };
}

async function eventOf(tx: EntityManager, deps: ClinicalDeps, row: EventRow): Promise<AdverseEventView> {
  const report = reportSchema.parse(await openJson(tx, deps.keyRing, row.data_key_id, row, eventBinding(row.practice_id, row.id, 0)));
  let resolution: string | null = null;
  if (row.close_iv !== null && row.close_ciphertext !== null && row.close_auth_tag !== null) {
    resolution = z
      .string()
      .parse(
        await openJson(
          tx,
          deps.keyRing,
          row.data_key_id,
          { iv: row.close_iv, ciphertext: row.close_ciphertext, auth_tag: row.close_auth_tag },
          eventBinding(row.practice_id, row.id, 1),
        ),
      );
  }
  return {
    id: row.id,
    patientId: row.patient_id,
    patientName: row.patient_name,
    treatmentId: row.treatment_record_id,
    reportedByName: row.reported_by_name,
    reportedAt: row.reported_at.toISOString(),
    occurredAt: row.occurred_at.toISOString(),
    severity: row.severity,
    what: report.what,
    followUp: report.followUp,
    status: row.status,
    closedAt: row.closed_at?.toISOString() ?? null,
    closedByName: row.closed_by_name,
    resolution,
  };
}

async function loadEvent(tx: EntityManager, deps: ClinicalDeps, id: string): Promise<AdverseEventView> {
  const rows = await tx.query<EventRow[]>(`${EVENT_SELECT} WHERE e.id = $1`, [id]);
  const row = rows[0];
  if (row === undefined) throw notFound('adverse_event_not_found', 'No such adverse event report');
  return eventOf(tx, deps, row);
}

/** A provider on the care team files an adverse event report (sealed; what, when, severity, follow-up). */
export async function fileAdverseEvent(
  deps: ClinicalDeps,
  context: RequestContext,
  input: { patientId: string } & AdverseEventInput,
): Promise<AdverseEventView> {
  return auditedAccess(
    deps.dataSource,
    context,
    {
      action: 'adverse_event.file',
      entityType: 'adverse_event',
      entityIdOf: (value) => value.id,
      locatePatient: (tx) => locatePatientRow(tx, input.patientId),
      careTeam: true,
      metadataOf: (value) => ({ severity: value.severity }),
    },
    async (tx, { caller }) => {
      if (new Date(input.occurredAt).getTime() > Date.now() + 5 * 60_000) {
        throw badRequest('occurred_in_future', 'When it happened cannot be in the future');
      }
      if (input.treatmentId !== undefined) {
        const rows = await tx.query<unknown[]>(`SELECT 1 FROM treatment_records WHERE id = $1 AND patient_id = $2`, [
          input.treatmentId,
          input.patientId,
        ]);
        if (rows.length === 0) throw notFound('treatment_not_found', 'No such treatment record for this patient');
      }
      const idRows = await tx.query<{ id: string }[]>(`SELECT gen_random_uuid() AS id`);
      const id = idRows[0]?.id ?? '';
      const key = await createDataKey(tx, deps.keyRing, caller.practiceId);
      const sealed = sealJson(key.key, { what: input.what, followUp: input.followUp }, eventBinding(caller.practiceId, id, 0));
      await tx.query(
        `INSERT INTO adverse_events (id, practice_id, patient_id, treatment_record_id, reported_by, occurred_at, severity,
           data_key_id, iv, ciphertext, auth_tag)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
        [
          id,
          caller.practiceId,
          input.patientId,
          input.treatmentId ?? null,
          caller.userId,
          input.occurredAt,
          input.severity,
          key.id,
          sealed.iv,
          sealed.ciphertext,
          sealed.authTag,
        ],
      );
      return loadEvent(tx, deps, id);
    },
  );
}

/**
 * Adverse event reports: a medical director sees the practice's, an injector those they
 * filed. Open ones first. Each listed patient is audited as a name read.
 */
export async function listAdverseEvents(
  deps: ClinicalDeps,
  context: RequestContext,
  input: { patientId?: string },
): Promise<AdverseEventView[]> {
  return auditedAccess(
    deps.dataSource,
    context,
    {
      action: 'adverse_event.list',
      entityType: 'adverse_event',
      locatePatient: (tx) => (input.patientId === undefined ? Promise.resolve(null) : locatePatientRow(tx, input.patientId)),
      careTeam: input.patientId !== undefined,
      metadataOf: (value) => ({ count: value.length }),
    },
    async (tx, { caller }) => {
      const mine = caller.role === 'medical_director' || input.patientId !== undefined ? null : caller.userId;
      const rows = await tx.query<EventRow[]>(
        `${EVENT_SELECT} WHERE ($1::uuid IS NULL OR e.reported_by = $1) AND ($2::uuid IS NULL OR e.patient_id = $2)
         ORDER BY (e.status = 'open') DESC, e.reported_at DESC LIMIT 200`,
        [mine, input.patientId ?? null],
      );
      const views: AdverseEventView[] = [];
      for (const row of rows) {
        await recordAudit(tx, caller.practiceId, context, {
          action: 'patient.read',
          entityType: 'adverse_event',
          entityId: row.id,
          patientId: row.patient_id,
          metadata: { field: 'name' },
        });
        views.push(await eventOf(tx, deps, row));
      }
      return views;
    },
  );
}

/** The medical director closes a report with what was done (sealed under its data key). */
export async function closeAdverseEvent(
  deps: ClinicalDeps,
  context: RequestContext,
  input: { eventId: string; resolution: string },
): Promise<AdverseEventView> {
  return auditedAccess(
    deps.dataSource,
    context,
    {
      action: 'adverse_event.close',
      entityType: 'adverse_event',
      entityId: input.eventId,
      locatePatient: async (tx) => {
        const rows = await tx.query<{ patient_id: string }[]>(`SELECT patient_id FROM adverse_events WHERE id = $1`, [input.eventId]);
        const row = rows[0];
        if (row === undefined) throw notFound('adverse_event_not_found', 'No such adverse event report');
        return row.patient_id;
      },
      careTeam: true,
    },
    async (tx, { caller }) => {
      requireDirector(caller.role);
      const rows = await tx.query<{ status: string; data_key_id: string }[]>(
        `SELECT status, data_key_id FROM adverse_events WHERE id = $1 FOR UPDATE`,
        [input.eventId],
      );
      const row = rows[0];
      if (row?.status !== 'open') throw conflict('adverse_event_closed', 'This report is already closed');
      const key = await loadDataKey(tx, deps.keyRing, row.data_key_id);
      const sealed = sealJson(key, input.resolution, eventBinding(caller.practiceId, input.eventId, 1));
      await tx.query(
        `UPDATE adverse_events SET status = 'closed', closed_by = $2, closed_at = now(), close_iv = $3, close_ciphertext = $4,
           close_auth_tag = $5 WHERE id = $1`,
        [input.eventId, caller.userId, sealed.iv, sealed.ciphertext, sealed.authTag],
      );
      return loadEvent(tx, deps, input.eventId);
    },
  );
}
