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
  query: Q;
  body: B;
  principal: Principal | undefined;
}

export interface RouteSpec<P extends TSchema, Q extends TSchema, B extends TSchema> {
  method: Method;
  /** Koa router syntax: `/products/:id`. */
  path: string;
  summary: string;
  tags?: string[];
  access: Access;
  params?: P;
  query?: Q;
  body?: B;
  /** The body may be absent (e.g. DELETE with an optional reason). */
  bodyOptional?: boolean;
  headers?: Record<string, { description: string; required?: boolean }>;
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

/** Registers routes on a router: authorise, validate params, query and body, then call the handler. */
export function mountRoutes(router: Router, routes: readonly Route[]): void {
  for (const { spec, params, query, body } of routes) {
    const method = spec.method.toLowerCase() as 'get' | 'post' | 'put' | 'delete' | 'patch';
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
        query: query ? query.parse({ ...ctx.query }) : {},
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

/** An OpenAPI 3.1 document built from the same route declarations that validate requests. */
export function openApiDocument(
  info: { title: string; version: string; description?: string },
  routes: readonly Route[],
) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const { spec } of routes) {
    const path = openApiPath(spec.path);
    paths[path] ??= {};
    const responses: Record<string, unknown> = {};
    for (const [status, response] of Object.entries(spec.responses)) {
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
      info,
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

/** `GET /openapi.json`, public and before authentication: the document is built once, at app build. */
export function serveOpenApi(document: Record<string, unknown>): Middleware {
  return async function answerOpenApi(ctx, next) {
    if (ctx.method !== 'GET' || ctx.path !== '/openapi.json') return next();
    ctx.body = document;
  };
}
