import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DevIssuer } from '@shop/platform/dev-issuer';
import { waitFor } from '@shop/reliability/net';
import {
  type RawReply,
  rawRequest,
  refusesConnections,
  type ServiceProcess,
  startService,
} from '@shop/reliability/service-process';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  apiOf,
  newTenant,
  ordersConfig,
  SERVICE_TOKEN_SECRET,
  seedProduct,
  startIssuer,
  startOrders,
  tokensOf,
} from '../helpers/harness.ts';
import { type StubProducts, startStubProducts } from '../helpers/stub-products.ts';

/**
 * Products in front of the contract stub, holding every reservation until `open()`: orders whose requests
 * are in flight (waiting on products) for as long as the test likes.
 */
async function startGatedProducts(target: string) {
  let open: () => void = () => {};
  const gate = new Promise<void>((resolve) => {
    open = resolve;
  });
  let held = 0;
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (req.method === 'POST' && req.url === '/stock/reservations') {
      held++;
      await gate;
    }
    try {
      const upstream = await fetch(`${target}${req.url}`, {
        method: req.method,
        headers: {
          authorization: req.headers.authorization ?? '',
          'content-type': req.headers['content-type'] ?? 'application/json',
        },
        body: chunks.length ? Buffer.concat(chunks) : undefined,
      });
      res.writeHead(upstream.status, {
        'content-type': upstream.headers.get('content-type') ?? 'application/json',
      });
      res.end(Buffer.from(await upstream.arrayBuffer()));
    } catch {
      // The test is over and the stub gone: nobody waits for this answer any more.
      res.destroy();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    held: () => held,
    open: () => open(),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Slack on top of a deadline for a process to be scheduled and exit on a busy CI box. */
const EXIT_SLACK_MS = 2000;

let issuer: DevIssuer;
let stub: StubProducts;
let gated: Awaited<ReturnType<typeof startGatedProducts>>;
const started: ServiceProcess[] = [];
const folders: string[] = [];

beforeAll(async () => {
  issuer = await startIssuer();
  stub = await startStubProducts();
});
afterEach(async () => {
  for (const service of started.splice(0)) service.kill();
  await gated?.close();
  for (const folder of folders.splice(0)) await rm(folder, { recursive: true, force: true });
});
afterAll(async () => {
  await stub?.close();
  await issuer?.close();
});

async function startOrdersProcess(env: Record<string, string>) {
  gated = await startGatedProducts(stub.url);
  const folder = await mkdtemp(join(tmpdir(), 'orders-shutdown-'));
  folders.push(folder);
  const storeEnv = { ORDERS_STORE: 'sql', DATABASE_URL: `sqlite:${join(folder, 'orders.sqlite')}` };
  const service = await startService('services/orders/src/server.ts', {
    NODE_ENV: 'test',
    LOG_LEVEL: 'info',
    AUTH_PROVIDER: 'dev',
    AUTH_ISSUER: issuer.issuer,
    AUTH_AUDIENCE: issuer.audience,
    SERVICE_TOKEN_SECRET,
    SERVICE_NAME: 'orders',
    PRODUCTS_URL: gated.url,
    PRODUCTS_TIMEOUT_MS: '15000',
    PRODUCTS_RETRIES: '0',
    MIGRATE_ON_START: 'true',
    ...storeEnv,
    ...env,
  });
  started.push(service);
  return { service, storeEnv };
}

/** A tenant with one product at the stub, and an order body for it. */
async function openShop() {
  const tenant = newTenant();
  const admin = await tokensOf(issuer).admin(tenant);
  const product = await seedProduct(apiOf(stub.url), admin, {
    sku: 'KETTLE',
    name: 'Kettle',
    price: 30,
    stock: 100,
  });
  const customers = await Promise.all(
    [0, 1, 2, 3].map((i) => tokensOf(issuer).customer(tenant, `customer-${i}`)),
  );
  const body = JSON.stringify({
    shipping_address: { street: '1 Main St', city: 'Springfield', zip_code: '12345', country: 'USA' },
    items: [{ product_id: product.product_id, quantity: 1 }],
  });
  return { admin, customers, body };
}

describe('orders on SIGTERM', () => {
  it('When SIGTERM arrives while orders wait on products, then each is answered 201 and kept, new connections are refused meanwhile, and the process exits 0 within SHUTDOWN_TIMEOUT_MS', async () => {
    const SHUTDOWN_TIMEOUT_MS = 5000;
    const { service, storeEnv } = await startOrdersProcess({
      SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
      REQUEST_TIMEOUT_MS: '20000',
    });
    const shop = await openShop();
    const inFlight = shop.customers.map((token) =>
      rawRequest(service.url, 'POST', '/orders', { authorization: `Bearer ${token}` }, shop.body),
    );
    await waitFor('the four orders to reach products', () => gated.held() === 4, { withinMs: 5000 });

    const signalledAt = performance.now();
    service.child.kill('SIGTERM');
    await waitFor('new connections to be refused', () => refusesConnections(service.port), {
      withinMs: 3000,
    });
    gated.open();
    const replies = await Promise.all(inFlight);
    const exit = await service.exited;

    expect(replies.map((reply) => (reply instanceof Error ? reply.message : reply.status))).toEqual([
      201, 201, 201, 201,
    ]);
    expect(exit.code).toBe(0);
    expect(exit.at - signalledAt).toBeLessThan(SHUTDOWN_TIMEOUT_MS);
    expect(service.output()).toContain('shutdown complete');

    // The orders answered 201 were written before the process went.
    const reread = await startOrders(ordersConfig(issuer, stub.url, storeEnv));
    try {
      for (const reply of replies as RawReply[]) {
        const { order } = JSON.parse(reply.body);
        expect((await reread.api.get(`/orders/${order.order_id}`, { token: shop.admin })).body).toEqual(
          order,
        );
      }
    } finally {
      await reread.close();
    }
  });

  it('When products never answers the orders in flight, then REQUEST_TIMEOUT_MS answers them 503 with Retry-After before the deadline, and the process exits 0 within SHUTDOWN_TIMEOUT_MS', async () => {
    const SHUTDOWN_TIMEOUT_MS = 5000;
    const { service } = await startOrdersProcess({
      SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
      REQUEST_TIMEOUT_MS: '1500',
    });
    const shop = await openShop();
    const inFlight = shop.customers.map((token) =>
      rawRequest(service.url, 'POST', '/orders', { authorization: `Bearer ${token}` }, shop.body),
    );
    await waitFor('the four orders to reach products', () => gated.held() === 4, { withinMs: 5000 });

    const signalledAt = performance.now();
    service.child.kill('SIGTERM');
    const replies = await Promise.all(inFlight);
    const exit = await Promise.race([service.exited, bound(SHUTDOWN_TIMEOUT_MS + 10_000)]);

    for (const reply of replies) {
      expect(reply).toMatchObject({ status: 503, headers: { 'retry-after': expect.any(String) } });
      expect(JSON.parse((reply as RawReply).body)).toMatchObject({ code: 'timeout' });
    }
    expect(exit?.code).toBe(0);
    expect(exit!.at - signalledAt).toBeLessThan(SHUTDOWN_TIMEOUT_MS + EXIT_SLACK_MS);
  });
});

/** Resolves to undefined after `ms`: a ceiling on a wait, so a missing protection fails instead of hanging. */
const bound = (ms: number) =>
  new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), ms).unref());
