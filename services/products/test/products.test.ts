import type { DevIssuer } from '@shop/platform/dev-issuer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { conforming } from '../../../scripts/checks/lib/openapi-contract.ts';
import type { ProductJson } from '../src/domain/product.ts';
import {
  type Api,
  aProduct,
  type Json,
  newTenant,
  type ProductsUnderTest,
  productShape,
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

describe.each(sqlEngines)('products catalog on $engine', (target) => {
  let products: ProductsUnderTest;
  let api: Api;

  beforeAll(async () => {
    products = await startProducts(target, issuer);
    // Every answer is also checked against the OpenAPI documents the service serves.
    api = conforming(products.api, ['/openapi.json', '/stock/openapi.json']);
  });
  afterAll(() => products?.close());

  /** Arrange helper: an admin creates a product in `tenant` and gets its JSON back. */
  const created = async (tenant: string, overrides: Record<string, unknown> = {}) => {
    const reply = await api.post('/products', {
      token: await tokens.admin(tenant),
      body: aProduct(overrides),
    });
    expect(reply.status).toBe(201);
    return reply.body as Json;
  };
  const adminList = async (tenant: string, query = '') =>
    (await api.get(`/products${query}`, { token: await tokens.admin(tenant) })).body;

  describe('writes by role', () => {
    it('When an admin creates a product, then 201 with Location, ETag and the product, which reads back the same', async () => {
      const tenant = newTenant();
      const input = aProduct();

      const reply = await api.post('/products', { token: await tokens.admin(tenant), body: input });

      expect(reply.status).toBe(201);
      expect(reply.body).toEqual(productShape(tenant, input));
      expect(reply.body.created_at).toBe(reply.body.updated_at);
      expect(reply.headers.get('location')).toBe(`/products/${reply.body.product_id}`);
      expect(reply.headers.get('etag')).toBe('"1"');
      const readBack = await api.get(`/products/${reply.body.product_id}`, {
        token: await tokens.customer(tenant),
      });
      expect(readBack.status).toBe(200);
      expect(readBack.body).toEqual(reply.body);
      expect(readBack.headers.get('etag')).toBe('"1"');
    });

    it('When only the required fields are sent, then the defaults fill the rest', async () => {
      const tenant = newTenant();
      const input = { sku: 'MIN-1', name: 'Minimal', price: 0.01 };

      const reply = await api.post('/products', { token: await tokens.admin(tenant), body: input });

      expect(reply.status).toBe(201);
      expect(reply.body).toEqual(productShape(tenant, input));
    });

    it('When an admin changes some fields, then only those change, the version moves and the ETag follows', async () => {
      const tenant = newTenant();
      const product = await created(tenant);

      const reply = await api.put(`/products/${product.product_id}`, {
        token: await tokens.admin(tenant),
        body: { price: 99999999.99, stock_quantity: 3, is_active: false },
      });

      const expected = { ...product, price: 99999999.99, stock_quantity: 3, is_active: false, version: 2 };
      expect(reply.status).toBe(200);
      expect(reply.body).toEqual({ ...expected, updated_at: expect.any(String) });
      expect(reply.headers.get('etag')).toBe('"2"');
      expect(Date.parse(reply.body.updated_at)).toBeGreaterThanOrEqual(Date.parse(product.updated_at));
      const readBack = await api.get(`/products/${product.product_id}`, {
        token: await tokens.admin(tenant),
      });
      expect(readBack.body).toEqual(reply.body);
    });

    it('When an admin sends a full body, then every writable field is replaced', async () => {
      const tenant = newTenant();
      const product = await created(tenant);
      const replacement = aProduct({
        name: 'Renamed',
        description: '',
        price: 1.1,
        currency: 'USD',
        stock_quantity: 0,
      });

      const reply = await api.put(`/products/${product.product_id}`, {
        token: await tokens.admin(tenant),
        body: replacement,
      });

      expect(reply.status).toBe(200);
      expect(reply.body).toEqual({
        ...productShape(tenant, replacement, 2),
        product_id: product.product_id,
        created_at: product.created_at,
      });
    });

    it('When an admin deletes a product, then 204, it is gone, and deleting it again is 404', async () => {
      const tenant = newTenant();
      const product = await created(tenant);
      const token = await tokens.admin(tenant);

      const reply = await api.delete(`/products/${product.product_id}`, { token });

      expect(reply.status).toBe(204);
      expect(reply.body).toBe('');
      expect((await api.get(`/products/${product.product_id}`, { token })).status).toBe(404);
      expect((await api.delete(`/products/${product.product_id}`, { token })).body).toEqual(
        problem(404, 'not_found'),
      );
      expect(await adminList(tenant)).toEqual({ items: [], next_cursor: null });
    });

    it('When a customer tries to write, then 403 every time and nothing changes', async () => {
      const tenant = newTenant();
      const product = await created(tenant);
      const token = await tokens.customer(tenant);

      const replies = [
        await api.post('/products', { token, body: aProduct() }),
        await api.put(`/products/${product.product_id}`, { token, body: { price: 1 } }),
        await api.delete(`/products/${product.product_id}`, { token }),
      ];

      for (const reply of replies) expect(reply.body).toEqual(problem(403, 'forbidden'));
      expect(await adminList(tenant)).toEqual({ items: [product], next_cursor: null });
    });

    it('When nobody is signed in, then writes are 401 with a Bearer challenge and nothing changes', async () => {
      const tenant = newTenant();
      const product = await created(tenant);
      const headers = { 'x-tenant-id': tenant };

      const replies = [
        await api.post('/products', { headers, body: aProduct() }),
        await api.put(`/products/${product.product_id}`, { headers, body: { price: 1 } }),
        await api.delete(`/products/${product.product_id}`, { headers }),
      ];

      for (const reply of replies) {
        expect(reply.body).toEqual(problem(401, 'unauthenticated'));
        expect(reply.headers.get('www-authenticate')).toMatch(/^Bearer/);
      }
      expect(await adminList(tenant)).toEqual({ items: [product], next_cursor: null });
    });

    it('When the bearer token is garbage, then 401 even on a public read', async () => {
      const reply = await api.get('/products', { token: 'not-a-jwt' });

      expect(reply.body).toEqual(problem(401, 'unauthenticated'));
    });
  });

  describe('tenancy', () => {
    it('When another tenant addresses a product, then every route answers 404 and the product is untouched', async () => {
      const owner = newTenant();
      const intruder = newTenant();
      const product = await created(owner);
      const path = `/products/${product.product_id}`;
      const admin = await tokens.admin(intruder);

      const replies = [
        await api.get(path, { token: admin }),
        await api.get(path, { token: await tokens.customer(intruder) }),
        await api.get(path, { headers: { 'x-tenant-id': intruder } }),
        await api.put(path, { token: admin, body: { price: 1 } }),
        await api.put(path, { token: admin, body: { price: 1 }, headers: { 'if-match': '"1"' } }),
        await api.delete(path, { token: admin }),
      ];

      for (const reply of replies) expect(reply.body).toEqual(problem(404, 'not_found'));
      expect(await adminList(intruder)).toEqual({ items: [], next_cursor: null });
      expect((await api.get(path, { token: await tokens.admin(owner) })).body).toEqual(product);
    });

    it("When a signed-in customer sends another store's X-Tenant-Id, then the header is ignored", async () => {
      const own = newTenant();
      const other = newTenant();
      const mine = await created(own);
      await created(other);

      const reply = await api.get('/products', {
        token: await tokens.customer(own),
        headers: { 'x-tenant-id': other },
      });

      expect(reply.body).toEqual({ items: [mine], next_cursor: null });
    });

    it('When the same SKU is used in two stores, then both are created', async () => {
      const sku = aProduct().sku;

      const first = await api.post('/products', {
        token: await tokens.admin(newTenant()),
        body: aProduct({ sku }),
      });
      const second = await api.post('/products', {
        token: await tokens.admin(newTenant()),
        body: aProduct({ sku }),
      });

      expect([first.status, second.status]).toEqual([201, 201]);
    });
  });

  describe('anonymous reads', () => {
    it('When an anonymous visitor names a store, then they see its active products only', async () => {
      const tenant = newTenant();
      const active = await created(tenant, { name: 'Active one' });
      const inactive = await created(tenant, { name: 'Hidden one', is_active: false });
      const headers = { 'x-tenant-id': tenant };

      const list = await api.get('/products', { headers });
      const hidden = await api.get(`/products/${inactive.product_id}`, { headers });
      const onlyInactive = await api.get('/products?active=false', { headers });

      expect(list.body).toEqual({ items: [active], next_cursor: null });
      expect(hidden.body).toEqual(problem(404, 'not_found'));
      expect(onlyInactive.body).toEqual({ items: [], next_cursor: null });
      expect((await api.get(`/products/${active.product_id}`, { headers })).body).toEqual(active);
    });

    it('When a customer reads, then inactive products are hidden too, while the admin sees and filters them', async () => {
      const tenant = newTenant();
      const active = await created(tenant, { name: 'A active' });
      const inactive = await created(tenant, { name: 'B inactive', is_active: false });

      const customer = await api.get('/products', { token: await tokens.customer(tenant) });
      const hidden = await api.get(`/products/${inactive.product_id}`, {
        token: await tokens.customer(tenant),
      });

      expect(customer.body).toEqual({ items: [active], next_cursor: null });
      expect(hidden.status).toBe(404);
      expect(await adminList(tenant)).toEqual({ items: [active, inactive], next_cursor: null });
      expect(await adminList(tenant, '?active=false')).toEqual({ items: [inactive], next_cursor: null });
      expect(await adminList(tenant, '?active=true')).toEqual({ items: [active], next_cursor: null });
    });

    it('When an anonymous visitor names no store, then the default store is served', async () => {
      const tenant = newTenant();
      const product = await created(tenant);
      const storefront = await products.variant({ DEFAULT_TENANT: tenant });

      const list = await storefront.get('/products');
      const one = await storefront.get(`/products/${product.product_id}`);

      expect(list.body).toEqual({ items: [product], next_cursor: null });
      expect(one.body).toEqual(product);
    });

    it('When the catalog is not public, then anonymous reads are 401 and signed-in reads still work', async () => {
      const tenant = newTenant();
      const product = await created(tenant);
      const privateApi = await products.variant({ PUBLIC_CATALOG: 'false' });
      const headers = { 'x-tenant-id': tenant };

      const list = await privateApi.get('/products', { headers });
      const one = await privateApi.get(`/products/${product.product_id}`, { headers });
      const customer = await privateApi.get('/products', { token: await tokens.customer(tenant) });

      expect(list.body).toEqual(problem(401, 'unauthenticated'));
      expect(one.body).toEqual(problem(401, 'unauthenticated'));
      expect(customer.body).toEqual({ items: [product], next_cursor: null });
    });

    it('When X-Tenant-Id is not a tenant id, then 400 naming the header', async () => {
      const reply = await api.get('/products', { headers: { 'x-tenant-id': '../etc passwd' } });

      expect(reply.body).toEqual({
        ...problem(400, 'validation_failed'),
        errors: [{ in: 'headers', field: 'X-Tenant-Id', message: 'is not a valid tenant id' }],
      });
    });
  });

  describe('bad input', () => {
    const long = (n: number) => 'x'.repeat(n);
    const invalidBodies: Array<[string, Record<string, unknown>, string]> = [
      ['price as a string', { price: '12.50' }, 'price'],
      ['a negative price', { price: -1 }, 'price'],
      ['a zero price', { price: 0 }, 'price'],
      ['a price with three decimals', { price: 1.234 }, 'price'],
      ['a price above DECIMAL(10,2)', { price: 100_000_000 }, 'price'],
      ['a price that is not a finite number', { price: null }, 'price'],
      ['an empty SKU', { sku: '' }, 'sku'],
      ['a SKU with spaces', { sku: 'A B' }, 'sku'],
      ['a 65-character SKU', { sku: long(65) }, 'sku'],
      ['an empty name', { name: '' }, 'name'],
      ['a blank name', { name: '   ' }, 'name'],
      ['a 201-character name', { name: long(201) }, 'name'],
      ['a 5001-character description', { description: long(5001) }, 'description'],
      ['a huge description', { description: long(200_000) }, 'description'],
      ['a lower-case currency', { currency: 'eur' }, 'currency'],
      ['a negative stock', { stock_quantity: -1 }, 'stock_quantity'],
      ['a fractional stock', { stock_quantity: 1.5 }, 'stock_quantity'],
      ['a stock above a billion', { stock_quantity: 1_000_000_001 }, 'stock_quantity'],
      ['is_active as a string', { is_active: 'yes' }, 'is_active'],
      ['a tenant_id', { tenant_id: 'someone-else' }, 'tenant_id'],
      ['a product_id', { product_id: '00000000-0000-4000-8000-000000000000' }, 'product_id'],
      ['a version', { version: 7 }, 'version'],
      ['a created_at', { created_at: '2020-01-01T00:00:00.000Z' }, 'created_at'],
    ];

    it.each(invalidBodies)(
      'When a product is created with %s, then 400 names the field and nothing is written',
      async (_, change, field) => {
        const tenant = newTenant();

        const reply = await api.post('/products', {
          token: await tokens.admin(tenant),
          body: aProduct(change),
        });

        expect(reply.status).toBe(400);
        expect(reply.headers.get('content-type')).toMatch(/^application\/problem\+json/);
        expect(reply.body).toEqual({
          ...problem(400, 'validation_failed'),
          errors: expect.arrayContaining([{ in: 'body', field, message: expect.any(String) }]),
        });
        expect(await adminList(tenant)).toEqual({ items: [], next_cursor: null });
      },
    );

    it('When a required field is missing, then 400 names it', async () => {
      const tenant = newTenant();
      const { sku: _sku, ...withoutSku } = aProduct();

      const reply = await api.post('/products', { token: await tokens.admin(tenant), body: withoutSku });

      expect(reply.body.errors).toEqual([{ in: 'body', field: 'sku', message: 'is required' }]);
      expect(await adminList(tenant)).toEqual({ items: [], next_cursor: null });
    });

    it('When the body is not JSON, then 400 malformed_json and nothing is written', async () => {
      const tenant = newTenant();

      const reply = await api.post('/products', {
        token: await tokens.admin(tenant),
        rawBody: '{"sku": "A",',
      });

      expect(reply.body).toEqual(problem(400, 'malformed_json'));
      expect(await adminList(tenant)).toEqual({ items: [], next_cursor: null });
    });

    it('When the body is not sent as JSON, then 415', async () => {
      const tenant = newTenant();

      const reply = await api.post('/products', {
        token: await tokens.admin(tenant),
        rawBody: 'sku=A',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });

      expect(reply.body).toEqual(problem(415, 'unsupported_media_type'));
    });

    it('When the body is larger than the limit, then 413 and nothing is written', async () => {
      const tenant = newTenant();

      const reply = await api.post('/products', {
        token: await tokens.admin(tenant),
        body: aProduct({ description: 'x'.repeat(1_100_000) }),
      });

      expect(reply.body).toEqual(problem(413, 'payload_too_large'));
      expect(await adminList(tenant)).toEqual({ items: [], next_cursor: null });
    });

    it('When a change is empty or carries an unknown field, then 400 and the product is unchanged', async () => {
      const tenant = newTenant();
      const product = await created(tenant);
      const token = await tokens.admin(tenant);

      const empty = await api.put(`/products/${product.product_id}`, { token, body: {} });
      const unknown = await api.put(`/products/${product.product_id}`, {
        token,
        body: { price: 5, version: 9 },
      });
      const invalid = await api.put(`/products/${product.product_id}`, { token, body: { price: 1.005 } });

      expect(empty.body).toEqual({
        ...problem(400, 'validation_failed'),
        errors: [expect.objectContaining({ in: 'body' })],
      });
      expect(unknown.body.errors).toEqual([
        { in: 'body', field: 'version', message: 'is not a known field' },
      ]);
      expect(invalid.body.errors).toEqual([
        { in: 'body', field: 'price', message: 'must have at most 2 decimal places' },
      ]);
      expect((await api.get(`/products/${product.product_id}`, { token })).body).toEqual(product);
    });

    it.each([
      ['GET', 'not-a-uuid'],
      ['PUT', '1234'],
      ['DELETE', "1' or '1'='1"],
    ])('When %s names a product by a non-UUID, then 400 names the id', async (method, id) => {
      const tenant = newTenant();
      const token = await tokens.admin(tenant);
      const path = `/products/${encodeURIComponent(id)}`;

      const reply =
        method === 'GET'
          ? await api.get(path, { token })
          : method === 'PUT'
            ? await api.put(path, { token, body: { price: 1 } })
            : await api.delete(path, { token });

      expect(reply.body).toEqual({
        ...problem(400, 'validation_failed'),
        errors: [{ in: 'params', field: 'id', message: expect.any(String) }],
      });
    });

    it.each([
      ['limit=1000', 'limit'],
      ['limit=0', 'limit'],
      ['limit=ten', 'limit'],
      ['sort=stock', 'sort'],
      ['active=maybe', 'active'],
      ['sku=bad%20sku', 'sku'],
      ['colour=red', 'colour'],
    ])('When the list is asked with %s, then 400 names %s', async (query, field) => {
      const reply = await api.get(`/products?${query}`, { token: await tokens.admin(newTenant()) });

      expect(reply.body).toEqual({
        ...problem(400, 'validation_failed'),
        errors: expect.arrayContaining([{ in: 'query', field, message: expect.any(String) }]),
      });
    });
  });

  describe('duplicates and versions', () => {
    it('When a SKU is reused in the same store, then 409 duplicate and only the first exists', async () => {
      const tenant = newTenant();
      const first = await created(tenant);

      const reply = await api.post('/products', {
        token: await tokens.admin(tenant),
        body: aProduct({ sku: first.sku }),
      });

      expect(reply.body).toEqual(problem(409, 'duplicate'));
      expect(await adminList(tenant)).toEqual({ items: [first], next_cursor: null });
    });

    it("When a product is renamed to another product's SKU, then 409 duplicate and it keeps its own", async () => {
      const tenant = newTenant();
      const first = await created(tenant, { name: 'A' });
      const second = await created(tenant, { name: 'B' });

      const reply = await api.put(`/products/${second.product_id}`, {
        token: await tokens.admin(tenant),
        body: { sku: first.sku },
      });

      expect(reply.body).toEqual(problem(409, 'duplicate'));
      expect(await adminList(tenant)).toEqual({ items: [first, second], next_cursor: null });
    });

    it('When If-Match names the current version, then the change applies; when it is stale, then 412', async () => {
      const tenant = newTenant();
      const product = await created(tenant);
      const token = await tokens.admin(tenant);
      const path = `/products/${product.product_id}`;

      const fresh = await api.put(path, {
        token,
        body: { name: 'First edit' },
        headers: { 'if-match': '"1"' },
      });
      const stale = await api.put(path, {
        token,
        body: { name: 'Lost edit' },
        headers: { 'if-match': '"1"' },
      });
      const staleDelete = await api.delete(path, { token, headers: { 'if-match': '"1"' } });
      const garbled = await api.put(path, {
        token,
        body: { name: 'Garbled' },
        headers: { 'if-match': 'yesterday' },
      });

      expect(fresh.status).toBe(200);
      expect(fresh.headers.get('etag')).toBe('"2"');
      expect(stale.body).toEqual({ ...problem(412, 'precondition_failed'), current_version: 2 });
      expect(staleDelete.body).toEqual({ ...problem(412, 'precondition_failed'), current_version: 2 });
      expect(garbled.body).toEqual(problem(412, 'precondition_failed'));
      const readBack = await api.get(path, { token });
      expect(readBack.body).toEqual({ ...fresh.body });
      expect(readBack.body.name).toBe('First edit');
      const deleted = await api.delete(path, { token, headers: { 'if-match': 'W/"2"' } });
      expect(deleted.status).toBe(204);
    });

    it('When two admins change a product at once without If-Match, then both changes land, one version each', async () => {
      const tenant = newTenant();
      const product = await created(tenant);
      const token = await tokens.admin(tenant);
      const path = `/products/${product.product_id}`;

      const [a, b] = await Promise.all([
        api.put(path, { token, body: { name: 'Name from A' } }),
        api.put(path, { token, body: { price: 7.77 } }),
      ]);

      expect([a.status, b.status]).toEqual([200, 200]);
      const readBack = (await api.get(path, { token })).body;
      expect(readBack).toMatchObject({ name: 'Name from A', price: 7.77, version: 3 });
    });
  });

  describe('pagination', () => {
    const names = ['Kettle', 'Aeropress', 'Mug', 'Grinder', 'Dripper', 'Mug', 'Beans', 'Filter', 'Scale'];
    const prices = [42.5, 29, 14, 79, 24.99, 14, 12.9, 5.49, 34.9];

    const compare = (a: string | number, b: string | number) => (a < b ? -1 : a > b ? 1 : 0);
    const orderOf = (items: Json[], sort: string) => {
      const field = sort.replace(/^-/, '');
      const sign = sort.startsWith('-') ? -1 : 1;
      const key = (p: Json) => (field === 'created_at' ? Date.parse(p.created_at) : p[field]);
      return [...items].sort(
        (a, b) => sign * (compare(key(a), key(b)) || compare(a.product_id, b.product_id)),
      );
    };

    const walk = async (tenant: string, sort: string, limit: number) => {
      const token = await tokens.customer(tenant);
      const seen: Json[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const query: string = `?sort=${sort}&limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`;
        const reply = await api.get(`/products${query}`, { token });
        expect(reply.status).toBe(200);
        expect(reply.body.items.length).toBeLessThanOrEqual(limit);
        seen.push(...reply.body.items);
        cursor = reply.body.next_cursor;
        pages++;
      } while (cursor && pages < 20);
      return { seen, pages };
    };

    it.each(['name', '-name', 'price', '-price', 'created_at', '-created_at'])(
      'When a store is paged by %s, then the pages hold every product once, in order',
      async (sort) => {
        const tenant = newTenant();
        const all: Json[] = [];
        for (const [index, name] of names.entries())
          all.push(await created(tenant, { name, price: prices[index] }));

        const { seen, pages } = await walk(tenant, sort, 2);

        expect(pages).toBe(5);
        expect(seen).toEqual(orderOf(all, sort));
      },
    );

    it('When the page size equals the store size, then there is one page and no cursor', async () => {
      const tenant = newTenant();
      await created(tenant);
      await created(tenant);

      const reply = await api.get('/products?limit=2', { token: await tokens.customer(tenant) });

      expect(reply.body.items).toHaveLength(2);
      expect(reply.body.next_cursor).toBeNull();
    });

    it('When a cursor is replayed in another store, with another sort, or tampered with, then 400 names the cursor', async () => {
      const tenant = newTenant();
      await created(tenant);
      await created(tenant);
      const token = await tokens.customer(tenant);
      const { next_cursor: cursor } = (await api.get('/products?limit=1&sort=price', { token })).body;
      const [payload, tag] = (cursor as string).split('.');
      const state = JSON.parse(Buffer.from(payload!, 'base64url').toString());
      const forged = `${Buffer.from(JSON.stringify({ ...state, t: 'other' })).toString('base64url')}.${tag}`;

      const replies = [
        await api.get(`/products?limit=1&sort=price&cursor=${cursor}`, {
          token: await tokens.customer(newTenant()),
        }),
        await api.get(`/products?limit=1&sort=name&cursor=${cursor}`, { token }),
        await api.get(`/products?limit=1&sort=price&cursor=${forged}`, { token }),
        await api.get(`/products?limit=1&sort=price&cursor=${cursor}x`, { token }),
        await api.get('/products?limit=1&sort=price&cursor=bm90LWEtY3Vyc29y', { token }),
      ];

      for (const reply of replies) {
        expect(reply.body).toEqual({
          ...problem(400, 'validation_failed'),
          errors: [{ in: 'query', field: 'cursor', message: 'is not a cursor of this listing' }],
        });
      }
      expect((await api.get(`/products?limit=1&sort=price&cursor=${cursor}`, { token })).status).toBe(200);
    });

    it('When searching with q, then name and SKU match case-insensitively and wildcards are literal', async () => {
      const tenant = newTenant();
      const kettle = await created(tenant, { name: 'Gooseneck KETTLE', sku: 'KTL-1' });
      const percent = await created(tenant, { name: '100% Arabica', sku: 'BEAN_1' });
      const mug = await created(tenant, { name: 'Mug', sku: 'mug-kettle-set' });
      await created(tenant, { name: 'Grinder', sku: 'GRD-1' });
      const token = await tokens.customer(tenant);
      const search = async (q: string) =>
        (await api.get(`/products?q=${encodeURIComponent(q)}`, { token })).body.items.map(
          (p: ProductJson) => p.sku,
        );

      expect(await search('kettle')).toEqual([kettle.sku, mug.sku]);
      expect(await search('%')).toEqual([percent.sku]);
      expect(await search('n_1')).toEqual([percent.sku]);
      expect(await search('_')).toEqual([percent.sku]);
      expect(await search('ktl')).toEqual([kettle.sku]);
      expect(await search('café')).toEqual([]);
      expect((await api.get(`/products?sku=${mug.sku}`, { token })).body).toEqual({
        items: [mug],
        next_cursor: null,
      });
      expect((await api.get('/products?sku=MUG-KETTLE-SET', { token })).body).toEqual({
        items: [],
        next_cursor: null,
      });
    });
  });

  describe('service surface', () => {
    it('When /openapi.json is read, then it documents the public routes from the validating schemas', async () => {
      const reply = await api.get('/openapi.json');

      expect(reply.status).toBe(200);
      expect(reply.body.openapi).toBe('3.1.0');
      expect(Object.keys(reply.body.paths).sort()).toEqual(['/products', '/products/{id}']);
      expect(
        reply.body.paths['/products'].post.requestBody.content['application/json'].schema
          .additionalProperties,
      ).toBe(false);
    });

    it('When /stock/openapi.json is read, then it documents the internal stock routes, and only them', async () => {
      const reply = await api.get('/stock/openapi.json');

      expect(reply.status).toBe(200);
      expect(Object.keys(reply.body.paths).sort()).toEqual([
        '/stock/reservations',
        '/stock/reservations/{id}',
      ]);
    });

    it('When the probes are called, then /healthz and /readyz answer ok', async () => {
      expect((await api.get('/healthz')).body).toEqual({ status: 'ok' });
      expect((await api.get('/readyz')).body).toEqual({ status: 'ok', checks: { database: 'ok' } });
    });

    it('When a path or method is unknown, then a problem document says so', async () => {
      expect((await api.get('/nope')).body).toEqual(problem(404, 'not_found'));
      const patch = await fetch(`${api.url}/products`, { method: 'PATCH' });
      expect(patch.status).toBe(405);
      expect(await patch.json()).toMatchObject({ status: 405, code: 'method_not_allowed' });
    });
  });
});
