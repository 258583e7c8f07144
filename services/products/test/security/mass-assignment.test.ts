import { randomUUID } from 'node:crypto';
import type { DevIssuer } from '@shop/platform/dev-issuer';
import { expectProblem, send } from '@shop/platform/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  aProduct,
  newTenant,
  type ProductsUnderTest,
  sqlEngines,
  startIssuer,
  startProducts,
  type Tokens,
  tokensOf,
} from '../support/harness.ts';

/**
 * Mass assignment: fields that are the server's (ids, tenant, version, timestamps) or that belong to
 * another resource are refused with a 400 naming each one, and nothing of the request is applied (read
 * back through the API). Refusal happens above the store, so one engine is enough.
 */

let issuer: DevIssuer;
let tokens: Tokens;
let products: ProductsUnderTest;
let url: string;

beforeAll(async () => {
  issuer = await startIssuer();
  tokens = tokensOf(issuer);
  products = await startProducts(sqlEngines[0]!, issuer);
  url = products.api.url;
});
afterAll(async () => {
  await products?.close();
  await issuer?.close();
});

/** Each field a client must not set, with a value an attacker would want it to have. */
const serverOwned: Array<[field: string, value: unknown]> = [
  ['tenant_id', 'someone-else'],
  ['product_id', randomUUID()],
  ['version', 999],
  ['created_at', '2000-01-01T00:00:00.000Z'],
  ['updated_at', '2000-01-01T00:00:00.000Z'],
  ['customer_id', 'mallory'],
  ['created_by', 'mallory'],
  ['status', 'inactive'],
  ['order_id', randomUUID()],
  ['id', randomUUID()],
];

const unknownField = (field: string) => ({
  type: expect.any(String),
  title: 'Bad Request',
  status: 400,
  code: 'validation_failed',
  detail: expect.any(String),
  instance: expect.any(String),
  request_id: expect.any(String),
  errors: [{ in: 'body', field, message: 'is not a known field' }],
});

