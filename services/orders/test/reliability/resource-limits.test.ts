import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DevIssuer } from '@shop/platform/dev-issuer';
import { send } from '@shop/reliability/load';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadOrdersConfig } from '../../src/config.ts';
import type { OrderStore } from '../../src/domain/ports.ts';
import {
  newTenant,
  ordersConfig,
  type ProvisionedStore,
  provisionStore,
  type RunningOrders,
  startIssuer,
  startOrders,
  type Tokens,
  tokensOf,
} from '../helpers/harness.ts';

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

const anOrder = (productId = randomUUID()) => ({
  shipping_address: { street: '1 Main St', city: 'Springfield', zip_code: '12345', country: 'USA' },
  items: [{ product_id: productId, quantity: 1 }],
});

/** A products service that takes every connection and never answers. */
async function startSilentProducts(): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer(() => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The store, except that every call waits until `release` (a database that stopped answering). */
function stalling(store: OrderStore, until: Promise<void>): OrderStore {
  return new Proxy(store, {
    get(target, property) {
      const value = Reflect.get(target, property, target);
      if (typeof value !== 'function' || property === 'close') return value;
      return async (...args: unknown[]) => {
        await until;
        return value.apply(target, args);
      };
    },
  });
}

let issuer: DevIssuer;
let tokens: Tokens;
let silentProducts: Awaited<ReturnType<typeof startSilentProducts>>;
let store: ProvisionedStore;
let limited: RunningOrders;
let stalled: RunningOrders;
let waitingOnProducts: RunningOrders;
let unstall: () => void;

beforeAll(async () => {
  issuer = await startIssuer();
  tokens = tokensOf(issuer);
  silentProducts = await startSilentProducts();
  store = await provisionStore({ engine: 'sqlite', url: undefined }, 'limits');
  limited = await startOrders(
    ordersConfig(issuer, silentProducts.url, store.env, { BODY_LIMIT_BYTES: String(BODY_LIMIT_BYTES) }),
  );
  const stall = new Promise<void>((resolve) => {
    unstall = resolve;
  });
  stalled = await startOrders(
    ordersConfig(issuer, silentProducts.url, store.env, { REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS) }),
    { wrapStore: (real) => stalling(real, stall) },
  );
  // Products slower than the whole request budget: its own timeout and retries would take 30 s.
  waitingOnProducts = await startOrders(
    ordersConfig(issuer, silentProducts.url, store.env, {
      REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
      PRODUCTS_TIMEOUT_MS: '10000',
      PRODUCTS_RETRIES: '2',
    }),
  );
});

afterAll(async () => {
  unstall?.();
  await Promise.all([limited?.close(), stalled?.close(), waitingOnProducts?.close()]);
  await silentProducts?.close();
  await store?.drop();
  await issuer?.close();
});

const listOf = async (tenant: string) =>
  (await limited.api.get('/orders', { token: await tokens.admin(tenant) })).body;

