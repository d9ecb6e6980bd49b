import type { EntityManager } from 'typeorm';
import { z } from 'zod';
import { notFound } from '../../errors.js';
import type { RequestContext } from '../../http/requestContext.js';
import { labelSchema } from './inputSchemas.js';
import { callerOf } from '../../kernel/index.js';

/** What an appointment is for. A treatment is for one service and needs a current GFE clearance. */
export const APPOINTMENT_KINDS = ['virtual_consult', 'gfe', 'follow_up', 'treatment'] as const;
export type AppointmentKind = (typeof APPOINTMENT_KINDS)[number];

/** Shortest bookable visit: 10-minute follow-ups must fit, so the floor sits below them. */
export const MIN_DURATION_MINUTES = 5;
export const MAX_DURATION_MINUTES = 480;
export const MAX_BUFFER_MINUTES = 120;

export const serviceCodeSchema = z.string().regex(/^[a-z0-9_]{1,64}$/, 'service codes are 1-64 of [a-z0-9_]');

export const appointmentTypeInputSchema = z
  .strictObject({
    name: labelSchema(120),
    kind: z.enum(APPOINTMENT_KINDS),
    durationMinutes: z.number().int().min(MIN_DURATION_MINUTES).max(MAX_DURATION_MINUTES),
    bufferBeforeMinutes: z.number().int().min(0).max(MAX_BUFFER_MINUTES).default(0),
    bufferAfterMinutes: z.number().int().min(0).max(MAX_BUFFER_MINUTES).default(0),
    serviceCode: serviceCodeSchema.nullable().default(null),
  })
  .refine((input) => input.kind !== 'treatment' || input.serviceCode !== null, {
    message: 'a treatment type needs a serviceCode',
    path: ['serviceCode'],
  })
  .refine((input) => input.kind === 'treatment' || input.kind === 'gfe' || input.serviceCode === null, {
    message: 'only treatment and gfe types carry a serviceCode',
    path: ['serviceCode'],
  });
export type AppointmentTypeInput = z.infer<typeof appointmentTypeInputSchema>;

export interface AppointmentType {
  id: string;
  name: string;
  kind: AppointmentKind;
  durationMinutes: number;
  bufferBeforeMinutes: number;
  bufferAfterMinutes: number;
  serviceCode: string | null;
  active: boolean;
}

interface TypeRow {
  id: string;
  name: string;
  kind: AppointmentKind;
  duration_minutes: number;
  buffer_before_minutes: number;
  buffer_after_minutes: number;
  service_code: string | null;
  active: boolean;
}

const TYPE_COLUMNS = 'id, name, kind, duration_minutes, buffer_before_minutes, buffer_after_minutes, service_code, active';

function toType(row: TypeRow): AppointmentType {
  return {
    id: row.id,
    name: row.name,
    kind: row.kind,
    durationMinutes: row.duration_minutes,
    bufferBeforeMinutes: row.buffer_before_minutes,
    bufferAfterMinutes: row.buffer_after_minutes,
    serviceCode: row.service_code,
    active: row.active,
  };
}

/** Roles that define the practice's appointment types. */
export const TYPE_ADMINS = ['admin'] as const;

/** Adds an appointment type to the caller's practice. */
export async function createAppointmentType(
  manager: EntityManager,
  context: RequestContext,
  input: AppointmentTypeInput,
): Promise<AppointmentType> {
  const caller = callerOf(context);
  const rows = await manager.query<TypeRow[]>(
    `INSERT INTO appointment_types (practice_id, name, kind, duration_minutes, buffer_before_minutes,
       buffer_after_minutes, service_code)
     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${TYPE_COLUMNS}`,
    [
      caller.practiceId,
      input.name,
      input.kind,
      input.durationMinutes,
      input.bufferBeforeMinutes,
      input.bufferAfterMinutes,
      input.serviceCode,
    ],
  );
  const row = rows[0];
  if (row === undefined) throw new Error('insert returned no row');
  return toType(row);
}

/**
 * Turns a type on or off. Types are never deleted (appointments reference them); an
 * inactive type is not bookable, existing appointments keep it.
 */
export async function setAppointmentTypeActive(manager: EntityManager, typeId: string, active: boolean): Promise<AppointmentType> {
  const result = await manager.query<[TypeRow[], number]>(
    `UPDATE appointment_types SET active = $2 WHERE id = $1 RETURNING ${TYPE_COLUMNS}`,
    [typeId, active],
  );
  const row = result[0][0];
  if (row === undefined) throw notFound('appointment_type_not_found', 'No such appointment type');
  return toType(row);
}

/** The practice's appointment types; inactive ones only when asked. */
export async function listAppointmentTypes(manager: EntityManager, includeInactive: boolean): Promise<AppointmentType[]> {
  const rows = await manager.query<TypeRow[]>(
    `SELECT ${TYPE_COLUMNS} FROM appointment_types WHERE active OR $1 ORDER BY kind, name, id`,
    [includeInactive],
  );
  return rows.map(toType);
}

/** An active appointment type, or 404 appointment_type_not_found. */
export async function getBookableType(manager: EntityManager, typeId: string): Promise<AppointmentType> {
  const rows = await manager.query<TypeRow[]>(`SELECT ${TYPE_COLUMNS} FROM appointment_types WHERE id = $1 AND active`, [
    typeId,
  ]);
  const row = rows[0];
  if (row === undefined) throw notFound('appointment_type_not_found', 'No such bookable appointment type');
  return toType(row);
}
