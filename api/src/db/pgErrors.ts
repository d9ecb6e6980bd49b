/**
 * PostgreSQL errors, read in one place. The SQLSTATE codes are those of the PostgreSQL
 * manual, Appendix A "PostgreSQL Error Codes". TypeORM wraps driver errors in
 * QueryFailedError with the pg error as `driverError`; raw pg errors carry the fields
 * themselves, so both shapes are accepted.
 */

/** unique_violation (Class 23, Integrity Constraint Violation). */
export const UNIQUE_VIOLATION = '23505';
/** exclusion_violation (Class 23). */
export const EXCLUSION_VIOLATION = '23P01';
/** deadlock_detected (Class 40, Transaction Rollback). */
export const DEADLOCK_DETECTED = '40P01';
/** invalid_text_representation (Class 22, Data Exception): e.g. a malformed uuid or time. */
export const INVALID_TEXT_REPRESENTATION = '22P02';
/** character_not_in_repertoire (Class 22): e.g. NUL in a text value. */
export const CHARACTER_NOT_IN_REPERTOIRE = '22021';

function driverErrorOf(error: unknown): Record<string, unknown> | null {
  if (typeof error !== 'object' || error === null) return null;
  const wrapped = (error as { driverError?: unknown }).driverError;
  const inner = typeof wrapped === 'object' && wrapped !== null ? wrapped : error;
  return inner as Record<string, unknown>;
}

/** The SQLSTATE of a database error, or undefined for anything else. */
export function sqlStateOf(error: unknown): string | undefined {
  const code = driverErrorOf(error)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** The constraint a violation names, when the server reported one. */
export function constraintOf(error: unknown): string | undefined {
  const constraint = driverErrorOf(error)?.constraint;
  return typeof constraint === 'string' ? constraint : undefined;
}

/** A unique constraint or index refused the row. */
export function isUniqueViolation(error: unknown): boolean {
  return sqlStateOf(error) === UNIQUE_VIOLATION;
}

/** An exclusion constraint (e.g. overlapping appointments) refused the row. */
export function isExclusionViolation(error: unknown): boolean {
  return sqlStateOf(error) === EXCLUSION_VIOLATION;
}

/** The server aborted this transaction to break a deadlock; retrying it may succeed. */
export function isDeadlock(error: unknown): boolean {
  return sqlStateOf(error) === DEADLOCK_DETECTED;
}

/** A value could not be read as its column type (bad uuid, time, number text). */
export function isInvalidText(error: unknown): boolean {
  return sqlStateOf(error) === INVALID_TEXT_REPRESENTATION;
}

/** Text the database cannot store (NUL, invalid encoding). */
export function isUnstorableText(error: unknown): boolean {
  return sqlStateOf(error) === CHARACTER_NOT_IN_REPERTOIRE;
}

/** A database refusal explained as the client's fault. */
export interface MappedPgError {
  status: number;
  code: string;
  message: string;
}

/**
 * PostgreSQL errors that can only come from what a client sent (SQLSTATE classes 22 "data
 * exception" and 23 "integrity constraint violation", PostgreSQL docs Appendix A). Routes
 * validate first; this is the safety net so bad input never becomes a 500. Other classes
 * (connection, syntax, permission) stay 500s: those are our bugs or outages.
 */
export function mapPgError(error: unknown): MappedPgError | null {
  const sqlState = sqlStateOf(error);
  if (sqlState === undefined || !/^2[23][0-9A-Z]{3}$/.test(sqlState)) return null;
  // Only pg's errors carry `severity`; Node's own errors have other code shapes anyway.
  if (typeof (error as { severity?: unknown }).severity !== 'string' && typeof (error as { driverError?: unknown }).driverError !== 'object') {
    return null;
  }
  switch (sqlState) {
    case CHARACTER_NOT_IN_REPERTOIRE:
      return { status: 400, code: 'invalid_characters', message: 'Text contains characters that cannot be stored' };
    case '22001':
      return { status: 400, code: 'value_too_long', message: 'A value is too long' };
    case '22007':
    case '22008':
      return { status: 400, code: 'invalid_datetime', message: 'A date or time is not valid' };
    case INVALID_TEXT_REPRESENTATION:
      return { status: 400, code: 'invalid_input', message: 'A value has the wrong format' };
    case '22003':
      return { status: 400, code: 'value_out_of_range', message: 'A number is out of range' };
    case UNIQUE_VIOLATION:
    case EXCLUSION_VIOLATION:
      return { status: 409, code: 'conflict', message: 'That conflicts with existing data' };
    case '23503':
      return { status: 409, code: 'reference_conflict', message: 'That refers to something that does not exist or is still in use' };
    default:
      return sqlState.startsWith('22')
        ? { status: 400, code: 'invalid_input', message: 'A value is not valid' }
        : { status: 400, code: 'constraint_violation', message: 'A value breaks a rule of the data' };
  }
}
