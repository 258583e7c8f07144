import { randomUUID } from 'node:crypto';
import type { DevIssuer } from '@shop/platform/dev-issuer';
import { expectProblem, send } from '@shop/platform/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Api,
  apiOf,
  newTenant,
  ordersConfig,
  type ProductsService,
  type ProvisionedStore,
  provisionStore,
  type RunningOrders,
  seedProduct,
  startIssuer,
  startOrders,
  startProducts,
  stockOf,
  tokensOf,
} from '../helpers/harness.ts';

/**
 * Mass assignment and client prices: tenant, customer, author, status, prices, versions, ids and
 * timestamps are the server's. In a body they are refused with a 400 naming each one; a client price or
 * total that disagrees with the catalog is a 409 with the server's figures. Either way nothing is applied:
 * no order (read back as the tenant's admin), no stock held (read back at products). Refusal happens above
 * the store, so one store is enough.
 */

let issuer: DevIssuer;
let products: ProductsService;
let productsApi: Api;
let store: ProvisionedStore;
let orders: RunningOrders;
let url: string;

beforeAll(async () => {
  issuer = await startIssuer();
  products = await startProducts(issuer);
  productsApi = apiOf(products.url);
  store = await provisionStore({ engine: 'sqlite', url: undefined }, 'mass');
  orders = await startOrders(ordersConfig(issuer, products.url, store.env));
  url = orders.api.url;
});
afterAll(async () => {
  await orders?.close();
  await store?.drop();
  await products?.close();
  await issuer?.close();
});

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
  return {
    tenant,
    admin,
    alice,
    widget,
    seed001: () => ({
      customer_name: 'Alice',
      customer_email: 'alice@example.com',
      shipping_address: '1 Main St',
      currency: 'USD',
      total_amount: 25,
      items: [{ product_sku: 'W-1', quantity: 2, unit_price: 12.5 }],
    }),
    seed004: () => ({
      shipping_address: { street: '1 Main St', city: 'Springfield', zip_code: '12345', country: 'USA' },
      items: [{ product_id: widget.product_id, quantity: 2, price_per_unit: 12.5 }],
    }),
    /** Nothing was applied: no order in the tenant, the whole stock still there. */
    async expectNothingApplied() {
      const all = await send(url, { method: 'GET', path: '/orders', token: admin });
      expect(all.body).toEqual({ orders: [], next_cursor: null, count: 0 });
      expect(await stockOf(productsApi, admin, widget.product_id)).toBe(10);
    },
  };
}

const unknownField = (field: string) => ({
  type: expect.any(String),
  title: 'Bad Request',
  status: 400,
  code: 'validation_failed',
  detail: expect.any(String),
  instance: '/orders',
  request_id: expect.any(String),
  errors: [{ in: 'body', field, message: 'is not a known field' }],
});

const orderFields: Array<[field: string, value: unknown]> = [
  ['tenant_id', 'someone-else'],
  ['customer_id', 'bob'],
  ['created_by', 'bob'],
  ['created_by_email', 'bob@example.com'],
  ['status', 'DELIVERED'],
  ['order_status', 'DELIVERED'],
  ['price', 0.01],
  ['version', 7],
  ['order_id', randomUUID()],
  ['product_id', randomUUID()],
  ['created_at', '2000-01-01T00:00:00.000Z'],
  ['updated_at', '2000-01-01T00:00:00.000Z'],
  ['order_date', '2000-01-01T00:00:00.000Z'],
  ['status_history', []],
];

const lineFields: Array<[field: string, value: unknown]> = [
  ['price', 0.01],
  ['line_total', 0.01],
  ['tenant_id', 'someone-else'],
  ['stock_quantity', 1_000_000],
  ['currency', 'XXX'],
  ['order_id', randomUUID()],
  ['created_at', '2000-01-01T00:00:00.000Z'],
];

