import type { ApiError } from '@medspa/shared-types';

/**
 * The one error the API throws on purpose. It carries the HTTP status and a stable
 * machine-readable code; the error handler turns it into `{ code, message }`.
 * Messages must never contain PHI: they reach clients and may be logged.
 */
export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'AppError';
  }

  toBody(): ApiError {
    return { code: this.code, message: this.message };
  }
}

export const badRequest = (code: string, message: string): AppError => new AppError(400, code, message);
export const unauthorized = (code = 'unauthorized', message = 'Authentication required'): AppError =>
  new AppError(401, code, message);
export const forbidden = (code = 'forbidden', message = 'Not allowed for your role'): AppError =>
  new AppError(403, code, message);
export const notFound = (code = 'not_found', message = 'Not found'): AppError => new AppError(404, code, message);
export const conflict = (code: string, message: string): AppError => new AppError(409, code, message);
