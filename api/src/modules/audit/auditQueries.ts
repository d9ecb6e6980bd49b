import { auditActionSchema, auditOutcomeSchema } from '@medspa/shared-types';
import { z } from 'zod';
import { EXPORT_FORMATS } from '../../audit/exportFormats.js';

const instant = z.iso.datetime({ offset: true });

/** Filters common to search and export. Every value is an identifier, a code or a date: no PHI. */
const filterShape = {
  /** Inclusive lower bound on the event time. */
  from: instant.optional(),
  /** Exclusive upper bound on the event time. */
  to: instant.optional(),
  patientId: z.uuid().optional(),
  actorUserId: z.uuid().optional(),
  action: auditActionSchema.optional(),
  outcome: auditOutcomeSchema.optional(),
};

function orderedRange(filters: { from?: string | undefined; to?: string | undefined }): boolean {
  return filters.from === undefined || filters.to === undefined || Date.parse(filters.from) < Date.parse(filters.to);
}

const RANGE_MESSAGE = { message: '"from" must be earlier than "to"', path: ['to'] };

export const SEARCH_PAGE_MAX = 500;

export const auditSearchQuerySchema = z
  .strictObject({
    ...filterShape,
    limit: z.coerce.number().int().min(1).max(SEARCH_PAGE_MAX).default(100),
    /** Opaque to clients: the seq of the last event on the previous page. */
    cursor: z.string().regex(/^[1-9][0-9]{0,18}$/, 'not a cursor from a previous page').optional(),
  })
  .refine(orderedRange, RANGE_MESSAGE);
export type AuditSearchQuery = z.infer<typeof auditSearchQuerySchema>;

export const auditExportQuerySchema = z
  .strictObject({ ...filterShape, format: z.enum(EXPORT_FORMATS) })
  .refine(orderedRange, RANGE_MESSAGE);
export type AuditExportQuery = z.infer<typeof auditExportQuerySchema>;

export const exportIdParamsSchema = z.strictObject({ exportId: z.uuid() });

/** The filter part of a query, without undefined entries (audit metadata and manifests). */
export function definedFilters(query: Record<string, unknown>, keys: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of keys) {
    const value = query[key];
    if (typeof value === 'string') out[key] = value;
  }
  return out;
}

export const FILTER_KEYS = Object.keys(filterShape);

/** A tree size or seq: a positive integer that fits a bigint and a JS safe integer. */
const treeIndex = z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER);

export const inclusionParamsSchema = z.strictObject({ seq: treeIndex });
export const inclusionQuerySchema = z.strictObject({ treeSize: treeIndex.optional() });
export const consistencyQuerySchema = z.strictObject({ from: treeIndex, to: treeIndex.optional() });

/** The console's patient name search: a prefix of a name, at least 2 characters. */
export const patientSearchQuerySchema = z.strictObject({ q: z.string().trim().min(2).max(100) });
