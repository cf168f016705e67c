import type { RouteAccess } from './route-access';

export interface OpenApiInfo {
  title: string;
  version: string;
}

export interface RouteRecord {
  method: string | string[];
  url: string;
  schema?: {
    params?: unknown;
    querystring?: unknown;
    body?: unknown;
    response?: Record<string, unknown>;
    summary?: string;
    description?: string;
    tags?: string[];
  };
  config?: { access?: RouteAccess };
}

const PROBLEM_SCHEMA = {
  type: 'object',
  required: ['type', 'title', 'status', 'detail', 'code'],
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    code: { type: 'string' },
    instance: { type: 'string' },
    errors: {
      type: 'array',
      items: { type: 'object', properties: { path: { type: 'string' }, reason: { type: 'string' } } },
    },
  },
};

function parameters(schema: unknown, location: 'path' | 'query') {
  const properties =
    (schema as { properties?: Record<string, unknown>; required?: string[] } | undefined)?.properties ?? {};
  const required = new Set((schema as { required?: string[] } | undefined)?.required ?? []);
  return Object.entries(properties).map(([name, property]) => ({
    name,
    in: location,
    required: location === 'path' || required.has(name),
    schema: property,
  }));
}

/** An OpenAPI 3.1 document built from the routes' own JSON schemas: it cannot drift from them. */
export function buildOpenApi(info: OpenApiInfo, routes: readonly RouteRecord[]) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const path = route.url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
    const access = route.config?.access;
    for (const method of [route.method].flat()) {
      const responses: Record<string, unknown> = {};
      for (const [status, schema] of Object.entries(route.schema?.response ?? {})) {
        responses[status] = { description: `HTTP ${status}`, content: { 'application/json': { schema } } };
      }
      responses.default = {
        description: 'A problem (RFC 9457)',
        content: { 'application/problem+json': { schema: PROBLEM_SCHEMA } },
      };
      paths[path] = {
        ...paths[path],
        [method.toLowerCase()]: {
          ...(route.schema?.summary ? { summary: route.schema.summary } : {}),
          ...(route.schema?.description ? { description: route.schema.description } : {}),
          parameters: [
            ...parameters(route.schema?.params, 'path'),
            ...parameters(route.schema?.querystring, 'query'),
          ],
          ...(route.schema?.body
            ? {
                requestBody: {
                  required: true,
                  content: { 'application/json': { schema: route.schema.body } },
                },
              }
            : {}),
          responses,
          security: access?.public ? [] : [{ bearer: [] }],
          ...(access?.scopes ? { 'x-lethe-scopes': access.scopes } : {}),
        },
      };
    }
  }
  return {
    openapi: '3.1.0',
    info,
    paths,
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT (EdDSA)' } },
    },
  };
}
