import { randomUUID } from 'node:crypto';
import type { DevIssuer } from '@shop/platform/dev-issuer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { conforming } from '../../../scripts/checks/lib/openapi-contract.ts';
import {
  type Api,
  aProduct,
  ISO_TIME,
  type Json,
  newTenant,
  type ProductsUnderTest,
  sqlEngines,
  startIssuer,
  startProducts,
  type Tokens,
  tokensOf,
} from './support/harness.ts';

let issuer: DevIssuer;
let tokens: Tokens;

beforeAll(async () => {
  issuer = await startIssuer();
  tokens = tokensOf(issuer);
});
afterAll(() => issuer?.close());

const problem = (status: number, code: string) => ({
  type: expect.stringContaining(code.replaceAll('_', '-')),
  title: expect.any(String),
  status,
  code,
  detail: expect.any(String),
  instance: expect.any(String),
  request_id: expect.any(String),
});

const reservationId = () => `ord-${randomUUID()}`;

describe.each(sqlEngines)('stock reservations on $engine', (target) => {
  let products: ProductsUnderTest;
  let api: Api;

  beforeAll(async () => {
    products = await startProducts(target, issuer);
    // Every answer is also checked against the OpenAPI documents the service serves.
    api = conforming(products.api, ['/openapi.json', '/stock/openapi.json']);
  });
  afterAll(() => products?.close());

  const created = async (tenant: string, overrides: Record<string, unknown> = {}) => {
    const reply = await api.post('/products', {
      token: await tokens.admin(tenant),
      body: aProduct(overrides),
    });
    expect(reply.status).toBe(201);
    return reply.body as Json;
  };
  const stockOf = async (tenant: string, productId: string) =>
    (await api.get(`/products/${productId}`, { token: await tokens.admin(tenant) })).body.stock_quantity;
  const reserve = async (tenant: string, body: unknown, token?: string) =>
    api.post('/stock/reservations', { token: token ?? (await tokens.service(tenant)), body });
  const release = async (tenant: string, id: string, token?: string) =>
    api.delete(`/stock/reservations/${id}`, { token: token ?? (await tokens.service(tenant)) });

  it('When the orders service reserves lines by id and by SKU, then 201 with the authoritative lines and the stock goes down', async () => {
    const tenant = newTenant();
    const kettle = await created(tenant, { name: 'Kettle', price: 42.5, stock_quantity: 5 });
    const mug = await created(tenant, { name: 'Mug', price: 14, stock_quantity: 20 });
    const id = reservationId();

    const reply = await reserve(tenant, {
      reservation_id: id,
      items: [
        { product_id: kettle.product_id, quantity: 2 },
        { sku: mug.sku, quantity: 3 },
      ],
    });

    expect(reply.status).toBe(201);
    expect(reply.headers.get('location')).toBe(`/stock/reservations/${id}`);
    expect(reply.body).toEqual({
      reservation_id: id,
      status: 'active',
      items: [
        {
          product_id: kettle.product_id,
          sku: kettle.sku,
          name: 'Kettle',
          quantity: 2,
          unit_price: 42.5,
          currency: 'EUR',
        },
        {
          product_id: mug.product_id,
          sku: mug.sku,
          name: 'Mug',
          quantity: 3,
          unit_price: 14,
          currency: 'EUR',
        },
      ],
      created_at: expect.stringMatching(ISO_TIME),
      released_at: null,
    });
    expect(await stockOf(tenant, kettle.product_id)).toBe(3);
    expect(await stockOf(tenant, mug.product_id)).toBe(17);
    const readBack = await api.get(`/stock/reservations/${id}`, { token: await tokens.service(tenant) });
    expect(readBack.body).toEqual(reply.body);
    const kettleNow = (await api.get(`/products/${kettle.product_id}`, { token: await tokens.admin(tenant) }))
      .body;
    expect(kettleNow.version).toBe(2);
  });

  it('When 50 reservations of one unit race for a stock of 10, then exactly 10 succeed and the stock ends at 0', async () => {
    const tenant = newTenant();
    const product = await created(tenant, { stock_quantity: 10 });
    const token = await tokens.service(tenant);

    const replies = await Promise.all(
      Array.from({ length: 50 }, () =>
        reserve(
          tenant,
          { reservation_id: reservationId(), items: [{ product_id: product.product_id, quantity: 1 }] },
          token,
        ),
      ),
    );

    const statuses = replies.map((reply) => reply.status);
    expect(statuses.filter((status) => status === 201)).toHaveLength(10);
    expect(statuses.filter((status) => status === 409)).toHaveLength(40);
    for (const reply of replies.filter((r) => r.status === 409)) {
      expect(reply.body).toEqual({
        ...problem(409, 'insufficient_stock'),
        lines: [
          {
            index: 0,
            product_id: product.product_id,
            reason: 'insufficient_stock',
            requested: 1,
            available: 0,
          },
        ],
      });
    }
    expect(await stockOf(tenant, product.product_id)).toBe(0);
  });

  it('When a reservation is retried with the same items, then 200 with the same body and nothing is taken twice', async () => {
    const tenant = newTenant();
    const product = await created(tenant, { stock_quantity: 10 });
    const body = {
      reservation_id: reservationId(),
      items: [{ product_id: product.product_id, quantity: 4 }],
    };

    const first = await reserve(tenant, body);
    const retry = await reserve(tenant, body);

    expect(first.status).toBe(201);
    expect(retry.status).toBe(200);
    expect(retry.body).toEqual(first.body);
    expect(await stockOf(tenant, product.product_id)).toBe(6);
  });

  it('When the same reservation arrives ten times at once, then one takes the stock and all answer the same', async () => {
    const tenant = newTenant();
    const product = await created(tenant, { stock_quantity: 10 });
    const body = { reservation_id: reservationId(), items: [{ sku: product.sku, quantity: 3 }] };
    const token = await tokens.service(tenant);

    const replies = await Promise.all(Array.from({ length: 10 }, () => reserve(tenant, body, token)));

    expect(replies.map((reply) => reply.status).sort()).toEqual([
      200, 200, 200, 200, 200, 200, 200, 200, 200, 201,
    ]);
    for (const reply of replies) expect(reply.body).toEqual(replies[0]!.body);
    expect(await stockOf(tenant, product.product_id)).toBe(7);
  });

  it('When a reservation id is reused for different items, then 422 and the stock is untouched', async () => {
    const tenant = newTenant();
    const product = await created(tenant, { stock_quantity: 10 });
    const id = reservationId();
    await reserve(tenant, { reservation_id: id, items: [{ product_id: product.product_id, quantity: 1 }] });

    const reply = await reserve(tenant, {
      reservation_id: id,
      items: [{ product_id: product.product_id, quantity: 2 }],
    });

    expect(reply.body).toEqual(problem(422, 'idempotency_key_reused'));
    expect(await stockOf(tenant, product.product_id)).toBe(9);
  });

  it('When some lines cannot be served, then 409 lists each of them and no line is reserved', async () => {
    const tenant = newTenant();
    const plenty = await created(tenant, { stock_quantity: 100 });
    const scarce = await created(tenant, { stock_quantity: 2 });
    const inactive = await created(tenant, { stock_quantity: 50, is_active: false });
    const missing = randomUUID();
    const id = reservationId();

    const reply = await reserve(tenant, {
      reservation_id: id,
      items: [
        { product_id: plenty.product_id, quantity: 10 },
        { product_id: scarce.product_id, quantity: 3 },
        { product_id: missing, quantity: 1 },
        { sku: inactive.sku, quantity: 1 },
        { sku: 'NO-SUCH-SKU', quantity: 1 },
      ],
    });

    expect(reply.body).toEqual({
      ...problem(409, 'insufficient_stock'),
      lines: [
        { index: 1, product_id: scarce.product_id, reason: 'insufficient_stock', requested: 3, available: 2 },
        { index: 2, product_id: missing, reason: 'not_found', requested: 1 },
        { index: 3, sku: inactive.sku, reason: 'inactive', requested: 1 },
        { index: 4, sku: 'NO-SUCH-SKU', reason: 'not_found', requested: 1 },
      ],
    });
    expect(await stockOf(tenant, plenty.product_id)).toBe(100);
    expect(await stockOf(tenant, scarce.product_id)).toBe(2);
    const lookup = await api.get(`/stock/reservations/${id}`, { token: await tokens.service(tenant) });
    expect(lookup.body).toEqual(problem(404, 'not_found'));
    const after = await reserve(tenant, {
      reservation_id: id,
      items: [{ product_id: plenty.product_id, quantity: 10 }],
    });
    expect(after.status).toBe(201);
  });

  it('When two lines of one reservation need the same product, then their sum counts against the stock', async () => {
    const tenant = newTenant();
    const product = await created(tenant, { stock_quantity: 5 });

    const reply = await reserve(tenant, {
      reservation_id: reservationId(),
      items: [
        { product_id: product.product_id, quantity: 3 },
        { sku: product.sku, quantity: 3 },
      ],
    });

    expect(reply.body).toEqual({
      ...problem(409, 'insufficient_stock'),
      lines: [{ index: 1, sku: product.sku, reason: 'insufficient_stock', requested: 3, available: 5 }],
    });
    expect(await stockOf(tenant, product.product_id)).toBe(5);
  });

  it('When the lines are priced in different currencies, then 409 and nothing is reserved', async () => {
    const tenant = newTenant();
    const euro = await created(tenant, { currency: 'EUR' });
    const dollar = await created(tenant, { currency: 'USD' });

    const reply = await reserve(tenant, {
      reservation_id: reservationId(),
      items: [
        { product_id: euro.product_id, quantity: 1 },
        { product_id: dollar.product_id, quantity: 1 },
      ],
    });

    expect(reply.body).toEqual({ ...problem(409, 'conflict'), currencies: ['EUR', 'USD'] });
    expect(await stockOf(tenant, euro.product_id)).toBe(10);
    expect(await stockOf(tenant, dollar.product_id)).toBe(10);
  });

  it('When a reservation is released twice, then the stock comes back once and both answers agree', async () => {
    const tenant = newTenant();
    const product = await created(tenant, { stock_quantity: 10 });
    const id = reservationId();
    const reserved = await reserve(tenant, {
      reservation_id: id,
      items: [{ product_id: product.product_id, quantity: 4 }],
    });

    const first = await release(tenant, id);
    const second = await release(tenant, id);

    expect(first.status).toBe(200);
    expect(first.body).toEqual({
      ...reserved.body,
      status: 'released',
      released_at: expect.stringMatching(ISO_TIME),
    });
    expect(second.status).toBe(200);
    expect(second.body).toEqual(first.body);
    expect(await stockOf(tenant, product.product_id)).toBe(10);
  });

  it('When the same reservation is released by several requests at once, then the stock comes back once', async () => {
    const tenant = newTenant();
    const product = await created(tenant, { stock_quantity: 10 });
    const id = reservationId();
    await reserve(tenant, { reservation_id: id, items: [{ product_id: product.product_id, quantity: 6 }] });
    const token = await tokens.service(tenant);

    const replies = await Promise.all(Array.from({ length: 8 }, () => release(tenant, id, token)));

    expect(replies.map((reply) => reply.status)).toEqual(Array(8).fill(200));
    expect(await stockOf(tenant, product.product_id)).toBe(10);
  });

  it('When a released reservation is retried, then 409 says it was released and nothing is taken', async () => {
    const tenant = newTenant();
    const product = await created(tenant, { stock_quantity: 10 });
    const body = {
      reservation_id: reservationId(),
      items: [{ product_id: product.product_id, quantity: 2 }],
    };
    await reserve(tenant, body);
    const released = await release(tenant, body.reservation_id);

    const retry = await reserve(tenant, body);

    expect(retry.body).toEqual({ ...problem(409, 'conflict'), reservation: released.body });
    expect(await stockOf(tenant, product.product_id)).toBe(10);
  });

  it('When an unknown reservation is released, then 404', async () => {
    const tenant = newTenant();

    const reply = await release(tenant, reservationId());

    expect(reply.body).toEqual(problem(404, 'not_found'));
  });

  it('When a product is deleted while reserved, then releasing still succeeds and touches nothing else', async () => {
    const tenant = newTenant();
    const product = await created(tenant, { stock_quantity: 10 });
    const id = reservationId();
    await reserve(tenant, { reservation_id: id, items: [{ product_id: product.product_id, quantity: 2 }] });
    await api.delete(`/products/${product.product_id}`, { token: await tokens.admin(tenant) });

    const reply = await release(tenant, id);

    expect(reply.status).toBe(200);
    expect(reply.body.status).toBe('released');
  });

  it('When a user, an admin, an anonymous caller or an unscoped service calls the stock API, then it is refused', async () => {
    const tenant = newTenant();
    const product = await created(tenant, { stock_quantity: 10 });
    const id = reservationId();
    await reserve(tenant, { reservation_id: id, items: [{ product_id: product.product_id, quantity: 1 }] });
    const body = {
      reservation_id: reservationId(),
      items: [{ product_id: product.product_id, quantity: 1 }],
    };

    const customer = await reserve(tenant, body, await tokens.customer(tenant));
    const admin = await reserve(tenant, body, await tokens.admin(tenant));
    const unscoped = await reserve(tenant, body, await tokens.serviceWithoutScope(tenant));
    const anonymous = await api.post('/stock/reservations', { body, headers: { 'x-tenant-id': tenant } });
    const adminRelease = await release(tenant, id, await tokens.admin(tenant));
    const customerLookup = await api.get(`/stock/reservations/${id}`, {
      token: await tokens.customer(tenant),
    });

    expect(customer.body).toEqual(problem(403, 'forbidden'));
    expect(admin.body).toEqual(problem(403, 'forbidden'));
    expect(unscoped.body).toEqual(problem(403, 'forbidden'));
    expect(anonymous.body).toEqual(problem(401, 'unauthenticated'));
    expect(adminRelease.body).toEqual(problem(403, 'forbidden'));
    expect(customerLookup.body).toEqual(problem(403, 'forbidden'));
    expect(await stockOf(tenant, product.product_id)).toBe(9);
  });

  it("When a service token of another tenant names this tenant's products, then they are not found and untouched", async () => {
    const owner = newTenant();
    const product = await created(owner, { stock_quantity: 10 });
    const other = newTenant();
    const id = reservationId();
    await reserve(owner, { reservation_id: id, items: [{ product_id: product.product_id, quantity: 1 }] });

    const reply = await reserve(other, {
      reservation_id: reservationId(),
      items: [
        { product_id: product.product_id, quantity: 1 },
        { sku: product.sku, quantity: 1 },
      ],
    });
    const foreignRelease = await release(other, id);

    expect(reply.body).toEqual({
      ...problem(409, 'insufficient_stock'),
      lines: [
        { index: 0, product_id: product.product_id, reason: 'not_found', requested: 1 },
        { index: 1, sku: product.sku, reason: 'not_found', requested: 1 },
      ],
    });
    expect(foreignRelease.body).toEqual(problem(404, 'not_found'));
    expect(await stockOf(owner, product.product_id)).toBe(9);
  });

  it.each([
    [
      'a line with both product_id and sku',
      [{ product_id: randomUUID(), sku: 'A-1', quantity: 1 }],
      'items[0]',
    ],
    ['a line with neither', [{ quantity: 1 }], 'items[0]'],
    ['a zero quantity', [{ sku: 'A-1', quantity: 0 }], 'items[0].quantity'],
    ['a quantity above 10000', [{ sku: 'A-1', quantity: 10_001 }], 'items[0].quantity'],
    ['a fractional quantity', [{ sku: 'A-1', quantity: 1.5 }], 'items[0].quantity'],
    ['a bad product id', [{ product_id: 'nope', quantity: 1 }], 'items[0].product_id'],
    ['an unknown line field', [{ sku: 'A-1', quantity: 1, unit_price: 0.01 }], 'items[0].unit_price'],
    ['no lines', [], 'items'],
    ['101 lines', Array.from({ length: 101 }, () => ({ sku: 'A-1', quantity: 1 })), 'items'],
  ])('When a reservation has %s, then 400 names %s and nothing is reserved', async (_, items, field) => {
    const tenant = newTenant();
    const product = await created(tenant, { sku: 'A-1', stock_quantity: 10 });

    const reply = await reserve(tenant, { reservation_id: reservationId(), items });

    expect(reply.body).toEqual({
      ...problem(400, 'validation_failed'),
      errors: expect.arrayContaining([{ in: 'body', field, message: expect.any(String) }]),
    });
    expect(await stockOf(tenant, product.product_id)).toBe(10);
  });

  it.each([
    ['an empty reservation id', ''],
    ['a reservation id with a slash', 'a/b'],
    ['a 65-character reservation id', 'x'.repeat(65)],
  ])('When a reservation has %s, then 400 names reservation_id', async (_, id) => {
    const tenant = newTenant();

    const reply = await reserve(tenant, { reservation_id: id, items: [{ sku: 'A-1', quantity: 1 }] });

    expect(reply.body.errors).toEqual([{ in: 'body', field: 'reservation_id', message: expect.any(String) }]);
  });
});
