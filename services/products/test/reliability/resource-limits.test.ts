import type { DevIssuer } from '@shop/platform/dev-issuer';
import { listen, type TestServer } from '@shop/platform/testing';
import { send } from '@shop/reliability/load';
import { openSqlSession } from '@shop/reliability/sql-session';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import { loadProductsConfig } from '../../src/config.ts';
import type { ProductStore } from '../../src/domain/ports.ts';
import {
  type Api,
  aProduct,
  apiOf,
  newTenant,
  type ProductsUnderTest,
  sqlEngines,
  startIssuer,
  startProducts,
  type Tokens,
  testConfig,
  tokensOf,
} from '../support/harness.ts';

const BODY_LIMIT_BYTES = 2048;
const REQUEST_TIMEOUT_MS = 300;
/** A timed-out request must be answered by then: the timeout plus slack for a busy CI box. */
const TIMEOUT_ANSWER_BOUND_MS = 2000;
/** The test's client stops waiting here: a request the service never answers fails the test, not hangs it. */
const CLIENT_GIVES_UP_MS = 5000;

/** The longest a platform waits for an answer before it cuts the connection with no body of ours. */
const PLATFORM_LIMITS_MS = {
  awsApiGatewayAndLambda: 29_000,
  cloudRunDefault: 300_000,
  containerAppsIngress: 240_000,
};
/** Cloud Run and `docker stop` send SIGKILL 10 s after SIGTERM. */
const SIGKILL_AFTER_SIGTERM_MS = 10_000;

let issuer: DevIssuer;
let tokens: Tokens;
let products: ProductsUnderTest;
let limited: Api;

beforeAll(async () => {
  issuer = await startIssuer();
  tokens = tokensOf(issuer);
  products = await startProducts(sqlEngines[0]!, issuer);
  limited = await products.variant({ BODY_LIMIT_BYTES: String(BODY_LIMIT_BYTES) });
});
afterAll(async () => {
  await products?.close();
  await issuer?.close();
});

const adminList = async (tenant: string) =>
  (await limited.get('/products', { token: await tokens.admin(tenant) })).body;

/** POSTs `body` in chunks with no Content-Length (chunked transfer), as a client streaming it would. */
async function postStreamed(url: string, token: string, body: string) {
  const bytes = Buffer.from(body);
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      for (let at = 0; at < bytes.length; at += 512) controller.enqueue(bytes.subarray(at, at + 512));
      controller.close();
    },
  });
  const response = await fetch(`${url}/products`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: stream,
    duplex: 'half',
  } as RequestInit);
  return { status: response.status, body: await response.json() };
}

describe('body size', () => {
  it('When the declared body is larger than BODY_LIMIT_BYTES, then 413 and nothing is written', async () => {
    const tenant = newTenant();

    const reply = await limited.post('/products', {
      token: await tokens.admin(tenant),
      body: aProduct({ description: 'x'.repeat(BODY_LIMIT_BYTES) }),
    });

    expect(reply.status).toBe(413);
    expect(reply.body).toMatchObject({ status: 413, code: 'payload_too_large' });
    expect(await adminList(tenant)).toEqual({ items: [], next_cursor: null });
  });

  it('When a larger body is streamed without a Content-Length, then 413 once the limit is passed and nothing is written', async () => {
    const tenant = newTenant();
    const body = JSON.stringify(aProduct({ description: 'x'.repeat(BODY_LIMIT_BYTES) }));

    const reply = await postStreamed(limited.url, await tokens.admin(tenant), body);

    expect(reply).toEqual({ status: 413, body: expect.objectContaining({ code: 'payload_too_large' }) });
    expect(await adminList(tenant)).toEqual({ items: [], next_cursor: null });
  });

  it('When the body is exactly BODY_LIMIT_BYTES, then it is read and the product created', async () => {
    const tenant = newTenant();
    const json = JSON.stringify(aProduct());
    const exact = `${json.slice(0, -1) + ' '.repeat(BODY_LIMIT_BYTES - Buffer.byteLength(json))}}`;

    const reply = await limited.post('/products', { token: await tokens.admin(tenant), rawBody: exact });

    expect(Buffer.byteLength(exact)).toBe(BODY_LIMIT_BYTES);
    expect(reply.status).toBe(201);
    expect((await adminList(tenant)).items).toEqual([reply.body]);
  });
});

describe('page size', () => {
  it.each(['101', '1000', '100000000000'])(
    'When a page of %s products is asked for, then 400 names limit',
    async (limit) => {
      const reply = await limited.get(`/products?limit=${limit}`, {
        headers: { 'x-tenant-id': newTenant() },
      });

      expect(reply.status).toBe(400);
      expect(reply.body.errors).toEqual([expect.objectContaining({ in: 'query', field: 'limit' })]);
    },
  );

  it('When 100 are asked for, then at most 100 come back with a cursor to the rest', async () => {
    const tenant = newTenant();
    const admin = await tokens.admin(tenant);
    for (let i = 0; i < 101; i += 20) {
      await Promise.all(
        Array.from({ length: Math.min(20, 101 - i) }, () =>
          limited.post('/products', { token: admin, body: aProduct() }),
        ),
      );
    }

    const reply = await limited.get('/products?limit=100', { token: admin });

    expect(reply.status).toBe(200);
    expect(reply.body.items).toHaveLength(100);
    expect(reply.body.next_cursor).toEqual(expect.any(String));
  });
});

