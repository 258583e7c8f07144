import { randomUUID } from 'node:crypto';
import { createServiceTokenIssuer } from '@shop/platform';
import type { DevIssuer } from '@shop/platform/dev-issuer';
import { createLambdaHandler } from '@shop/platform/lambda';
import { type Json, send } from '@shop/platform/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import {
  type Api,
  apiOf,
  newTenant,
  ordersConfig,
  type ProductsService,
  type ProvisionedStore,
  provisionStore,
  type RunningOrders,
  SERVICE_TOKEN_SECRET,
  seedProduct,
  startIssuer,
  startOrders,
  startProducts,
  stockOf,
  storeTargets,
  tokensOf,
} from '../helpers/harness.ts';

/**
 * Duplicated deliveries: Lambda may invoke a function twice with the same event, and clients and proxies
 * retry. The same API Gateway (HTTP API, payload 2.0) event replayed through the orders Lambda handler —
 * one after the other and at once — and the same HTTP request sent twice at once must have one effect:
 * one order and one reservation per Idempotency-Key, one history entry per status change, stock given
 * back once per cancel. On every store, since the guards are the store's (conditional writes).
 */

let issuer: DevIssuer;
let products: ProductsService;
let productsApi: Api;
/** The orders service's own credential, to look at reservations the way orders does. */
const stockCredential = createServiceTokenIssuer({
  secret: SERVICE_TOKEN_SECRET,
  issuer: 'orders',
  audience: 'products',
  scopes: ['stock:reserve'],
});

beforeAll(async () => {
  issuer = await startIssuer();
  products = await startProducts(issuer);
  productsApi = apiOf(products.url);
});
afterAll(async () => {
  await products?.close();
  await issuer?.close();
});

interface Delivery {
  status: number;
  headers: Record<string, string>;
  body: Json;
}

interface LambdaResult {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
  isBase64Encoded: boolean;
}

/** One HTTP API (payload 2.0) event, as API Gateway hands it to the function: replayed as is. */
function httpApiEvent(method: string, path: string, headers: Record<string, string>, body?: unknown) {
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: path,
    rawQueryString: '',
    headers: {
      accept: 'application/json',
      host: 'abc123.execute-api.eu-west-1.amazonaws.com',
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...headers,
    },
    requestContext: {
      accountId: '123456789012',
      apiId: 'abc123',
      domainName: 'abc123.execute-api.eu-west-1.amazonaws.com',
      domainPrefix: 'abc123',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '203.0.113.7', userAgent: 'vitest' },
      requestId: randomUUID(),
      routeKey: '$default',
      stage: '$default',
      time: new Date().toUTCString(),
      timeEpoch: Date.now(),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    isBase64Encoded: false,
  };
}

type Mode = 'Lambda, one after the other' | 'Lambda, at once' | 'HTTP, at once';
const modes: Mode[] = ['Lambda, one after the other', 'Lambda, at once', 'HTTP, at once'];