describe('mass assignment on the products service', () => {
  it.each(serverOwned)(
    'When POST /products carries %s, then 400 names it and nothing is created',
    async (field, value) => {
      const tenant = newTenant();
      const admin = await tokens.admin(tenant);
      const input = { ...aProduct(), [field]: value };

      const reply = await send(url, { method: 'POST', path: '/products', token: admin, body: input });

      expect(reply.status, reply.text).toBe(400);
      expect(reply.body).toEqual(unknownField(field));
      const list = await send(url, { method: 'GET', path: '/products', token: admin });
      expect(list.body).toEqual({ items: [], next_cursor: null });
      const elsewhere = await send(url, {
        method: 'GET',
        path: '/products',
        token: await tokens.admin('someone-else'),
      });
      expect(elsewhere.body.items.filter((p: { sku: string }) => p.sku === input.sku)).toEqual([]);
    },
  );

  it.each(serverOwned)(
    'When PUT /products/:id carries %s, then 400 names it and the product is unchanged',
    async (field, value) => {
      const tenant = newTenant();
      const admin = await tokens.admin(tenant);
      const created = await send(url, { method: 'POST', path: '/products', token: admin, body: aProduct() });
      const path = `/products/${created.body.product_id}`;

      const reply = await send(url, {
        method: 'PUT',
        path,
        token: admin,
        body: { name: 'Renamed', stock_quantity: 1, [field]: value },
      });

      expect(reply.status, reply.text).toBe(400);
      expect(reply.body).toEqual(unknownField(field));
      expect((await send(url, { method: 'GET', path, token: admin })).body).toEqual(created.body);
    },
  );

  it.each([
    ['POST /products', 'POST', () => '/products', (product: object) => ({ ...product })],
    ['PUT /products/:id', 'PUT', (id: string) => `/products/${id}`, () => ({ name: 'Renamed' })],
  ])(
    'When %s smuggles fields in a "__proto__" key, then 400 names it and none of them applies',
    async (_, method, pathOf, bodyOf) => {
      const tenant = newTenant();
      const admin = await tokens.admin(tenant);
      const created = await send(url, { method: 'POST', path: '/products', token: admin, body: aProduct() });
      const own = JSON.stringify(bodyOf(aProduct()));
      const text = `{"__proto__":{"tenant_id":"someone-else","stock_quantity":-5,"version":99},${own.slice(1)}`;

      const reply = await send(url, {
        method,
        path: pathOf(created.body.product_id),
        token: admin,
        body: Buffer.from(text),
        headers: { 'content-type': 'application/json' },
      });

      expect(reply.status, reply.text).toBe(400);
      expect(reply.body).toEqual(unknownField('__proto__'));
      const list = await send(url, { method: 'GET', path: '/products', token: admin });
      expect(list.body.items).toEqual([created.body]);
    },
  );

  it('When a body names several server fields at once, then 400 names every one of them', async () => {
    const admin = await tokens.admin(newTenant());

    const reply = await send(url, {
      method: 'POST',
      path: '/products',
      token: admin,
      body: { ...aProduct(), tenant_id: 'x', version: 3, created_at: 'now' },
    });

    expectProblem(reply, 400, 'validation_failed');
    expect(reply.body.errors.map((error: { field: string }) => error.field).sort()).toEqual([
      'created_at',
      'tenant_id',
      'version',
    ]);
  });

  const reservationFields: Array<[where: string, field: string, value: unknown]> = [
    ['top', 'tenant_id', 'someone-else'],
    ['top', 'status', 'released'],
    ['top', 'created_at', '2000-01-01T00:00:00.000Z'],
    ['top', 'released_at', '2000-01-01T00:00:00.000Z'],
    ['top', 'customer_id', 'mallory'],
    ['top', 'order_id', randomUUID()],
    ['top', 'version', 1],
    ['line', 'price', 0.01],
    ['line', 'unit_price', 0.01],
    ['line', 'name', 'Cheap'],
    ['line', 'currency', 'XXX'],
    ['line', 'tenant_id', 'someone-else'],
    ['line', 'stock_quantity', 1_000_000],
  ];

  it.each(reservationFields)(
    'When a reservation carries %s-level %s, then 400 names it and no stock moves',
    async (where, field, value) => {
      const tenant = newTenant();
      const admin = await tokens.admin(tenant);
      const service = await tokens.service(tenant);
      const product = (
        await send(url, {
          method: 'POST',
          path: '/products',
          token: admin,
          body: aProduct({ stock_quantity: 5 }),
        })
      ).body;
      const line = { product_id: product.product_id, quantity: 2 };
      const reservationId = `res-${randomUUID()}`;
      const body =
        where === 'top'
          ? { reservation_id: reservationId, items: [line], [field]: value }
          : { reservation_id: reservationId, items: [{ ...line, [field]: value }] };

      const reply = await send(url, { method: 'POST', path: '/stock/reservations', token: service, body });

      expect(reply.status, reply.text).toBe(400);
      expect(reply.body).toEqual(unknownField(where === 'top' ? field : `items[0].${field}`));
      const after = await send(url, { method: 'GET', path: `/products/${product.product_id}`, token: admin });
      expect(after.body).toEqual(product);
      const reservation = await send(url, {
        method: 'GET',
        path: `/stock/reservations/${reservationId}`,
        token: service,
      });
      expect(reservation.status).toBe(404);
    },
  );

  it.each([
    ['an admin', 'admin'],
    ['an anonymous caller', undefined],
  ] as const)('When %s lists with tenant_id in the query string, then 400 names it', async (_, role) => {
    const tenant = newTenant();
    const token = role ? await tokens.admin(tenant) : undefined;

    const reply = await send(url, { method: 'GET', path: '/products?tenant_id=someone-else', token });

    expectProblem(reply, 400, 'validation_failed');
    expect(reply.body.errors).toEqual([{ in: 'query', field: 'tenant_id', message: 'is not a known field' }]);
  });
});