describe('mass assignment on the orders service', () => {
  describe.each(['seed001', 'seed004'] as const)('a %s body', (shape) => {
    it.each(orderFields)(
      'When it carries %s, then 400 names it and nothing is ordered',
      async (field, value) => {
        const shop = await openShop();

        const reply = await send(url, {
          method: 'POST',
          path: '/orders',
          token: shop.alice,
          body: { ...shop[shape](), [field]: value },
        });

        expect(reply.status, reply.text).toBe(400);
        expect(reply.body).toEqual(unknownField(field));
        await shop.expectNothingApplied();
      },
    );

    it.each(lineFields)(
      'When a line carries %s, then 400 names it and nothing is ordered',
      async (field, value) => {
        const shop = await openShop();
        const body = shop[shape]();

        const reply = await send(url, {
          method: 'POST',
          path: '/orders',
          token: shop.alice,
          body: { ...body, items: [{ ...body.items[0], [field]: value }] },
        });

        expect(reply.status, reply.text).toBe(400);
        expect(reply.body).toEqual(unknownField(`items[0].${field}`));
        await shop.expectNothingApplied();
      },
    );
  });

  it.each([
    [
      'the body',
      (address: string) =>
        `{"__proto__":{"customer_id":"bob","status":"DELIVERED"},"shipping_address":${address},`,
      '__proto__',
    ],
    [
      'a postal address',
      (address: string) => `{"shipping_address":${address.replace('{', '{"__proto__":{"state":"x"},')},`,
      'shipping_address.__proto__',
    ],
  ])(
    'When %s smuggles fields in a "__proto__" key, then 400 names it and nothing is ordered',
    async (_, head, field) => {
      const shop = await openShop();
      const body = shop.seed004();
      const text = `${head(JSON.stringify(body.shipping_address))}"items":${JSON.stringify(body.items)}}`;

      const reply = await send(url, {
        method: 'POST',
        path: '/orders',
        token: shop.alice,
        body: Buffer.from(text),
        headers: { 'content-type': 'application/json' },
      });

      expect(reply.status, reply.text).toBe(400);
      expect(reply.body).toEqual(unknownField(field));
      await shop.expectNothingApplied();
    },
  );

  it('When a postal address carries tenant_id, then 400 names it and nothing is ordered', async () => {
    const shop = await openShop();
    const body = shop.seed004();

    const reply = await send(url, {
      method: 'POST',
      path: '/orders',
      token: shop.alice,
      body: { ...body, shipping_address: { ...body.shipping_address, tenant_id: 'someone-else' } },
    });

    expectProblem(reply, 400, 'validation_failed');
    expect(reply.body.errors).toContainEqual({
      in: 'body',
      field: 'shipping_address.tenant_id',
      message: 'is not a known field',
    });
    await shop.expectNothingApplied();
  });

  it.each([
    [
      'seed001',
      'a unit_price below the catalog',
      { unit_price: 0.01 },
      {},
      'items[0].unit_price',
      0.01,
      12.5,
    ],
    [
      'seed004',
      'a price_per_unit below the catalog',
      { price_per_unit: 1 },
      {},
      'items[0].price_per_unit',
      1,
      12.5,
    ],
    ['seed001', 'a total_amount below the catalog', {}, { total_amount: 1 }, 'total_amount', 1, 25],
    ['seed001', 'another currency', {}, { currency: 'EUR' }, 'currency', 'EUR', 'USD'],
  ] as const)(
    'When a %s body sends %s, then 409 price_mismatch with the server’s figures and nothing is ordered',
    async (shape, _, line, top, field, client, server) => {
      const shop = await openShop();
      const body = shop[shape]();

      const reply = await send(url, {
        method: 'POST',
        path: '/orders',
        token: shop.alice,
        body: { ...body, ...top, items: [{ ...body.items[0], ...line }] },
      });

      expectProblem(reply, 409, 'price_mismatch');
      expect(reply.body.mismatches).toEqual([{ field, client, server }]);
      expect(reply.body.server).toEqual({
        items: [
          {
            product_id: shop.widget.product_id,
            product_sku: 'W-1',
            product_name: 'Widget',
            quantity: 2,
            unit_price: 12.5,
            line_total: 25,
          },
        ],
        total_amount: 25,
        currency: 'USD',
      });
      await shop.expectNothingApplied();
    },
  );

  const updateFields: Array<[field: string, value: unknown]> = [
    ['tenant_id', 'someone-else'],
    ['customer_id', 'bob'],
    ['created_by', 'bob'],
    ['version', 1],
    ['order_id', randomUUID()],
    ['order_status', 'DELIVERED'],
    ['total_amount', 0.01],
    ['price', 0.01],
    ['items', []],
    ['status_history', []],
    ['created_at', '2000-01-01T00:00:00.000Z'],
  ];

  it.each(updateFields)(
    'When PUT /orders/:id carries %s, then 400 names it and the order is unchanged',
    async (field, value) => {
      const shop = await openShop();
      const placed = await send(url, {
        method: 'POST',
        path: '/orders',
        token: shop.alice,
        body: shop.seed004(),
      });
      const path = `/orders/${placed.body.order.order_id}`;

      const reply = await send(url, {
        method: 'PUT',
        path,
        token: shop.admin,
        body: { status: 'CONFIRMED', [field]: value },
      });

      expect(reply.status, reply.text).toBe(400);
      expect(reply.body).toEqual({ ...unknownField(field), instance: path });
      expect((await send(url, { method: 'GET', path, token: shop.admin })).body).toEqual(placed.body.order);
    },
  );

  it.each([
    ['GET /orders', 'customer_id', '/orders?customer_id=bob'],
    ['GET /orders', 'tenant_id', '/orders?tenant_id=someone-else'],
    ['GET /customers/alice/orders', 'tenant_id', '/customers/alice/orders?tenant_id=someone-else'],
  ])('When %s has %s in the query string, then 400 names it', async (_, field, path) => {
    const shop = await openShop();

    const reply = await send(url, { method: 'GET', path, token: shop.alice });

    expectProblem(reply, 400, 'validation_failed');
    expect(reply.body.errors).toEqual([{ in: 'query', field, message: 'is not a known field' }]);
  });
});
