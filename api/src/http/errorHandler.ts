import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import { mapPgError } from '../db/pgErrors.js';
import { AppError } from '../errors.js';

interface BodyParserError {
  type: string;
  status: number;
}

function isBodyParserError(error: unknown): error is BodyParserError {
  return (
    typeof error === 'object' &&
    error !== null &&
    typeof (error as Partial<BodyParserError>).type === 'string' &&
    typeof (error as Partial<BodyParserError>).status === 'number'
  );
}

const BODY_PARSER_CODES: Record<string, { code: string; message: string }> = {
  'entity.parse.failed': { code: 'malformed_json', message: 'Request body is not valid JSON' },
  'entity.too.large': { code: 'payload_too_large', message: 'Request body is too large' },
  // RFC 9110 §15.5.16: a content coding the server does not support is a 415.
  'encoding.unsupported': { code: 'unsupported_content_encoding', message: 'Content encoding is not supported (use identity, gzip, deflate or br)' },
  'charset.unsupported': { code: 'unsupported_charset', message: 'Charset is not supported' },
  'request.aborted': { code: 'request_aborted', message: 'Request was aborted' },
  'request.size.invalid': { code: 'bad_request', message: 'Request size did not match content length' },
};

/**
 * zlib / brotli failures (Z_DATA_ERROR, Z_BUF_ERROR for a truncated stream, brotli's
 * ERR__ERROR_FORMAT_*): body-parser inflates `Content-Encoding: gzip|deflate|br` bodies and
 * passes these on with status 400 but no `type`, so they are recognised by their code.
 */
function isDecompressionError(error: unknown): boolean {
  const { code, status } = (error ?? {}) as { code?: unknown; status?: unknown };
  // Status 400 marks it as body-parser's (a failing download stream is not the client's fault).
  return status === 400 && typeof code === 'string' && (code.startsWith('Z_') || code.startsWith('ERR__ERROR_') || /^ERR_(BROTLI|ZLIB|ZSTD)/.test(code));
}

// The PostgreSQL safety net lives with the other SQLSTATE readers (db/pgErrors.ts).
export { mapPgError } from '../db/pgErrors.js';

/**
 * Maps every thrown error to `{ code, message }` (house rule 4, docs/house-rules.md). Unknown errors
 * become a bare 500; only their type and database error code are logged, never the
 * message, which could quote row values.
 */
export function createErrorHandler(logger: Logger) {
  return (error: unknown, req: Request, res: Response, next: NextFunction): void => {
    if (res.headersSent) {
      next(error);
      return;
    }
    if (error instanceof AppError) {
      res.status(error.status).json(error.toBody());
      return;
    }
    // The router cannot percent-decode a path parameter (e.g. `%E0%A4%A`): the client's fault.
    if (error instanceof URIError && (error as URIError & { status?: unknown }).status === 400) {
      res.status(400).json({ code: 'malformed_path', message: 'Request path is not valid percent-encoding' });
      return;
    }
    if (isDecompressionError(error)) {
      res.status(400).json({ code: 'invalid_content_encoding', message: 'Request body does not match its Content-Encoding' });
      return;
    }
    if (isBodyParserError(error) && error.status >= 400 && error.status < 500) {
      const known = BODY_PARSER_CODES[error.type] ?? { code: 'bad_request', message: 'Malformed request' };
      res.status(error.status).json(known);
      return;
    }
    const typed = error as { name?: unknown; code?: unknown; constraint?: unknown; stack?: unknown };
    const pg = mapPgError(error);
    if (pg !== null) {
      // Worth a look (a route let bad input through), but the client gets its 4xx.
      logger.warn({ dbCode: typed.code, constraint: typed.constraint, path: req.path }, 'database refused input');
      res.status(pg.status).json({ code: pg.code, message: pg.message });
      return;
    }
    const stack = typeof typed.stack === 'string' ? typed.stack.split('\n').slice(1, 8).join('\n') : undefined;
    logger.error(
      { type: typed.name, dbCode: typed.code, constraint: typed.constraint, stack, path: req.path },
      'unhandled error',
    );
    res.status(500).json({ code: 'internal_error', message: 'Internal server error' });
  };
}
