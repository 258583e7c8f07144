import { Router } from '@koa/router';
import type { Context, Middleware } from 'koa';
import type { Static, TSchema } from 'typebox';
import { AppError } from './errors.ts';
import type { Principal, Role } from './principal.ts';
import { type CompiledSchema, compileSchema } from './validation.ts';

export type Method = 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH';

/** Who may call a route: anyone (a principal is optional), any principal, or principals with one of the roles. */
export type Access = 'public' | 'authenticated' | readonly Role[];

export interface ResponseSpec {
  description: string;
  schema?: TSchema;
  headers?: Record<string, string>;
}

export interface RouteInput<P, Q, B> {
  params: P;
  /** Shared by every request with the same query text (mountRoutes remembers it) and frozen. */
  query: Readonly<Q>;
  body: B;
  principal: Principal | undefined;
}

export interface RouteSpec<P extends TSchema, Q extends TSchema, B extends TSchema> {
  method: Method;
  /** Koa router syntax: `/products/:id`. */
  path: string;
  /** Unique per service: client generators name the method after it (`listProducts`, `placeOrder`). */
  operationId: string;
  summary: string;
  tags?: string[];
  access: Access;
  params?: P;
  query?: Q;
  body?: B;
  /** The body may be absent (e.g. DELETE with an optional reason). */
  bodyOptional?: boolean;
  headers?: Record<string, { description: string; required?: boolean }>;
  /**
   * What the route itself answers: its successes and the failures its handler throws. Those every route
   * can answer (see impliedResponses) are added to its OpenAPI operation when not declared here.
   */
  responses: Record<number, ResponseSpec>;
  handler: (input: RouteInput<Static<P>, Static<Q>, Static<B>>, ctx: Context) => Promise<void> | void;
}

export interface Route {
  spec: RouteSpec<TSchema, TSchema, TSchema>;
  params?: CompiledSchema<TSchema>;
  query?: CompiledSchema<TSchema>;
  body?: CompiledSchema<TSchema>;
}

/** Declares a route; its schemas are typed into the handler and compiled into validators on first use. */
export function route<P extends TSchema, Q extends TSchema, B extends TSchema>(
  spec: RouteSpec<P, Q, B>,
): Route {
  return {
    spec: spec as unknown as RouteSpec<TSchema, TSchema, TSchema>,
    params: spec.params && compileSchema(spec.params, 'params'),
    query: spec.query && compileSchema(spec.query, 'query'),
    body: spec.body && compileSchema(spec.body, 'body'),
  };
}

function authorize(access: Access, principal: Principal | undefined): void {
  if (access === 'public') return;
  if (!principal) throw AppError.unauthenticated();
  if (access === 'authenticated') return;
  if (!access.some((role) => principal.roles.includes(role))) {
    throw AppError.forbidden(`This needs the ${access.join(' or ')} role.`);
  }
}

/** Longest query string whose validated value is remembered, and how many are remembered per route. */
const MEMO_TEXT_MAX = 256;
const MEMO_ENTRIES = 256;

/**
 * A route's validated query by its text. A storefront asks for the same few pages over and over, and
 * typebox's Default and Convert walk the schema on every call (~10 % of a catalog page's CPU). The value
 * is deep-frozen, so a handler that tried to change it would throw rather than change it for the next
 * request; only valid queries are kept (a 400 is thrown before), and the map is emptied when full.
 */
function memoizedQuery(schema: CompiledSchema<TSchema>): (ctx: Context) => object {
  const memo = new Map<string, object>();
  return (ctx) => {
    const text = ctx.querystring;
    if (text.length > MEMO_TEXT_MAX) return schema.parse({ ...ctx.query }) as object;
    let value = memo.get(text);
    if (value === undefined) {
      value = deepFreeze(schema.parse({ ...ctx.query }) as object);
      if (memo.size >= MEMO_ENTRIES) memo.clear();
      memo.set(text, value);
    }
    return value;
  };
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const member of Object.values(value)) deepFreeze(member);
  }
  return value;
}

