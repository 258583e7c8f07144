import { createServiceTokenIssuer } from '@shop/platform';
import type { DevIssuer } from '@shop/platform/dev-issuer';
import type { EngineTarget } from '@shop/platform/testing';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { conforming } from '../../../scripts/checks/lib/openapi-contract.ts';
import { failingCreates } from './helpers/faults.ts';
import {
  type Api,
  apiOf,
  freePort,
  ISO_TIME,
  inBatches,
  newTenant,
  ordersConfig,
  type ProductsService,
  type ProvisionedStore,
  provisionStore,
  type Reply,
  type RunningOrders,
  SERVICE_TOKEN_SECRET,
  type SeededProduct,
  seedProduct,
  startIssuer,
  startOrders,
  startProducts,
  stockOf,
  tokensOf,
  UUID,
} from './helpers/harness.ts';

/** The seed 001 sample, verbatim except for the total (2 × 29.99 + 39.99 is 99.97, not 99.98). */
const seed001 = (totalAmount = 99.97) => ({
  customer_name: 'John Doe',
  customer_email: 'john.doe@example.com',
  customer_phone: '+1-555-0123',
  shipping_address: '123 Main St, Anytown, ST 12345',
  billing_address: '123 Main St, Anytown, ST 12345',
  currency: 'USD',
  total_amount: totalAmount,
  items: [
    { product_name: 'Widget A', product_sku: 'WIDGET-A-001', quantity: 2, unit_price: 29.99 },
    { product_name: 'Widget B', product_sku: 'WIDGET-B-002', quantity: 1, unit_price: 39.99 },
  ],
});

/** The seed 004 sample, verbatim, for a seeded product id. */
const seed004 = (productId: string, pricePerUnit = 19.99) => ({
  shipping_address: { street: '123 Main St', city: 'Springfield', zip_code: '12345', country: 'USA' },
  items: [{ product_id: productId, quantity: 2, price_per_unit: pricePerUnit }],
});

const catalog = [
  { sku: 'WIDGET-A-001', name: 'Widget A', price: 29.99, stock: 10 },
  { sku: 'WIDGET-B-002', name: 'Widget B', price: 39.99, stock: 10 },
  { sku: 'GADGET-C-003', name: 'Gadget C', price: 19.99, stock: 10 },
];

const problem = (status: number, code: string, extra: Record<string, unknown> = {}) =>
  expect.objectContaining({ status, code, type: expect.any(String), title: expect.any(String), ...extra });

/**
 * The orders API, end to end over HTTP: real dev-issuer tokens, the real products service as a child
 * process, and the store named by `target`. Each test opens its own shop (a fresh tenant with its catalog).
 */
