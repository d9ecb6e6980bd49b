import { z } from 'zod';
import type { ZodType } from 'zod';
import type { RouteSpec } from '../../http/route.js';

type JsonSchema = Record<string, unknown>;

const ERROR_RESPONSE = {
  description: 'Error: `{ code, message }` with a machine-readable code',
  content: {
    'application/json': {
      schema: {
        type: 'object',
        required: ['code', 'message'],
        properties: { code: { type: 'string' }, message: { type: 'string' } },
      },
    },
  },
};

function jsonSchemaOf(schema: ZodType): JsonSchema {
  // "input" describes what callers send (before coercion and defaults).
  const json: JsonSchema = { ...z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) };
  // The document declares its dialect once; per-schema markers would be noise.
  delete json.$schema;
  return json;
}

/** Turns `/v1/users/:userId` into OpenAPI's `/v1/users/{userId}`. */
function openApiPath(expressPath: string): string {
  return expressPath.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

function parametersOf(schema: ZodType | undefined, location: 'path' | 'query'): JsonSchema[] {
  if (schema === undefined) return [];
  const json = jsonSchemaOf(schema) as { properties?: Record<string, JsonSchema>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, property]) => ({
    name,
    in: location,
    required: location === 'path' || (json.required ?? []).includes(name),
    schema: property,
  }));
}

function securityOf(route: RouteSpec): { security?: Record<string, string[]>[]; 'x-roles'?: readonly string[] } {
  if (route.access === 'public') return { security: [] };
  if (route.access === 'authenticated') return {};
  return { 'x-roles': route.access };
}

/**
 * OpenAPI 3.1 document generated from the mounted route specs, so the published contract
 * cannot drift from the validators that actually run.
 */
export function buildOpenApiDocument(routes: readonly RouteSpec[], version: string): JsonSchema {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const path = openApiPath(route.path);
    const operation: Record<string, unknown> = {
      summary: route.summary,
      ...securityOf(route),
      parameters: [...parametersOf(route.schemas.params, 'path'), ...parametersOf(route.schemas.query, 'query')],
      responses: {
        '200': { description: 'Success' },
        '4XX': ERROR_RESPONSE,
      },
    };
    if (route.schemas.body !== undefined) {
      operation.requestBody = {
        required: true,
        content: { 'application/json': { schema: jsonSchemaOf(route.schemas.body) } },
      };
    }
    paths[path] = { ...paths[path], [route.method]: operation };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'medspa-telehealth API', version },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
    },
    security: [{ bearer: [] }],
    paths,
  };
}