/** Registers routes on a router: authorise, validate params, query and body, then call the handler. */
export function mountRoutes(router: Router, routes: readonly Route[]): void {
  for (const { spec, params, query, body } of routes) {
    const method = spec.method.toLowerCase() as 'get' | 'post' | 'put' | 'delete' | 'patch';
    const queryOf = query && memoizedQuery(query);
    router[method](spec.path, async (ctx: Context) => {
      const principal = ctx.state.principal as Principal | undefined;
      authorize(spec.access, principal);
      const rawBody = ctx.request.body;
      if (body && rawBody === undefined && !spec.bodyOptional) {
        throw AppError.validation([{ in: 'body', field: 'body', message: 'a JSON body is required' }]);
      }
      if (!body && rawBody !== undefined) {
        throw AppError.validation([{ in: 'body', field: 'body', message: 'this route takes no body' }]);
      }
      const input = {
        params: params ? params.parse({ ...ctx.params }) : {},
        query: queryOf ? queryOf(ctx) : {},
        body: body && rawBody !== undefined ? body.parse(rawBody) : undefined,
        principal,
      };
      await spec.handler(input, ctx);
    });
  }
}

const openApiPath = (path: string) => path.replace(/:(\w+)/g, '{$1}');

const parametersOf = (schema: TSchema | undefined, location: 'path' | 'query') => {
  const object = schema as { properties?: Record<string, TSchema>; required?: string[] } | undefined;
  return Object.entries(object?.properties ?? {}).map(([name, property]) => ({
    name,
    in: location,
    required: location === 'path' || (object?.required ?? []).includes(name),
    schema: property,
  }));
};

const problemSchema = {
  type: 'object',
  required: ['type', 'title', 'status', 'code', 'detail'],
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer' },
    code: { type: 'string' },
    detail: { type: 'string' },
    request_id: { type: 'string' },
    errors: {
      type: 'array',
      items: {
        type: 'object',
        properties: { in: { type: 'string' }, field: { type: 'string' }, message: { type: 'string' } },
      },
    },
  },
};

const retryAfter = { 'Retry-After': 'Seconds to wait before retrying.' };

/**
 * The failures the platform answers on a route before or around its handler, whatever the route: input
 * validation (params, query, headers such as X-Tenant-Id or If-Match, a body sent where none is taken),
 * refused credentials (a bearer token that does not verify is a 401 on public routes too, a token without
 * a tenant a 403), the body reader's limits, the request time bound and unreachable dependencies (store,
 * identity provider), and the generic 500.
 */
export function impliedResponses(spec: Pick<RouteSpec<TSchema, TSchema, TSchema>, 'access' | 'body'>) {
  const responses: Record<number, ResponseSpec> = {
    400: { description: 'The request is not valid: `errors` names each failing field and where it was.' },
    401:
      spec.access === 'public'
        ? {
            description: 'A bearer token was sent and does not verify.',
            headers: { 'WWW-Authenticate': 'Bearer' },
          }
        : {
            description: 'No credentials, or a bearer token that does not verify.',
            headers: { 'WWW-Authenticate': 'Bearer' },
          },
    403:
      spec.access === 'public' || spec.access === 'authenticated'
        ? { description: 'The token names no tenant (code `tenant_missing`).' }
        : {
            description: `The caller is not ${spec.access.join(' or ')} (code \`forbidden\`), or the token names no tenant (\`tenant_missing\`).`,
          },
    500: { description: 'An unexpected failure; the body says nothing internal and quotes the request id.' },
    503: {
      description:
        'A dependency (the store, the identity provider’s keys) is unavailable, or the request ran out of time; nothing was changed that a retry would repeat.',
      headers: retryAfter,
    },
  };
  if (spec.body) {
    responses[413] = {
      description: 'The body is larger than this service accepts (code `payload_too_large`).',
    };
    responses[415] = { description: 'The body is not `application/json` (code `unsupported_media_type`).' };
  }
  return responses;
}

