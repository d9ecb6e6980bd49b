import type { Readable } from 'node:stream';
import type { Role } from '@medspa/shared-types';
import type { ZodType } from 'zod';
import { AppError } from '../errors.js';
import { findInvalidText } from './inputText.js';
import type { RequestContext } from './requestContext.js';

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

/**
 * Who may call a route: anyone, any signed-in user, or the listed roles. The authz
 * matrix test walks every route with every role against this declaration.
 */
export type Access = 'public' | 'authenticated' | readonly Role[];

export interface RouteInput<TBody, TQuery, TParams> {
  body: TBody;
  query: TQuery;
  params: TParams;
  context: RequestContext;
}

/** What a handler returns; the HTTP layer alone turns it into a response. */
export interface HandlerResult {
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Streamed bodies (exports); `body` is ignored when present. */
  stream?: Readable;
  /**
   * HTTP trailer fields sent after a streamed body (RFC 9110 §6.5), for values only known
   * once every byte is out, such as an export's signed digest. Name them in a `Trailer`
   * header. Not called when the stream fails or the client goes away.
   */
  trailers?: () => Promise<Record<string, string>>;
}

export interface RouteDefinition<TBody, TQuery, TParams> {
  method: HttpMethod;
  /** Express path, e.g. `/v1/users/:userId`. */
  path: string;
  access: Access;
  summary: string;
  body?: ZodType<TBody>;
  query?: ZodType<TQuery>;
  params?: ZodType<TParams>;
  handle: (input: RouteInput<TBody, TQuery, TParams>) => Promise<HandlerResult>;
}

export interface RawInput {
  body: unknown;
  query: unknown;
  params: unknown;
}

/** A route with its input types erased, ready to mount. */
export interface RouteSpec {
  method: HttpMethod;
  path: string;
  access: Access;
  summary: string;
  /** Whether the route reads a request body (the fuzz test targets these). */
  acceptsBody: boolean;
  /** Input schemas, kept for the OpenAPI document. */
  schemas: { body?: ZodType; query?: ZodType; params?: ZodType };
  invoke: (raw: RawInput, context: RequestContext) => Promise<HandlerResult>;
}

function parsePart<T>(schema: ZodType<T> | undefined, value: unknown, part: string): T {
  if (schema === undefined) {
    return undefined as T;
  }
  let result: ReturnType<ZodType<T>['safeParse']>;
  try {
    result = schema.safeParse(value);
  } catch {
    // A refinement that throws on input it did not expect is still the input's fault: the
    // client gets a 400, never a 500 (each such refinement should guard, as availability's do).
    throw new AppError(400, 'validation_failed', `${part}: not valid`);
  }
  if (!result.success) {
    // Paths and reasons only: echoing the offending values could reflect PHI.
    const reasons = result.error.issues
      .slice(0, 5)
      .map((issue) => `${[part, ...issue.path.map(String)].join('.')}: ${issue.message}`);
    throw new AppError(400, 'validation_failed', reasons.join('; '));
  }
  return result.data;
}

/** Refuses invalid characters anywhere in one part of the request (http/inputText.ts). */
function refuseInvalidText(value: unknown, part: string): void {
  const path = findInvalidText(value);
  if (path !== null) {
    // The path names where, never what: the text itself could be PHI.
    throw new AppError(
      400,
      'invalid_characters',
      `${path === '' ? part : `${part}.${path}`}: contains a NUL, another control character or an unpaired surrogate`,
    );
  }
}

/** Declares a route: validator -> handler (house rule 1, docs/house-rules.md). */
export function defineRoute<TBody = undefined, TQuery = undefined, TParams = undefined>(
  definition: RouteDefinition<TBody, TQuery, TParams>,
): RouteSpec {
  return {
    method: definition.method,
    path: definition.path,
    access: definition.access,
    summary: definition.summary,
    acceptsBody: definition.body !== undefined,
    schemas: { body: definition.body, query: definition.query, params: definition.params },
    invoke: async (raw, context) => {
      refuseInvalidText(raw.params, 'params');
      refuseInvalidText(raw.query, 'query');
      refuseInvalidText(raw.body, 'body');
      const params = parsePart(definition.params, raw.params, 'params');
      const query = parsePart(definition.query, raw.query, 'query');
      const body = parsePart(definition.body, raw.body, 'body');
      return definition.handle({ body, query, params, context });
    },
  };
}