describe('request time', () => {
  it('When nothing is configured, then requests are cut before any platform cuts them, and the drain ends before SIGKILL', () => {
    const config = loadProductsConfig({ SERVICE_TOKEN_SECRET: 'x'.repeat(32) });

    expect(config.REQUEST_TIMEOUT_MS).toBeLessThan(Math.min(...Object.values(PLATFORM_LIMITS_MS)));
    expect(config.DB_ACQUIRE_TIMEOUT_MS).toBeLessThan(config.REQUEST_TIMEOUT_MS);
    expect(config.SHUTDOWN_TIMEOUT_MS).toBeLessThan(SIGKILL_AFTER_SIGTERM_MS);
  });

  describe('with a store that stalls', () => {
    let server: TestServer;
    let api: Api;
    let unstall: () => void;

    beforeAll(async () => {
      const stalled = new Promise<void>((resolve) => {
        unstall = resolve;
      });
      const stalling = new Proxy(products.deps.store, {
        get(target, property) {
          const value = Reflect.get(target, property, target);
          if (typeof value !== 'function') return value;
          return async (...args: unknown[]) => {
            await stalled;
            return value.apply(target, args);
          };
        },
      }) as ProductStore;
      const config = testConfig(products.databaseUrl, issuer, {
        REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
      });
      server = await listen(createApp({ ...products.deps, config, store: stalling }).callback());
      api = apiOf(server.url);
    });
    afterAll(async () => {
      unstall();
      await server?.close();
    });

    it.each([
      ['a catalog read', 'GET', '/products?limit=5'],
      ['a product write', 'POST', '/products'],
    ])(
      'When %s waits on the store past REQUEST_TIMEOUT_MS, then 503 timeout with Retry-After, in time',
      async (_, method, path) => {
        const tenant = newTenant();
        const token = await tokens.admin(tenant);
        const started = performance.now();

        const reply = await send(api.url, method, path, {
          token,
          body: method === 'POST' ? aProduct() : undefined,
          timeoutMs: CLIENT_GIVES_UP_MS,
        });

        expect(performance.now() - started).toBeLessThan(TIMEOUT_ANSWER_BOUND_MS);
        expect(reply.status).toBe(503);
        expect(reply.body).toMatchObject({ status: 503, code: 'timeout' });
        expect(Number(reply.headers.get('retry-after'))).toBeGreaterThan(0);
      },
    );

    it('When the store stalls, then /healthz still answers at once (it does no I/O)', async () => {
      const reply = await api.get('/healthz');

      expect(reply).toMatchObject({ status: 200, body: { status: 'ok' } });
    });
  });
});

const servers = sqlEngines.filter((target) => target.engine !== 'sqlite');
for (const target of servers) {
  describe(`request time on ${target.engine}`, () => {
    let real: ProductsUnderTest;
    let api: Api;

    beforeAll(async () => {
      real = await startProducts(target, issuer);
      api = await real.variant({ REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS) });
    });
    afterAll(() => real?.close());

    it('When another client holds the product row locked past REQUEST_TIMEOUT_MS, then the update is answered 503 timeout in time, and a retry after the lock applies it', async () => {
      const tenant = newTenant();
      const token = await tokens.admin(tenant);
      const created = await api.post('/products', { token, body: aProduct() });
      const locker = await openSqlSession(target.url!);
      try {
        await locker.query('begin');
        await locker.query(
          'select stock_quantity from products where tenant_id = ? and product_id = ? for update',
          [tenant, created.body.product_id],
        );
        const started = performance.now();

        const reply = await send(api.url, 'PUT', `/products/${created.body.product_id}`, {
          token,
          body: { name: 'Renamed' },
          timeoutMs: CLIENT_GIVES_UP_MS,
        });

        expect(performance.now() - started).toBeLessThan(TIMEOUT_ANSWER_BOUND_MS);
        expect(reply.status).toBe(503);
        expect(reply.body).toMatchObject({ code: 'timeout' });
        expect(Number(reply.headers.get('retry-after'))).toBeGreaterThan(0);
      } finally {
        await locker.query('rollback');
        await locker.close();
      }
      const retried = await api.put(`/products/${created.body.product_id}`, {
        token,
        body: { name: 'Renamed' },
      });
      expect(retried.status).toBe(200);
      expect(retried.body.name).toBe('Renamed');
    });
  });
}