/** Every status a route can answer: what it declares, and what the platform adds (declared text wins). */
export const responsesOf = (spec: RouteSpec<TSchema, TSchema, TSchema>): Record<number, ResponseSpec> => ({
  ...impliedResponses(spec),
  ...spec.responses,
});

export interface OpenApiInfo {
  title: string;
  version: string;
  description?: string;
}

/**
 * An OpenAPI 3.1 document built from the same route declarations that validate requests. Its server is
 * relative (`/`): the document is served by the service it describes, at whatever address that has.
 */
export function openApiDocument(info: OpenApiInfo, routes: readonly Route[]) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const { spec } of routes) {
    const path = openApiPath(spec.path);
    paths[path] ??= {};
    const responses: Record<string, unknown> = {};
    const all = responsesOf(spec);
    for (const status of Object.keys(all).sort()) {
      const response = all[Number(status)]!;
      const isProblem = Number(status) >= 400;
      responses[status] = {
        description: response.description,
        ...(response.headers
          ? {
              headers: Object.fromEntries(
                Object.entries(response.headers).map(([name, description]) => [
                  name,
                  { description, schema: { type: 'string' } },
                ]),
              ),
            }
          : {}),
        ...(response.schema || isProblem
          ? {
              content: {
                [isProblem ? 'application/problem+json' : 'application/json']: {
                  schema: response.schema ?? { $ref: '#/components/schemas/Problem' },
                },
              },
            }
          : {}),
      };
    }
    const headerParameters = Object.entries(spec.headers ?? {}).map(([name, header]) => ({
      name,
      in: 'header',
      required: header.required ?? false,
      description: header.description,
      schema: { type: 'string' },
    }));
    paths[path][spec.method.toLowerCase()] = {
      operationId: spec.operationId,
      summary: spec.summary,
      tags: spec.tags,
      security: spec.access === 'public' ? [{}, { bearer: [] }] : [{ bearer: [] }],
      parameters: [
        ...parametersOf(spec.params, 'path'),
        ...parametersOf(spec.query, 'query'),
        ...headerParameters,
      ],
      ...(spec.body
        ? {
            requestBody: {
              required: !spec.bodyOptional,
              content: { 'application/json': { schema: spec.body } },
            },
          }
        : {}),
      responses,
    };
  }
  return JSON.parse(
    JSON.stringify({
      openapi: '3.1.0',
      info: { ...info, license: { name: 'MIT', identifier: 'MIT' } },
      servers: [{ url: '/', description: 'The service that serves this document.' }],
      paths,
      components: {
        securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
        schemas: { Problem: problemSchema },
      },
    }),
  ) as Record<string, unknown>;
}

/**
 * Mounts declared routes and answers the rest as problems: a known path with another method is 405
 * (`method_not_allowed`, also for methods the router does not implement), an unknown path falls through
 * to the error handler's 404.
 */
export function routerFor(routes: readonly Route[]): Middleware {
  const router = new Router();
  mountRoutes(router, routes);
  const notAllowed = () => new AppError(405, 'method_not_allowed', 'This path does not take that method.');
  const matched = router.routes() as unknown as Middleware;
  const otherMethods = router.allowedMethods({
    throw: true,
    methodNotAllowed: notAllowed,
    notImplemented: notAllowed,
  }) as unknown as Middleware;
  return (ctx, next) => matched(ctx, () => otherMethods(ctx, next));
}

/**
 * `GET /openapi.json` (or `path`), public and before authentication: the document is built once, at app
 * build. A service's internal routes get their own document under their own prefix, which every gateway
 * keeps private with them.
 */
export function serveOpenApi(document: Record<string, unknown>, path = '/openapi.json'): Middleware {
  return async function answerOpenApi(ctx, next) {
    if (ctx.method !== 'GET' || ctx.path !== path) return next();
    ctx.body = document;
  };
}
