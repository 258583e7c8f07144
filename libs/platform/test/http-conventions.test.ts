import { Router } from '@koa/router';
import Koa from 'koa';
import Type from 'typebox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AppError,
  createLogger,
  errorHandler,
  health,
  ifMatchVersion,
  jsonBody,
  mountRoutes,
  openApiDocument,
  type Principal,
  requestLogging,
  requestTimeout,
  route,
  routerFor,
  StrictObject,
} from '../src/index.ts';
import { listen, type TestServer } from '../src/testing/index.ts';

const lines: Record<string, unknown>[] = [];
const logger = createLogger({
  service: 'test',
  level: 'info',
  destination: { write: (line: string) => void lines.push(JSON.parse(line)) },
});

const Widget = StrictObject({
  name: Type.String({ minLength: 1, maxLength: 20 }),
  quantity: Type.Integer({ minimum: 1 }),
  tags: Type.Optional(Type.Array(Type.String(), { maxItems: 3 })),
});

const routes = [
  route({
    method: 'POST',
    path: '/widgets',
    operationId: 'createWidget',
    summary: 'Create a widget',
    access: 'public',
    body: Widget,
    responses: {
      201: { description: 'created', schema: Widget, headers: { location: 'Where the widget is' } },
    },
    handler: ({ body }, ctx) => {
      ctx.status = 201;
      ctx.body = body;
    },
  }),
  route({
    method: 'GET',
    path: '/widgets/:id',
    operationId: 'getWidget',
    summary: 'Read a widget',
    access: ['admin'],
    params: Type.Object({ id: Type.String({ format: 'uuid' }) }),
    query: Type.Object({ limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }) }),
    responses: { 200: { description: 'ok' } },
    handler: ({ params, query }, ctx) => {
      ctx.body = { id: params.id, limit: query.limit };
    },
  }),
  route({
    method: 'GET',
    path: '/boom',
    operationId: 'boom',
    summary: 'Fails',
    access: 'public',
    responses: {},
    handler: () => {
      throw new Error('secret connection string postgres://user:pw@db');
    },
  }),
  route({
    method: 'GET',
    path: '/slow',
    operationId: 'slow',
    summary: 'Slow',
    access: 'public',
    responses: {},
    handler: async (_input, ctx) => {
      await new Promise((resolve) => setTimeout(resolve, 500));
      ctx.body = { late: true };
    },
  }),
  route({
    method: 'GET',
    path: '/unavailable',
    operationId: 'unavailable',
    summary: 'Store down',
    access: 'public',
    responses: {},
    handler: () => {
      throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:3306'), { code: 'ECONNREFUSED' });
    },
  }),
];

function buildApp(principal?: Principal) {
  const app = new Koa();
  const router = new Router();
  mountRoutes(router, routes);
  router.get('/openapi.json', (ctx) => {
    ctx.body = openApiDocument({ title: 'test', version: '1' }, routes);
  });
  app.use(requestLogging({ logger }));
  app.use(errorHandler());
  app.use(health({ store: async () => undefined }));
  app.use(requestTimeout(200));
  app.use(jsonBody({ limit: 2048 }));
  app.use(async (ctx, next) => {
    ctx.state.principal = principal;
    await next();
  });
  app.use(router.routes());
  app.use(router.allowedMethods());
  return app;
}

let server: TestServer;
let adminServer: TestServer;
beforeAll(async () => {
  server = await listen(buildApp().callback());
  adminServer = await listen(
    buildApp({ tenantId: 't1', userId: 'u1', email: null, roles: ['admin'], provider: 'dev' }).callback(),
  );
});
afterAll(async () => {
  await server.close();
  await adminServer.close();
});

// biome-ignore lint/suspicious/noExplicitAny: assertions below read arbitrary JSON
type Json = Record<string, any>;
const json = async (response: Response): Promise<Json> => (await response.json()) as Json;

