import { randomUUID } from 'node:crypto';
import type { DevIssuer } from '@shop/platform/dev-issuer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
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
let stores: ProductsUnderTest[] = [];

beforeAll(async () => {
  issuer = await startIssuer();
  tokens = tokensOf(issuer);
  if (sqlEngines.length >= 2)
    stores = await Promise.all(sqlEngines.map((target) => startProducts(target, issuer)));
});
afterAll(async () => {
  await Promise.all(stores.map((store) => store.close()));
  await issuer?.close();
});

/** Replaces what legitimately differs between two stores (ids, tenants, clocks) by its type. */
const shapeOf = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(shapeOf);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, field]) => [
        key,
        ['product_id', 'tenant_id', 'reservation_id', 'created_at', 'updated_at', 'released_at'].includes(key)
          ? `<${field === null ? 'null' : typeof field}>`
          : shapeOf(field),
      ]),
    );
  }
  return value;
};

describe.skipIf(sqlEngines.length < 2)(
  `the same API on ${sqlEngines.map((t) => t.engine).join(', ')}`,
  () => {
    it('When the same product is created, changed and reserved on every engine, then every answer has the same JSON', async () => {
      const input = {
        sku: 'Xe.1_a-Z',
        name: 'Ünïcödé — 100% “quoted” name',
        description: 'Line one\nLine two\t🙂',
        price: 99999999.99,
        currency: 'JPY',
        stock_quantity: 1_000_000_000,
        is_active: true,
      };

      const transcripts = await Promise.all(
        stores.map(async ({ api }) => {
          const tenant = newTenant();
          const admin = await tokens.admin(tenant);
          const service = await tokens.service(tenant);
          const created = await api.post('/products', { token: admin, body: input });
          const path = `/products/${created.body.product_id}`;
          const changed = await api.put(path, { token: admin, body: { price: 0.1, description: '' } });
          const reservation = await api.post('/stock/reservations', {
            token: service,
            body: { reservation_id: randomUUID(), items: [{ sku: input.sku, quantity: 3 }] },
          });
          const read = await api.get(path, { headers: { 'x-tenant-id': tenant } });
          const listed = await api.get('/products?sort=-price', { token: admin });
          return [created, changed, reservation, read, listed].map((reply) => ({
            status: reply.status,
            // A page's ETag hashes its product ids and tenant, which differ between stores: its form only.
            etag: reply.headers.get('etag')?.replace(/^"[\w-]{22}"$/, '<hashed tag>'),
            keys: Object.keys(reply.body),
            body: shapeOf(reply.body),
          }));
        }),
      );

      const [first, ...others] = transcripts;
      for (const other of others) expect(other).toEqual(first);
      expect(first!.map((reply) => reply.status)).toEqual([201, 200, 201, 200, 200]);
      expect(first![3]!.body).toMatchObject({
        price: 0.1,
        stock_quantity: 999_999_997,
        version: 3,
        name: input.name,
      });
    });
  },
);