export function defineOrdersApiSuite(target: EngineTarget): void {
  describe(`Orders API on ${target.engine}`, () => {
    let issuer: DevIssuer;
    let products: ProductsService;
    let productsApi: Api;
    let provisioned: ProvisionedStore;
    let orders: RunningOrders;
    let withProductsDown: RunningOrders;
    let withFailingWrites: RunningOrders;
    let api: Api;

    beforeAll(async () => {
      issuer = await startIssuer();
      products = await startProducts(issuer);
      productsApi = apiOf(products.url);
      provisioned = await provisionStore(target, 'api');
      const config = ordersConfig(issuer, products.url, provisioned.env);
      orders = await startOrders(config);
      // Every answer is also checked against the OpenAPI document the service serves.
      api = conforming(orders.api);
      const nowhere = `http://127.0.0.1:${await freePort()}`;
      withProductsDown = await startOrders(
        ordersConfig(issuer, nowhere, provisioned.env, { MIGRATE_ON_START: 'false', PRODUCTS_RETRIES: '1' }),
      );
      withFailingWrites = await startOrders(
        { ...config, MIGRATE_ON_START: false },
        { wrapStore: failingCreates },
      );
    });

    afterAll(async () => {
      await withFailingWrites?.close();
      await withProductsDown?.close();
      await orders?.close();
      await provisioned?.drop();
      await products?.close();
      await issuer?.close();
    });

    /** A fresh tenant with its catalog, an admin and two customers. */
    async function openShop(items: Array<Parameters<typeof seedProduct>[2]> = catalog) {
      const tenant = newTenant();
      const tokens = tokensOf(issuer);
      const admin = await tokens.admin(tenant, 'admin-1');
      const seeded = await Promise.all(items.map((item) => seedProduct(productsApi, admin, item)));
      const bySku = Object.fromEntries(seeded.map((product) => [product.sku, product])) as Record<
        string,
        SeededProduct
      >;
      return {
        tenant,
        admin,
        alice: await tokens.customer(tenant, 'alice'),
        bob: await tokens.customer(tenant, 'bob'),
        product: (sku: string) => bySku[sku]!,
        stock: (sku: string) => stockOf(productsApi, admin, bySku[sku]!.product_id),
        email: (sub: string) => `${sub}@${tenant}.example`,
      };
    }
    type Shop = Awaited<ReturnType<typeof openShop>>;

    const place = (shop: Shop, body: unknown, token = shop.alice, headers: Record<string, string> = {}) =>
      api.post('/orders', { token, body, headers });

    async function placed(shop: Shop, body: unknown = seed001(), token = shop.alice) {
      const reply = await place(shop, body, token);
      expect(reply.status, JSON.stringify(reply.body)).toBe(201);
      return reply.body.order;
    }

    const ordersOf = async (token: string, query = '') => (await api.get(`/orders${query}`, { token })).body;

    describe('placing orders', () => {
      test('When a customer posts the seed 001 payload at catalog prices, then the order is created and reads back', async () => {
        const shop = await openShop();

        const reply = await place(shop, seed001());

        const order = reply.body.order;
        expect(reply.status).toBe(201);
        expect(reply.body).toEqual({
          message: 'Order created successfully',
          order: {
            order_id: expect.stringMatching(UUID),
            tenant_id: shop.tenant,
            customer_id: 'alice',
            customer_name: 'John Doe',
            customer_email: 'john.doe@example.com',
            customer_phone: '+1-555-0123',
            shipping_address: '123 Main St, Anytown, ST 12345',
            billing_address: '123 Main St, Anytown, ST 12345',
            notes: null,
            status: 'PENDING',
            order_status: 'PENDING',
            items: [
              {
                product_id: shop.product('WIDGET-A-001').product_id,
                product_sku: 'WIDGET-A-001',
                product_name: 'Widget A',
                quantity: 2,
                unit_price: 29.99,
                line_total: 59.98,
              },
              {
                product_id: shop.product('WIDGET-B-002').product_id,
                product_sku: 'WIDGET-B-002',
                product_name: 'Widget B',
                quantity: 1,
                unit_price: 39.99,
                line_total: 39.99,
              },
            ],
            total_amount: 99.97,
            currency: 'USD',
            created_at: expect.stringMatching(ISO_TIME),
            updated_at: order.created_at,
            order_date: order.created_at,
            created_by: 'alice',
            created_by_email: shop.email('alice'),
            version: 1,
            status_history: [
              {
                from: null,
                to: 'PENDING',
                at: order.created_at,
                by: 'alice',
                by_email: shop.email('alice'),
                reason: null,
              },
            ],
          },
        });
        expect(reply.headers.get('location')).toBe(`/orders/${order.order_id}`);
        expect(reply.headers.get('etag')).toBe('"1"');
        const readBack = await api.get(`/orders/${order.order_id}`, { token: shop.alice });
        expect(readBack.status).toBe(200);
        expect(readBack.body).toEqual(order);
        expect(readBack.headers.get('etag')).toBe('"1"');
        expect([await shop.stock('WIDGET-A-001'), await shop.stock('WIDGET-B-002')]).toEqual([8, 9]);
      });

      test('When the seed 001 payload is posted verbatim (total 99.98), then 409 price_mismatch with the server’s figures and nothing is ordered', async () => {
        const shop = await openShop();

        const reply = await place(shop, seed001(99.98));

        expect(reply.status).toBe(409);
        expect(reply.headers.get('content-type')).toMatch(/^application\/problem\+json/);
        expect(reply.body).toEqual({
          type: 'https://shop.dev/problems/price-mismatch',
          title: 'Conflict',
          status: 409,
          code: 'price_mismatch',
          detail: expect.any(String),
          instance: '/orders',
          request_id: expect.any(String),
          mismatches: [{ field: 'total_amount', client: 99.98, server: 99.97 }],
          server: {
            items: [
              {
                product_id: shop.product('WIDGET-A-001').product_id,
                product_sku: 'WIDGET-A-001',
                product_name: 'Widget A',
                quantity: 2,
                unit_price: 29.99,
                line_total: 59.98,
              },
              {
                product_id: shop.product('WIDGET-B-002').product_id,
                product_sku: 'WIDGET-B-002',
                product_name: 'Widget B',
                quantity: 1,
                unit_price: 39.99,
                line_total: 39.99,
              },
            ],
            total_amount: 99.97,
            currency: 'USD',
          },
        });
        expect(await ordersOf(shop.admin)).toEqual({ orders: [], next_cursor: null, count: 0 });
        expect([await shop.stock('WIDGET-A-001'), await shop.stock('WIDGET-B-002')]).toEqual([10, 10]);
      });

      test('When a customer posts the seed 004 payload at the catalog price, then the order is created with the address object', async () => {
        const shop = await openShop();
        const gadget = shop.product('GADGET-C-003');

        const reply = await place(shop, seed004(gadget.product_id));

        const order = reply.body.order;
        expect(reply.status).toBe(201);
        expect(reply.body).toEqual({
          message: 'Order created successfully',
          order: {
            order_id: expect.stringMatching(UUID),
            tenant_id: shop.tenant,
            customer_id: 'alice',
            customer_name: null,
            customer_email: shop.email('alice'),
            customer_phone: null,
            shipping_address: {
              street: '123 Main St',
              city: 'Springfield',
              zip_code: '12345',
              country: 'USA',
            },
            billing_address: null,
            notes: null,
            status: 'PENDING',
            order_status: 'PENDING',
            items: [
              {
                product_id: gadget.product_id,
                product_sku: 'GADGET-C-003',
                product_name: 'Gadget C',
                quantity: 2,
                unit_price: 19.99,
                line_total: 39.98,
              },
            ],
            total_amount: 39.98,
            currency: 'USD',
            created_at: expect.stringMatching(ISO_TIME),
            updated_at: order.created_at,
            order_date: order.created_at,
            created_by: 'alice',
            created_by_email: shop.email('alice'),
            version: 1,
            status_history: [
              {
                from: null,
                to: 'PENDING',
                at: order.created_at,
                by: 'alice',
                by_email: shop.email('alice'),
                reason: null,
              },
            ],
          },
        });
        expect((await api.get(`/orders/${order.order_id}`, { token: shop.alice })).body).toEqual(order);
        expect(await shop.stock('GADGET-C-003')).toBe(8);
      });

      test('When the seed 004 price_per_unit differs from the catalog, then 409 names the line and nothing is ordered', async () => {
        const shop = await openShop();
        const gadget = shop.product('GADGET-C-003');

        const reply = await place(shop, seed004(gadget.product_id, 18.99));

        expect(reply.status).toBe(409);
        expect(reply.body).toEqual(
          problem(409, 'price_mismatch', {
            mismatches: [{ field: 'items[0].price_per_unit', client: 18.99, server: 19.99 }],
            server: {
              items: [
                {
                  product_id: gadget.product_id,
                  product_sku: 'GADGET-C-003',
                  product_name: 'Gadget C',
                  quantity: 2,
                  unit_price: 19.99,
                  line_total: 39.98,
                },
              ],
              total_amount: 39.98,
              currency: 'USD',
            },
          }),
        );
        expect((await ordersOf(shop.alice)).count).toBe(0);
        expect(await shop.stock('GADGET-C-003')).toBe(10);
      });

      test('When an admin orders, then the order is theirs', async () => {
        const shop = await openShop();

        const order = await placed(shop, seed004(shop.product('GADGET-C-003').product_id), shop.admin);

        expect([order.customer_id, order.created_by, order.created_by_email]).toEqual([
          'admin-1',
          'admin-1',
          shop.email('admin-1'),
        ]);
        expect((await ordersOf(shop.admin, '?my_orders=true')).orders).toEqual([order]);
      });

      test('When more is asked than is in stock, or of an unknown product, then 409 insufficient_stock lists the lines', async () => {
        const shop = await openShop();

        const reply = await place(shop, {
          shipping_address: 'Somewhere 1',
          items: [
            { product_sku: 'WIDGET-A-001', quantity: 11 },
            { product_sku: 'WIDGET-B-002', quantity: 1 },
            { product_sku: 'NO-SUCH-SKU', quantity: 1 },
          ],
        });

        expect(reply.status).toBe(409);
        expect(reply.body).toEqual(
          problem(409, 'insufficient_stock', {
            lines: [
              expect.objectContaining({
                index: 0,
                sku: 'WIDGET-A-001',
                reason: 'insufficient_stock',
                requested: 11,
                available: 10,
              }),
              expect.objectContaining({ index: 2, sku: 'NO-SUCH-SKU', reason: 'not_found', requested: 1 }),
            ],
          }),
        );
        expect((await ordersOf(shop.admin)).count).toBe(0);
        expect([await shop.stock('WIDGET-A-001'), await shop.stock('WIDGET-B-002')]).toEqual([10, 10]);
      });

      test('When the items are priced in different currencies, then 409 conflict names them and nothing is ordered', async () => {
        const shop = await openShop([
          { sku: 'DOLLAR-1', name: 'Dollar thing', price: 10, stock: 5 },
          { sku: 'EURO-1', name: 'Euro thing', price: 10, stock: 5, currency: 'EUR' },
        ]);

        const reply = await place(shop, {
          shipping_address: 'Border St 1',
          items: [
            { product_sku: 'DOLLAR-1', quantity: 1 },
            { product_sku: 'EURO-1', quantity: 1 },
          ],
        });

        expect(reply.status).toBe(409);
        expect(reply.body).toEqual(problem(409, 'conflict', { currencies: ['EUR', 'USD'] }));
        expect((await ordersOf(shop.admin)).count).toBe(0);
        expect([await shop.stock('DOLLAR-1'), await shop.stock('EURO-1')]).toEqual([5, 5]);
      });

      test('When 30 customers order the last 5 units at once, then exactly 5 orders are created and stock ends at 0', async () => {
        const shop = await openShop([{ sku: 'LAST-5', name: 'Scarce', price: 5, stock: 5 }]);
        const customers = await Promise.all(
          Array.from({ length: 30 }, (_, i) => tokensOf(issuer).customer(shop.tenant, `buyer-${i}`)),
        );

        const replies = await Promise.all(
          customers.map((token) =>
            place(
              shop,
              { shipping_address: 'Here 1', items: [{ product_sku: 'LAST-5', quantity: 1 }] },
              token,
            ),
          ),
        );

        const statuses = replies.map((reply) => reply.status).sort();
        expect(statuses).toEqual([...Array(5).fill(201), ...Array(25).fill(409)]);
        expect(
          replies.filter((r) => r.status === 409).every((r) => r.body.code === 'insufficient_stock'),
        ).toBe(true);
        expect(await shop.stock('LAST-5')).toBe(0);
        expect((await ordersOf(shop.admin)).count).toBe(5);
      });

      const badInputs: Array<[string, Record<string, unknown>, string]> = [
        ['a tenant_id in the body', { ...seed001(), tenant_id: 'other' }, 'tenant_id'],
        ['a customer_id in the body', { ...seed001(), customer_id: 'mallory' }, 'customer_id'],
        ['a status in the body', { ...seed001(), status: 'DELIVERED' }, 'status'],
        [
          'an order_id in the body',
          { ...seed001(), order_id: '0b8f3c1e-5a4d-4c55-9d0e-0f4b2f8a9c11' },
          'order_id',
        ],
        ['a created_by in the body', { ...seed001(), created_by: 'mallory' }, 'created_by'],
        [
          'an unknown item field',
          { ...seed001(), items: [{ product_sku: 'WIDGET-A-001', quantity: 1, discount: 5 }] },
          'items[0].discount',
        ],
        ['no items', { ...seed001(), items: [] }, 'items'],
        [
          'a zero quantity',
          { ...seed001(), items: [{ product_sku: 'WIDGET-A-001', quantity: 0 }] },
          'items[0].quantity',
        ],
        [
          'a fractional quantity',
          { ...seed001(), items: [{ product_sku: 'WIDGET-A-001', quantity: 1.5 }] },
          'items[0].quantity',
        ],
        [
          'a price with three decimals',
          { ...seed001(), items: [{ product_sku: 'WIDGET-A-001', quantity: 1, unit_price: 29.999 }] },
          'items[0].unit_price',
        ],
        ['a negative total', { ...seed001(), total_amount: -1 }, 'total_amount'],
        [
          'both product_id and product_sku',
          {
            ...seed001(),
            items: [
              {
                product_id: '0b8f3c1e-5a4d-4c55-9d0e-0f4b2f8a9c11',
                product_sku: 'WIDGET-A-001',
                quantity: 1,
              },
            ],
          },
          'items[0].product_sku',
        ],
        [
          'neither product_id nor product_sku',
          { ...seed001(), items: [{ product_name: 'Widget A', quantity: 1 }] },
          'items[0].product_id',
        ],
        [
          'a product_id that is not a UUID',
          { ...seed001(), items: [{ product_id: 'widget', quantity: 1 }] },
          'items[0].product_id',
        ],
        [
          'no shipping address',
          { items: [{ product_sku: 'WIDGET-A-001', quantity: 1 }] },
          'shipping_address',
        ],
        [
          'an address object without a city',
          {
            ...seed004('0b8f3c1e-5a4d-4c55-9d0e-0f4b2f8a9c11'),
            shipping_address: { street: '1 A St', zip_code: '1', country: 'USA' },
          },
          'shipping_address.city',
        ],
        ['a lowercase currency', { ...seed001(), currency: 'usd' }, 'currency'],
        ['an invalid email', { ...seed001(), customer_email: 'not-an-email' }, 'customer_email'],
      ];

      test.each(badInputs)(
        'When the body has %s, then 400 names the field and nothing is written',
        async (_, body, field) => {
          const shop = await openShop();

          const reply = await place(shop, body);

          expect(reply.status).toBe(400);
          expect(reply.headers.get('content-type')).toMatch(/^application\/problem\+json/);
          expect(reply.body).toEqual(problem(400, 'validation_failed'));
          expect(reply.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
          expect((await ordersOf(shop.admin)).count).toBe(0);
          expect(await shop.stock('WIDGET-A-001')).toBe(10);
        },
      );

      test.each([
        ['malformed JSON', 400, 'malformed_json', { rawBody: '{"items": [', headers: {} }],
        [
          'a text body',
          415,
          'unsupported_media_type',
          { rawBody: 'hello', headers: { 'content-type': 'text/plain' } },
        ],
        ['no body', 400, 'validation_failed', { headers: {} }],
        [
          'an Idempotency-Key of 256 characters',
          400,
          'validation_failed',
          { body: seed001(), headers: { 'idempotency-key': 'k'.repeat(256) } },
        ],
      ] as const)(
        'When a request carries %s, then %i %s and nothing is written',
        async (_, status, code, request) => {
          const shop = await openShop();

          const reply = await api.post('/orders', { token: shop.alice, ...request });

          expect(reply.status).toBe(status);
          expect(reply.body).toEqual(problem(status, code));
          expect((await ordersOf(shop.admin)).count).toBe(0);
        },
      );

      test('When there is no token, or a service credential, then 401 or 403', async () => {
        const tenant = newTenant();
        const service = createServiceTokenIssuer({
          secret: SERVICE_TOKEN_SECRET,
          issuer: 'reports',
          audience: 'orders',
          scopes: ['orders:read'],
        });

        const anonymous = await api.get('/orders');
        const asService = await api.get('/orders', { token: await service.tokenFor(tenant) });
        const forged = await api.get('/orders', { token: 'eyJhbGciOiJub25lIn0.eyJ0ZW5hbnRfaWQiOiJ4In0.' });

        expect(anonymous.status).toBe(401);
        expect(anonymous.body).toEqual(problem(401, 'unauthenticated'));
        expect(asService.status).toBe(403);
        expect(asService.body).toEqual(problem(403, 'forbidden'));
        expect(forged.status).toBe(401);
      });
    });

    describe('idempotency', () => {
      test('When 20 identical requests share one Idempotency-Key at once, then one order is created and all get its 201', async () => {
        const shop = await openShop();
        const key = `checkout-${shop.tenant}`;

        const replies = await Promise.all(
          Array.from({ length: 20 }, () => place(shop, seed001(), shop.alice, { 'idempotency-key': key })),
        );

        const first = replies[0]!;
        expect(replies.map((reply) => reply.status)).toEqual(Array(20).fill(201));
        expect(replies.every((reply) => JSON.stringify(reply.body) === JSON.stringify(first.body))).toBe(
          true,
        );
        expect(replies.filter((reply) => reply.headers.get('idempotent-replayed') === null)).toHaveLength(1);
        expect(new Set(replies.map((reply) => reply.headers.get('location')))).toEqual(
          new Set([`/orders/${first.body.order.order_id}`]),
        );
        expect((await ordersOf(shop.admin)).orders).toEqual([first.body.order]);
        // One reservation: stock went down once.
        expect([await shop.stock('WIDGET-A-001'), await shop.stock('WIDGET-B-002')]).toEqual([8, 9]);
      });

      test('When a key is reused with another body, then 422 idempotency_key_reused and nothing more is created', async () => {
        const shop = await openShop();
        const first = await place(shop, seed001(), shop.alice, { 'idempotency-key': 'k-1' });

        const reused = await place(shop, { ...seed001(), notes: 'changed my mind' }, shop.alice, {
          'idempotency-key': 'k-1',
        });
        const retried = await place(shop, seed001(), shop.alice, { 'idempotency-key': 'k-1' });

        expect(first.status).toBe(201);
        expect(reused.status).toBe(422);
        expect(reused.body).toEqual(problem(422, 'idempotency_key_reused'));
        expect(retried.status).toBe(201);
        expect(retried.body).toEqual(first.body);
        expect(retried.headers.get('idempotent-replayed')).toBe('true');
        expect((await ordersOf(shop.alice)).count).toBe(1);
        expect(await shop.stock('WIDGET-A-001')).toBe(8);
      });

      test('When a first attempt fails with a price mismatch, then the key is free for the corrected body', async () => {
        const shop = await openShop();

        const wrong = await place(shop, seed001(99.98), shop.alice, { 'idempotency-key': 'retry-me' });
        const corrected = await place(shop, seed001(99.97), shop.alice, { 'idempotency-key': 'retry-me' });

        expect(wrong.status).toBe(409);
        expect(corrected.status).toBe(201);
        expect((await ordersOf(shop.alice)).orders).toEqual([corrected.body.order]);
      });

      test('When two customers use the same key, then each gets an order of their own', async () => {
        const shop = await openShop();

        const [alice, bob] = await Promise.all([
          place(shop, seed001(), shop.alice, { 'idempotency-key': 'same' }),
          place(shop, seed001(), shop.bob, { 'idempotency-key': 'same' }),
        ]);

        expect([alice.status, bob.status]).toEqual([201, 201]);
        expect(alice.body.order.order_id).not.toBe(bob.body.order.order_id);
        expect([alice.body.order.customer_id, bob.body.order.customer_id]).toEqual(['alice', 'bob']);
      });
    });

    describe('reading and isolation', () => {
      test('When anyone but the owner or the tenant’s admin asks for an order, then every route answers 404 or an empty list', async () => {
        const shop = await openShop();
        const order = await placed(shop);
        const otherTenant = newTenant();
        const tokens = tokensOf(issuer);
        const strangerAdmin = await tokens.admin(otherTenant, 'admin-1');
        const strangerAlice = await tokens.customer(otherTenant, 'alice');
        const path = `/orders/${order.order_id}`;

        for (const token of [shop.bob, strangerAdmin, strangerAlice]) {
          const read = await api.get(path, { token });
          const cancel = await api.put(path, { token, body: { status: 'CANCELLED' } });
          expect([read.status, cancel.status]).toEqual([404, 404]);
          expect(read.body).toEqual(problem(404, 'not_found'));
          expect(cancel.body).toEqual(problem(404, 'not_found'));
          expect((await ordersOf(token)).orders).toEqual([]);
        }
        expect((await api.get('/customers/alice/orders', { token: shop.bob })).status).toBe(404);
        expect((await api.get('/customers/alice/orders', { token: strangerAdmin })).body).toEqual({
          orders: [],
          next_cursor: null,
          count: 0,
        });
        // The same sub in another tenant is another person.
        expect((await api.get('/customers/alice/orders', { token: strangerAlice })).body.orders).toEqual([]);
        expect((await api.get(path, { token: shop.alice })).body.status).toBe('PENDING');
      });

      test('When the seed 004 customer_id query is given, then it must name the order’s customer', async () => {
        const shop = await openShop();
        const order = await placed(shop);
        const path = `/orders/${order.order_id}`;

        const own = await api.get(`${path}?customer_id=alice`, { token: shop.alice });
        const claimingBob = await api.get(`${path}?customer_id=bob`, { token: shop.alice });
        const adminRight = await api.get(`${path}?customer_id=alice`, { token: shop.admin });
        const adminWrong = await api.get(`${path}?customer_id=bob`, { token: shop.admin });
        const bobAsAlice = await api.get(`${path}?customer_id=alice`, { token: shop.bob });

        expect([
          own.status,
          claimingBob.status,
          adminRight.status,
          adminWrong.status,
          bobAsAlice.status,
        ]).toEqual([200, 404, 200, 404, 404]);
        expect(own.body).toEqual(order);
        expect(adminRight.body).toEqual(order);
      });

      test('When an order id is not a UUID or does not exist, then 400 or 404', async () => {
        const shop = await openShop();

        const malformed = await api.get('/orders/not-a-uuid', { token: shop.alice });
        const missing = await api.get('/orders/0b8f3c1e-5a4d-4c55-9d0e-0f4b2f8a9c11', { token: shop.alice });

        expect(malformed.status).toBe(400);
        expect(malformed.body.errors).toEqual([expect.objectContaining({ in: 'params', field: 'order_id' })]);
        expect(missing.body).toEqual(problem(404, 'not_found'));
      });

      test('When listing, then customers see their own orders, admins the tenant’s, my_orders and status narrow it', async () => {
        const shop = await openShop();
        const a1 = await placed(shop, seed001(), shop.alice);
        const b1 = await placed(shop, seed001(), shop.bob);
        const admin1 = await placed(shop, seed001(), shop.admin);
        const confirmed = await api.put(`/orders/${b1.order_id}`, {
          token: shop.admin,
          body: { status: 'CONFIRMED' },
        });

        expect((await ordersOf(shop.alice)).orders).toEqual([a1]);
        expect((await ordersOf(shop.alice, '?my_orders=false')).orders).toEqual([a1]);
        expect((await ordersOf(shop.admin)).orders).toEqual([admin1, confirmed.body.order, a1]);
        expect((await ordersOf(shop.admin, '?my_orders=true')).orders).toEqual([admin1]);
        expect(await ordersOf(shop.admin, '?status=CONFIRMED')).toEqual({
          orders: [confirmed.body.order],
          next_cursor: null,
          count: 1,
        });
        expect((await ordersOf(shop.alice, '?status=CONFIRMED')).orders).toEqual([]);
        expect((await api.get('/customers/bob/orders', { token: shop.admin })).body.orders).toEqual([
          confirmed.body.order,
        ]);
        expect((await api.get('/customers/alice/orders', { token: shop.alice })).body.orders).toEqual([a1]);
      });

      test.each([
        ['limit=0', 'limit'],
        ['limit=101', 'limit'],
        ['offset=-1', 'offset'],
        ['status=LOST', 'status'],
        ['my_orders=maybe', 'my_orders'],
        ['sort=price', 'sort'],
      ])('When the list query has %s, then 400 names %s', async (query, field) => {
        const shop = await openShop([]);

        const reply = await api.get(`/orders?${query}`, { token: shop.admin });

        expect(reply.status).toBe(400);
        expect(reply.body.errors).toEqual(
          expect.arrayContaining([expect.objectContaining({ in: 'query', field })]),
        );
      });
    });

    describe('paging', () => {
      test('When 120 orders are paged through, then the admin and customer lists have no duplicates or gaps; forged cursors are refused', async () => {
        const shop = await openShop([{ sku: 'BULK', name: 'Bulk', price: 1.25, stock: 1000 }]);
        const body = { shipping_address: 'Bulk St 1', items: [{ product_sku: 'BULK', quantity: 1 }] };
        const created = await inBatches(Array.from({ length: 120 }), 12, async (_, i) =>
          placed(shop, body, i % 4 === 3 ? shop.bob : shop.alice),
        );
        const newestFirst = [...created]
          .sort((a, b) =>
            a.created_at === b.created_at
              ? a.order_id < b.order_id
                ? 1
                : -1
              : a.created_at < b.created_at
                ? 1
                : -1,
          )
          .map((order) => order.order_id);

        async function pageAll(path: string, token: string, limit: number) {
          const seen: string[] = [];
          const cursors: string[] = [];
          let cursor: string | null = null;
          do {
            const reply: Reply = await api.get(
              `${path}?limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
              { token },
            );
            expect(reply.status).toBe(200);
            expect(reply.body.count).toBe(reply.body.orders.length);
            seen.push(...reply.body.orders.map((order: { order_id: string }) => order.order_id));
            cursor = reply.body.next_cursor;
            if (cursor) cursors.push(cursor);
          } while (cursor);
          return { seen, cursors };
        }

        const admin = await pageAll('/orders', shop.admin, 25);
        const alice = await pageAll('/orders', shop.alice, 20);
        const bob = await pageAll('/customers/bob/orders', shop.admin, 7);

        expect(admin.seen).toEqual(newestFirst);
        expect(admin.cursors).toHaveLength(4);
        expect(alice.seen).toEqual(
          newestFirst.filter((id) => created.find((o) => o.order_id === id).customer_id === 'alice'),
        );
        expect(alice.seen).toHaveLength(90);
        expect(bob.seen).toHaveLength(30);
        expect(new Set([...alice.seen, ...bob.seen]).size).toBe(120);

        const offset = await api.get('/orders?limit=10&offset=5', { token: shop.admin });
        expect(offset.body.orders.map((o: { order_id: string }) => o.order_id)).toEqual(
          newestFirst.slice(5, 15),
        );

        // A cursor only works on the list it came from, untouched.
        const adminCursor = admin.cursors[0]!;
        const [payload, signature] = adminCursor.split('.');
        const tampered = `${Buffer.from(
          JSON.stringify({ ...JSON.parse(Buffer.from(payload!, 'base64url').toString()), i: newestFirst[0] }),
        ).toString('base64url')}.${signature}`;
        for (const [token, cursor, query] of [
          [shop.admin, 'not-a-cursor', ''],
          [shop.admin, tampered, ''],
          [shop.admin, `${payload}.${'A'.repeat(signature!.length)}`, ''],
          [shop.alice, adminCursor, ''],
          [shop.admin, adminCursor, '&status=PENDING'],
          [shop.admin, adminCursor, '&my_orders=true'],
          [await tokensOf(issuer).admin(newTenant()), adminCursor, ''],
        ] as const) {
          const reply = await api.get(`/orders?limit=25&cursor=${encodeURIComponent(cursor)}${query}`, {
            token,
          });
          expect(reply.status).toBe(400);
          expect(reply.body.errors).toEqual([expect.objectContaining({ in: 'query', field: 'cursor' })]);
        }
      });
    });

    describe('status lifecycle', () => {
      const path: Record<string, string[]> = {
        PENDING: [],
        CONFIRMED: ['CONFIRMED'],
        SHIPPED: ['CONFIRMED', 'SHIPPED'],
        DELIVERED: ['CONFIRMED', 'SHIPPED', 'DELIVERED'],
        CANCELLED: ['CANCELLED'],
      };
      const lifecycle: Array<['admin' | 'customer', string, string, number]> = [
        ['admin', 'PENDING', 'CONFIRMED', 200],
        ['admin', 'CONFIRMED', 'SHIPPED', 200],
        ['admin', 'SHIPPED', 'DELIVERED', 200],
        ['admin', 'PENDING', 'CANCELLED', 200],
        ['admin', 'CONFIRMED', 'CANCELLED', 200],
        ['admin', 'PENDING', 'SHIPPED', 409],
        ['admin', 'PENDING', 'DELIVERED', 409],
        ['admin', 'PENDING', 'PENDING', 409],
        ['admin', 'SHIPPED', 'CANCELLED', 409],
        ['admin', 'DELIVERED', 'CANCELLED', 409],
        ['admin', 'CANCELLED', 'CONFIRMED', 409],
        ['customer', 'PENDING', 'CANCELLED', 200],
        ['customer', 'PENDING', 'CONFIRMED', 403],
        ['customer', 'CONFIRMED', 'CANCELLED', 403],
        ['customer', 'CONFIRMED', 'SHIPPED', 403],
        ['customer', 'SHIPPED', 'DELIVERED', 403],
        ['customer', 'SHIPPED', 'CANCELLED', 409],
        ['customer', 'CANCELLED', 'PENDING', 409],
      ];

      /** A fresh order, moved by the admin along the path to `status`. */
      async function orderIn(shop: Shop, status: string) {
        let order = await placed(shop);
        for (const step of path[status]!) {
          order = (await api.put(`/orders/${order.order_id}`, { token: shop.admin, body: { status: step } }))
            .body.order;
        }
        return order;
      }

      /** The order after one move, as the reply and a read-back show it. */
      const movedOrder = (
        order: Awaited<ReturnType<typeof placed>>,
        from: string,
        to: string,
        by: string,
        email: string,
        changedAt: string,
      ) => ({
        ...order,
        status: to,
        order_status: to,
        version: order.version + 1,
        updated_at: changedAt,
        status_history: [
          ...order.status_history,
          { from, to, at: changedAt, by, by_email: email, reason: 'test' },
        ],
      });

      const refusal = (status: number, from: string, to: string) =>
        status === 409
          ? problem(409, 'invalid_transition', { from, to, allowed: expect.any(Array) })
          : problem(403, 'forbidden');

      test.each(lifecycle)(
        'When the %s moves an order from %s to %s, then %i',
        async (role, from, to, status) => {
          const shop = await openShop();
          const order = await orderIn(shop, from);
          const [token, by] = role === 'admin' ? [shop.admin, 'admin-1'] : [shop.alice, 'alice'];

          const reply = await api.put(`/orders/${order.order_id}`, {
            token,
            body: { status: to, reason: 'test' },
          });

          expect(reply.status).toBe(status);
          const readBack = (await api.get(`/orders/${order.order_id}`, { token: shop.admin })).body;
          if (status !== 200) {
            expect(reply.body).toEqual(refusal(status, from, to));
            expect(readBack).toEqual(order);
            return;
          }
          const expected = movedOrder(order, from, to, by, shop.email(by), reply.body.order.updated_at);
          expect(reply.body).toEqual({ message: 'Order updated successfully', order: expected });
          expect(reply.headers.get('etag')).toBe(`"${order.version + 1}"`);
          expect(readBack).toEqual(expected);
        },
      );

      test('When If-Match names an older version, then 412 and nothing changes; the current one succeeds', async () => {
        const shop = await openShop();
        const order = await placed(shop);
        const path = `/orders/${order.order_id}`;
        await api.put(path, {
          token: shop.admin,
          body: { status: 'CONFIRMED' },
          headers: { 'if-match': '"1"' },
        });

        const stale = await api.put(path, {
          token: shop.admin,
          body: { status: 'SHIPPED' },
          headers: { 'if-match': '"1"' },
        });
        const garbage = await api.put(path, {
          token: shop.admin,
          body: { status: 'SHIPPED' },
          headers: { 'if-match': 'x' },
        });
        const current = await api.put(path, {
          token: shop.admin,
          body: { status: 'SHIPPED' },
          headers: { 'if-match': '"2"' },
        });

        expect(stale.status).toBe(412);
        expect(stale.body).toEqual(problem(412, 'precondition_failed'));
        expect(stale.headers.get('etag')).toBe('"2"');
        expect(garbage.status).toBe(412);
        expect(current.status).toBe(200);
        expect(current.headers.get('etag')).toBe('"3"');
        expect((await api.get(path, { token: shop.alice })).body.status).toBe('SHIPPED');
      });

      test('When the update body is not strictly {status, reason}, then 400 names the field', async () => {
        const shop = await openShop();
        const order = await placed(shop);

        const reply = await api.put(`/orders/${order.order_id}`, {
          token: shop.admin,
          body: { status: 'CONFIRMED', total_amount: 0 },
        });
        const unknownStatus = await api.put(`/orders/${order.order_id}`, {
          token: shop.admin,
          body: { status: 'LOST' },
        });

        expect(reply.status).toBe(400);
        expect(reply.body.errors).toEqual([expect.objectContaining({ field: 'total_amount' })]);
        expect(unknownStatus.status).toBe(400);
        expect((await api.get(`/orders/${order.order_id}`, { token: shop.admin })).body).toEqual(order);
      });

      test('When an order is cancelled, then its stock comes back exactly once, even if cancelled twice at once', async () => {
        const shop = await openShop();
        const order = await placed(shop);
        expect([await shop.stock('WIDGET-A-001'), await shop.stock('WIDGET-B-002')]).toEqual([8, 9]);

        const replies = await Promise.all([
          api.put(`/orders/${order.order_id}`, { token: shop.alice, body: { status: 'CANCELLED' } }),
          api.put(`/orders/${order.order_id}`, { token: shop.admin, body: { status: 'CANCELLED' } }),
        ]);
        const again = await api.put(`/orders/${order.order_id}`, {
          token: shop.admin,
          body: { status: 'CANCELLED' },
        });

        expect(replies.map((reply) => reply.status).sort()).toEqual([200, 409]);
        expect(again.body).toEqual(
          problem(409, 'invalid_transition', { from: 'CANCELLED', to: 'CANCELLED' }),
        );
        expect([await shop.stock('WIDGET-A-001'), await shop.stock('WIDGET-B-002')]).toEqual([10, 10]);
        const readBack = (await api.get(`/orders/${order.order_id}`, { token: shop.alice })).body;
        expect(readBack.status).toBe('CANCELLED');
        expect(readBack.status_history.map((change: { to: string }) => change.to)).toEqual([
          'PENDING',
          'CANCELLED',
        ]);
      });
    });

    describe('failures of products and of the store', () => {
      test('When products is down, then placing an order is 503 with Retry-After and nothing is created', async () => {
        const shop = await openShop();

        const reply = await conforming(withProductsDown.api).post('/orders', {
          token: shop.alice,
          body: seed001(),
          headers: { 'idempotency-key': 'while-down' },
        });
        const retriedLater = await place(shop, seed001(), shop.alice, { 'idempotency-key': 'while-down' });

        expect(reply.status).toBe(503);
        expect(reply.headers.get('retry-after')).toMatch(/^\d+$/);
        expect(reply.body).toEqual(problem(503, 'dependency_unavailable'));
        expect(retriedLater.status).toBe(201);
        expect((await ordersOf(shop.alice)).orders).toEqual([retriedLater.body.order]);
      });

      test('When products is down, then cancelling is 503 and the order stays as it was', async () => {
        const shop = await openShop();
        const order = await placed(shop);

        const reply = await conforming(withProductsDown.api).put(`/orders/${order.order_id}`, {
          token: shop.alice,
          body: { status: 'CANCELLED' },
        });

        expect(reply.status).toBe(503);
        expect(reply.headers.get('retry-after')).toMatch(/^\d+$/);
        expect((await api.get(`/orders/${order.order_id}`, { token: shop.alice })).body).toEqual(order);
        expect(await shop.stock('WIDGET-A-001')).toBe(8);
      });

      test('When writing the order fails after the reservation, then 500 says nothing internal and the stock comes back', async () => {
        const shop = await openShop();

        const reply = await conforming(withFailingWrites.api).post('/orders', {
          token: shop.alice,
          body: seed001(),
        });

        expect(reply.status).toBe(500);
        expect(reply.body).toEqual(problem(500, 'internal'));
        expect(JSON.stringify(reply.body)).not.toMatch(/disk full/);
        expect((await ordersOf(shop.admin)).count).toBe(0);
        expect([await shop.stock('WIDGET-A-001'), await shop.stock('WIDGET-B-002')]).toEqual([10, 10]);
      });
    });

    describe('service endpoints', () => {
      test('When probes and the OpenAPI document are asked for, then they answer without a token', async () => {
        const healthz = await api.get('/healthz');
        const readyz = await api.get('/readyz');
        const openapi = await api.get('/openapi.json');

        expect(healthz.body).toEqual({ status: 'ok' });
        expect(readyz.body).toEqual({ status: 'ok', checks: { store: 'ok' } });
        expect(Object.keys(openapi.body.paths).sort()).toEqual([
          '/customers/{customer_id}/orders',
          '/orders',
          '/orders/{order_id}',
        ]);
        expect(Object.keys(openapi.body.paths['/orders'])).toEqual(['post', 'get']);
      });
    });
  });
}