const post = (body: string, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
  fetch(`${server.url}/widgets`, { method: 'POST', headers, body });

describe('HTTP conventions', () => {
  it('When the body is valid, then the handler receives it typed and unchanged', async () => {
    const response = await post(JSON.stringify({ name: 'a', quantity: 2 }));
    expect(response.status).toBe(201);
    expect(await response.json()).toEqual({ name: 'a', quantity: 2 });
  });

  it('When the body has an unknown field, then 400 names that field (no mass assignment)', async () => {
    const response = await post(JSON.stringify({ name: 'a', quantity: 2, tenant_id: 'other' }));
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const problem = await json(response);
    expect(problem).toMatchObject({
      status: 400,
      code: 'validation_failed',
      errors: [{ in: 'body', field: 'tenant_id', message: 'is not a known field' }],
    });
    expect(problem.request_id).toMatch(/.+/);
  });

  it('When fields are missing or of the wrong type, then each failing field is listed', async () => {
    const response = await post(JSON.stringify({ quantity: 'two', tags: ['a', 'b', 'c', 'd'] }));
    const problem = await json(response);
    expect(response.status).toBe(400);
    const fields = problem.errors.map((error: { field: string }) => error.field);
    expect(fields).toEqual(expect.arrayContaining(['name', 'quantity', 'tags']));
  });

  it('When the JSON is malformed, then 400 malformed_json', async () => {
    const response = await post('{"name": ');
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ code: 'malformed_json' });
  });

  it('When the body is larger than the limit, then 413 before it is parsed', async () => {
    const response = await post(JSON.stringify({ name: 'x'.repeat(5000), quantity: 1 }));
    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({ code: 'payload_too_large', status: 413 });
  });

  it('When the body is not JSON, then 415', async () => {
    const response = await post('name=a', { 'content-type': 'application/x-www-form-urlencoded' });
    expect(response.status).toBe(415);
    expect(await response.json()).toMatchObject({ code: 'unsupported_media_type' });
  });

  it('When a route needs a body and none is sent, then 400 names the body', async () => {
    const response = await fetch(`${server.url}/widgets`, { method: 'POST' });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      errors: [{ field: 'body', message: 'a JSON body is required' }],
    });
  });

  it('When a role-guarded route is called anonymously, then 401; with the role, query strings are converted', async () => {
    const id = crypto.randomUUID();
    const anonymous = await fetch(`${server.url}/widgets/${id}`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toBe('Bearer');
    const admin = await fetch(`${adminServer.url}/widgets/${id}?limit=5`);
    expect(await admin.json()).toEqual({ id, limit: 5 });
    const defaults = await fetch(`${adminServer.url}/widgets/${id}`);
    expect(await defaults.json()).toEqual({ id, limit: 20 });
  });

  it('When path or query params are invalid, then 400 names them', async () => {
    const response = await fetch(`${adminServer.url}/widgets/not-a-uuid?limit=1000`);
    expect(response.status).toBe(400);
    const problem = await json(response);
    expect(problem.errors).toEqual(
      expect.arrayContaining([expect.objectContaining({ in: 'params', field: 'id' })]),
    );
  });

  it('When a handler fails unexpectedly, then 500 says nothing internal but carries the request id', async () => {
    const response = await fetch(`${server.url}/boom`, { headers: { 'x-request-id': 'req-123' } });
    expect(response.status).toBe(500);
    const text = await response.text();
    expect(text).not.toContain('postgres://');
    expect(JSON.parse(text)).toMatchObject({ code: 'internal', request_id: 'req-123' });
    expect(response.headers.get('x-request-id')).toBe('req-123');
    const logged = lines.find((line) => line.request_id === 'req-123');
    expect(logged).toMatchObject({ level: 'error', severity: 'ERROR', status: 500, path: '/boom' });
  });

  it('When a store refuses connections, then 503 with Retry-After', async () => {
    const response = await fetch(`${server.url}/unavailable`);
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('2');
    expect(await response.json()).toMatchObject({ code: 'dependency_unavailable' });
  });

  it('When a request outlives the timeout, then 503 timeout is answered first', async () => {
    const response = await fetch(`${server.url}/slow`);
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ code: 'timeout' });
  });

  it('When no route matches, then 404 problem+json', async () => {
    const response = await fetch(`${server.url}/nothing`);
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ code: 'not_found' });
  });

  it('When the probes are called, then /healthz does no I/O and /readyz reports each check', async () => {
    expect(await (await fetch(`${server.url}/healthz`)).json()).toEqual({ status: 'ok' });
    expect(await (await fetch(`${server.url}/readyz`)).json()).toEqual({
      status: 'ok',
      checks: { store: 'ok' },
    });
  });

  it('When /openapi.json is read, then it describes the routes from the same schemas', async () => {
    const document = await json(await fetch(`${server.url}/openapi.json`));
    expect(document.openapi).toBe('3.1.0');
    expect(document.paths['/widgets'].post.requestBody.content['application/json'].schema).toMatchObject({
      additionalProperties: false,
      required: ['name', 'quantity'],
    });
    expect(document.paths['/widgets'].post.responses['201'].headers).toEqual({
      location: { description: 'Where the widget is', schema: { type: 'string' } },
    });
    expect(document.paths['/widgets/{id}'].get.parameters).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: 'id', in: 'path', required: true })]),
    );
  });

  it('When a route declares only what its handler answers, then its operation also documents what the platform answers on it', () => {
    const document = openApiDocument({ title: 'widgets', version: '1' }, routes) as Json;

    expect(Object.keys(document.paths['/widgets'].post.responses)).toEqual([
      '201',
      '400',
      '401',
      '403',
      '413',
      '415',
      '500',
      '503',
    ]);
    expect(Object.keys(document.paths['/widgets/{id}'].get.responses)).toEqual([
      '200',
      '400',
      '401',
      '403',
      '500',
      '503',
    ]);
    expect(document.paths['/widgets/{id}'].get.responses['403'].description).toContain('admin');
    expect(document.paths['/widgets'].post.responses['503'].headers).toHaveProperty('Retry-After');
    expect(document.paths['/widgets/{id}'].get.operationId).toBe('getWidget');
    expect(document.servers).toEqual([expect.objectContaining({ url: '/' })]);
    expect(document.info.license).toEqual({ name: 'MIT', identifier: 'MIT' });
  });
});