describe('body size', () => {
  it('When a declared order body is larger than BODY_LIMIT_BYTES, then 413 and nothing is written', async () => {
    const tenant = newTenant();

    const reply = await limited.api.post('/orders', {
      token: await tokens.customer(tenant),
      body: { ...anOrder(), notes: 'x'.repeat(BODY_LIMIT_BYTES) },
    });

    expect(reply.status).toBe(413);
    expect(reply.body).toMatchObject({ status: 413, code: 'payload_too_large' });
    expect(await listOf(tenant)).toEqual({ orders: [], next_cursor: null, count: 0 });
  });

  it('When a larger order body is streamed without a Content-Length, then 413 and nothing is written', async () => {
    const tenant = newTenant();
    const bytes = Buffer.from(JSON.stringify({ ...anOrder(), notes: 'x'.repeat(BODY_LIMIT_BYTES) }));
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let at = 0; at < bytes.length; at += 512) controller.enqueue(bytes.subarray(at, at + 512));
        controller.close();
      },
    });

    const response = await fetch(`${limited.api.url}/orders`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${await tokens.customer(tenant)}`,
        'content-type': 'application/json',
      },
      body: stream,
      duplex: 'half',
    } as RequestInit);

    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({ code: 'payload_too_large' });
    expect(await listOf(tenant)).toEqual({ orders: [], next_cursor: null, count: 0 });
  });

  it('When a status change body is larger than BODY_LIMIT_BYTES, then 413', async () => {
    const reply = await limited.api.put(`/orders/${randomUUID()}`, {
      token: await tokens.admin(newTenant()),
      body: { status: 'CANCELLED', reason: 'x'.repeat(BODY_LIMIT_BYTES) },
    });

    expect(reply.status).toBe(413);
    expect(reply.body).toMatchObject({ code: 'payload_too_large' });
  });
});

describe('page size', () => {
  it.each([['/orders?limit=101'], ['/orders?limit=100000000000'], ['/customers/someone/orders?limit=101']])(
    'When %s is asked for, then 400 names limit',
    async (path) => {
      const reply = await limited.api.get(path, { token: await tokens.admin(newTenant()) });

      expect(reply.status).toBe(400);
      expect(reply.body.errors).toEqual([expect.objectContaining({ in: 'query', field: 'limit' })]);
    },
  );

  it('When a page of 100 is asked for, then it is served', async () => {
    const reply = await limited.api.get('/orders?limit=100', { token: await tokens.admin(newTenant()) });

    expect(reply).toMatchObject({ status: 200, body: { orders: [], next_cursor: null } });
  });
});

describe('request time', () => {
  it('When nothing is configured, then every dependency gives up before the request does, and requests are cut before any platform cuts them', () => {
    const config = loadOrdersConfig({ SERVICE_TOKEN_SECRET: 'x'.repeat(32) });
    // Every attempt at products, plus the largest jittered back-offs between them (100 ms, 200 ms, …).
    const productsWorstCaseMs =
      (config.PRODUCTS_RETRIES + 1) * config.PRODUCTS_TIMEOUT_MS +
      Array.from({ length: config.PRODUCTS_RETRIES }, (_, i) => Math.min(1000, 100 * 2 ** i)).reduce(
        (a, b) => a + b,
        0,
      );

    expect(config.REQUEST_TIMEOUT_MS).toBeLessThan(Math.min(...Object.values(PLATFORM_LIMITS_MS)));
    expect(productsWorstCaseMs).toBeLessThan(config.REQUEST_TIMEOUT_MS);
    expect(config.DB_ACQUIRE_TIMEOUT_MS).toBeLessThan(config.REQUEST_TIMEOUT_MS);
    expect(config.IDEMPOTENCY_WAIT_MS).toBeLessThan(config.REQUEST_TIMEOUT_MS);
    expect(config.SHUTDOWN_TIMEOUT_MS).toBeLessThan(SIGKILL_AFTER_SIGTERM_MS);
  });

  it.each([
    ['an order read', 'GET', () => `/orders/${randomUUID()}`],
    ['a list', 'GET', () => '/orders?limit=5'],
    ['an order with an Idempotency-Key', 'POST', () => '/orders'],
  ])(
    'When %s waits on a stalled store past REQUEST_TIMEOUT_MS, then 503 timeout with Retry-After, in time',
    async (_, method, path) => {
      const token = await tokens.customer(newTenant());
      const started = performance.now();

      const reply = await send(stalled.api.url, method, path(), {
        token,
        body: method === 'POST' ? anOrder() : undefined,
        headers: method === 'POST' ? { 'idempotency-key': randomUUID() } : {},
        timeoutMs: CLIENT_GIVES_UP_MS,
      });

      expect(performance.now() - started).toBeLessThan(TIMEOUT_ANSWER_BOUND_MS);
      expect(reply.status).toBe(503);
      expect(reply.body).toMatchObject({ status: 503, code: 'timeout' });
      expect(Number(reply.headers.get('retry-after'))).toBeGreaterThan(0);
    },
  );

  it('When the store stalls, then /healthz still answers at once (it does no I/O)', async () => {
    expect(await stalled.api.get('/healthz')).toMatchObject({ status: 200, body: { status: 'ok' } });
  });

  it('When products takes longer than the whole request budget, then the order is answered 503 timeout in time', async () => {
    const tenant = newTenant();
    const started = performance.now();

    const reply = await send(waitingOnProducts.api.url, 'POST', '/orders', {
      token: await tokens.customer(tenant),
      body: anOrder(),
      timeoutMs: CLIENT_GIVES_UP_MS,
    });

    expect(performance.now() - started).toBeLessThan(TIMEOUT_ANSWER_BOUND_MS);
    expect(reply.status).toBe(503);
    expect(reply.body).toMatchObject({ code: 'timeout' });
    expect(Number(reply.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await listOf(tenant)).toEqual({ orders: [], next_cursor: null, count: 0 });
  });
});