for (const target of storeTargets()) {
  describe(`duplicated deliveries to the orders service on ${target.engine}`, () => {
    let store: ProvisionedStore;
    let orders: RunningOrders;
    let invoke: (event: object) => Promise<Delivery>;

    beforeAll(async () => {
      store = await provisionStore(target, 'retries');
      orders = await startOrders(ordersConfig(issuer, products.url, store.env));
      const handler = createLambdaHandler(createApp(orders.deps));
      invoke = async (event) => {
        const result = (await handler(event, { awsRequestId: randomUUID() })) as LambdaResult;
        const text = result.isBase64Encoded ? Buffer.from(result.body, 'base64').toString() : result.body;
        const headers = Object.fromEntries(
          Object.entries(result.headers).map(([k, v]) => [k.toLowerCase(), String(v)]),
        );
        return { status: result.statusCode, headers, body: text ? JSON.parse(text) : undefined };
      };
    });
    afterAll(async () => {
      await orders?.close();
      await store?.drop();
    });

    /** The same request delivered twice, in the given way; the deliveries in the order they were made. */
    async function twice(
      mode: Mode,
      request: {
        method: string;
        path: string;
        token: string;
        headers?: Record<string, string>;
        body?: unknown;
      },
    ): Promise<Delivery[]> {
      if (mode === 'HTTP, at once') {
        const replies = await Promise.all([send(orders.api.url, request), send(orders.api.url, request)]);
        return replies.map(({ status, headers, body }) => ({ status, headers, body }));
      }
      const event = httpApiEvent(
        request.method,
        request.path,
        { authorization: `Bearer ${request.token}`, ...request.headers },
        request.body,
      );
      if (mode === 'Lambda, at once') return Promise.all([invoke(event), invoke(event)]);
      return [await invoke(event), await invoke(event)];
    }

    async function openShop() {
      const tenant = newTenant();
      const tokens = tokensOf(issuer);
      const admin = await tokens.admin(tenant, 'admin-1');
      const widget = await seedProduct(productsApi, admin, {
        sku: 'W-1',
        name: 'Widget',
        price: 12.5,
        stock: 10,
      });
      const alice = await tokens.customer(tenant, 'alice');
      const body = {
        shipping_address: { street: '1 Retry Road', city: 'Seattle', zip_code: '98101', country: 'USA' },
        items: [{ product_id: widget.product_id, quantity: 3, price_per_unit: 12.5 }],
      };
      return {
        tenant,
        admin,
        alice,
        body,
        stock: () => stockOf(productsApi, admin, widget.product_id),
        orders: async () =>
          (await send(orders.api.url, { method: 'GET', path: '/orders?limit=100', token: admin })).body
            .orders as Json[],
        reservation: async (orderId: string) =>
          send(products.url, {
            method: 'GET',
            path: `/stock/reservations/${orderId}`,
            token: await stockCredential.tokenFor(tenant),
          }),
        async placed() {
          const reply = await send(orders.api.url, { method: 'POST', path: '/orders', token: alice, body });
          expect(reply.status, reply.text).toBe(201);
          return reply.body.order as Json;
        },
      };
    }

    it.each(modes)(
      'When an order with an Idempotency-Key is delivered twice (%s), then one order, one reservation, the same 201 twice',
      async (mode) => {
        const shop = await openShop();

        const deliveries = await twice(mode, {
          method: 'POST',
          path: '/orders',
          token: shop.alice,
          headers: { 'idempotency-key': `checkout-${randomUUID()}` },
          body: shop.body,
        });

        expect(deliveries.map((d) => d.status)).toEqual([201, 201]);
        expect(deliveries[0]!.body).toEqual(deliveries[1]!.body);
        expect(deliveries.map((d) => d.headers['idempotent-replayed'] ?? null).sort()).toEqual([
          null,
          'true',
        ]);
        const order = deliveries[0]!.body.order;
        expect((await shop.orders()).map((o) => o.order_id)).toEqual([order.order_id]);
        expect(await shop.stock()).toBe(7);
        const reservation = await shop.reservation(order.order_id);
        expect([reservation.status, reservation.body.status, reservation.body.items[0].quantity]).toEqual([
          200,
          'active',
          3,
        ]);
      },
    );

    it.each(modes)(
      'When a status change is delivered twice (%s), then it happens once: one 200, one 409, one history entry',
      async (mode) => {
        const shop = await openShop();
        const order = await shop.placed();

        const deliveries = await twice(mode, {
          method: 'PUT',
          path: `/orders/${order.order_id}`,
          token: shop.admin,
          body: { status: 'CONFIRMED' },
        });

        const statuses = deliveries.map((d) => d.status);
        expect(mode === 'Lambda, one after the other' ? statuses : statuses.sort()).toEqual([200, 409]);
        expect(deliveries.find((d) => d.status === 409)!.body).toEqual(
          expect.objectContaining({ code: 'invalid_transition', from: 'CONFIRMED', to: 'CONFIRMED' }),
        );
        const [readBack] = await shop.orders();
        expect(readBack.version).toBe(2);
        expect(readBack.status_history.map((change: Json) => [change.from, change.to])).toEqual([
          [null, 'PENDING'],
          ['PENDING', 'CONFIRMED'],
        ]);
      },
    );

    it.each(modes)(
      'When a cancel is delivered twice (%s), then the stock comes back once and one history entry says so',
      async (mode) => {
        const shop = await openShop();
        const order = await shop.placed();
        expect(await shop.stock()).toBe(7);

        const deliveries = await twice(mode, {
          method: 'PUT',
          path: `/orders/${order.order_id}`,
          token: shop.alice,
          body: { status: 'CANCELLED', reason: 'changed my mind' },
        });

        expect(deliveries.map((d) => d.status).sort()).toEqual([200, 409]);
        expect(await shop.stock()).toBe(10);
        const [readBack] = await shop.orders();
        expect(readBack.status_history.map((change: Json) => change.to)).toEqual(['PENDING', 'CANCELLED']);
        expect((await shop.reservation(order.order_id)).body.status).toBe('released');
      },
    );

    it('When five copies of one keyed order arrive at once, then one order and one reservation', async () => {
      const shop = await openShop();
      const request = {
        method: 'POST',
        path: '/orders',
        token: shop.alice,
        headers: { 'idempotency-key': `checkout-${randomUUID()}` },
        body: shop.body,
      };

      const replies = await Promise.all(Array.from({ length: 5 }, () => send(orders.api.url, request)));

      expect(replies.map((r) => r.status)).toEqual([201, 201, 201, 201, 201]);
      expect(new Set(replies.map((r) => r.body.order.order_id)).size).toBe(1);
      expect((await shop.orders()).length).toBe(1);
      expect(await shop.stock()).toBe(7);
    });
  });
}