describe('AppError', () => {
  it('When an error is 5xx, then it is not exposed', () => {
    expect(new AppError(500, 'internal', 'x').expose).toBe(false);
    expect(new AppError(409, 'conflict', 'x').expose).toBe(true);
  });
});

describe('routerFor and If-Match', () => {
  it('When a known path is called with another method, then 405 method_not_allowed problem', async () => {
    const app = new Koa();
    app.use(errorHandler());
    app.use(routerFor(routes));
    const running = await listen(app.callback());
    try {
      const response = await fetch(`${running.url}/widgets`, { method: 'DELETE' });
      expect(response.status).toBe(405);
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(await json(response)).toMatchObject({ code: 'method_not_allowed', status: 405 });
    } finally {
      await running.close();
    }
  });

  it('When the same query text comes again, then the handler gets the value validated the first time, frozen; a bad query is never kept', async () => {
    const seen: unknown[] = [];
    const mutated: string[] = [];
    const listing = route({
      method: 'GET',
      path: '/things',
      operationId: 'listThings',
      summary: 'List things',
      access: 'public',
      query: Type.Object({
        limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
        tag: Type.Optional(Type.Array(Type.String(), { maxItems: 3 })),
      }),
      responses: { 200: { description: 'ok' } },
      handler: ({ query }, ctx) => {
        seen.push(query);
        try {
          (query as { limit: number }).limit = 99;
        } catch (error) {
          mutated.push((error as Error).constructor.name);
        }
        ctx.body = { limit: query.limit };
      },
    });
    const app = new Koa();
    app.use(errorHandler());
    app.use(routerFor([listing]));
    const running = await listen(app.callback());
    try {
      const read = async (query: string) => {
        const response = await fetch(`${running.url}/things${query}`);
        return { status: response.status, body: await json(response) };
      };
      expect(await read('?limit=5')).toEqual({ status: 200, body: { limit: 5 } });
      expect(await read('?limit=5')).toEqual({ status: 200, body: { limit: 5 } });
      expect(seen[1]).toBe(seen[0]);
      expect(Object.isFrozen(seen[0])).toBe(true);
      expect(mutated).toEqual(['TypeError', 'TypeError']);
      expect(await read('?limit=500')).toMatchObject({ status: 400 });
      expect(await read('?limit=500')).toMatchObject({ status: 400 });
      expect(await read('')).toEqual({ status: 200, body: { limit: 20 } });
      expect(seen).toHaveLength(3);
      expect(seen[2]).not.toBe(seen[0]);
    } finally {
      await running.close();
    }
  });

  it('When If-Match is *, absent or a version, then it reads as no precondition or that version', () => {
    expect(ifMatchVersion('*')).toBeUndefined();
    expect(ifMatchVersion(undefined)).toBeUndefined();
    expect(ifMatchVersion('W/"7"')).toBe(7);
    expect(() => ifMatchVersion('"seven"')).toThrow(AppError);
  });
});
