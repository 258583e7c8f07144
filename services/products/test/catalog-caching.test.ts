import { randomUUID } from 'node:crypto';
import { hashedEtag } from '@shop/platform';
import type { DevIssuer } from '@shop/platform/dev-issuer';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { conforming } from '../../../scripts/checks/lib/openapi-contract.ts';
import { PAGE_FORMAT } from '../src/http/catalog-cache.ts';
import {
  type Api,
  aProduct,
  type Json,
  newTenant,
  type ProductsUnderTest,
  type Reply,
  sqlEngines,
  startIssuer,
  startProducts,
  type Tokens,
  testConfig,
  tokensOf,
} from './support/harness.ts';

/**
 * The catalog as an edge cache sees it: anonymous reads of GET /products and GET /products/{id} carry a
 * strong ETag, public Cache-Control and Vary; If-None-Match answers 304 without building the body; reads
 * with credentials and failed reads are never stored.
 */

let issuer: DevIssuer;
let tokens: Tokens;

beforeAll(async () => {
  issuer = await startIssuer();
  tokens = tokensOf(issuer);
});
afterAll(() => issuer?.close());
afterEach(() => {
  vi.restoreAllMocks();
});

const HASHED_TAG = /^"[\w-]{22}"$/;
const PUBLIC_DEFAULT = 'public, max-age=30, stale-while-revalidate=30';
const PRIVATE = 'private, no-store';
const ORIGIN = 'https://shop.example';

/** The Vary members of a reply, lower-cased, in order. */
const varyOf = (reply: Reply) =>
  (reply.headers.get('vary') ?? '')
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter(Boolean);

/** What a cache reads off a reply: status, body, and the caching headers. */
const cachingOf = (reply: Reply) => ({
  status: reply.status,
  etag: reply.headers.get('etag'),
  cacheControl: reply.headers.get('cache-control'),
  vary: varyOf(reply),
});

describe('catalog caching settings', () => {
  it('When nothing is set, then anonymous reads may be kept 30 s and served stale 30 s more', () => {
    const config = testConfig('sqlite:unused.sqlite', issuer);

    expect({
      maxAge: config.CATALOG_CACHE_MAX_AGE_SECONDS,
      stale: config.CATALOG_CACHE_STALE_SECONDS,
    }).toEqual({ maxAge: 30, stale: 30 });
  });

  it('When a lifetime is negative or not a number of seconds, then the service refuses to start, naming it', () => {
    expect(() =>
      testConfig('sqlite:unused.sqlite', issuer, {
        CATALOG_CACHE_MAX_AGE_SECONDS: '-1',
        CATALOG_CACHE_STALE_SECONDS: 'soon',
      }),
    ).toThrow(/CATALOG_CACHE_MAX_AGE_SECONDS[\s\S]*CATALOG_CACHE_STALE_SECONDS/);
  });
});

describe.each(sqlEngines)('catalog caching on $engine', (target) => {
  let products: ProductsUnderTest;
  let api: Api;
  let configured: Api;
  let withoutStale: Api;
  let uncached: Api;
  let withCors: Api;

  beforeAll(async () => {
    products = await startProducts(target, issuer);
    // Every answer is also checked against the OpenAPI document: the 304 must be a documented one.
    const documented = (variant: Api) => conforming(variant, ['/openapi.json', '/stock/openapi.json']);
    api = documented(products.api);
    configured = documented(
      await products.variant({ CATALOG_CACHE_MAX_AGE_SECONDS: '120', CATALOG_CACHE_STALE_SECONDS: '15' }),
    );
    withoutStale = documented(await products.variant({ CATALOG_CACHE_STALE_SECONDS: '0' }));
    uncached = documented(await products.variant({ CATALOG_CACHE_MAX_AGE_SECONDS: '0' }));
    withCors = documented(await products.variant({ CORS_ORIGINS: ORIGIN }));
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
  /** An anonymous read of `tenant`'s store. */
  const anonymous = (path: string, tenant: string, headers: Record<string, string> = {}, via = api) =>
    via.get(path, { headers: { 'x-tenant-id': tenant, ...headers } });
  const reads = (product: Json) => [`/products/${product.product_id}`, '/products'];

  describe('anonymous reads', () => {
    it('When a visitor reads a product, then 200 with its version as a strong ETag, public Cache-Control and Vary', async () => {
      const tenant = newTenant();
      const product = await created(tenant);

      const reply = await anonymous(`/products/${product.product_id}`, tenant);

      expect({ ...cachingOf(reply), body: reply.body }).toEqual({
        status: 200,
        etag: '"1"',
        cacheControl: PUBLIC_DEFAULT,
        vary: ['x-tenant-id', 'authorization'],
        body: product,
      });
    });

    it('When a visitor lists a store, then 200 with a hashed strong ETag, the same on every read, public Cache-Control and Vary', async () => {
      const tenant = newTenant();
      const product = await created(tenant);

      const reply = await anonymous('/products', tenant);
      const again = await anonymous('/products', tenant);

      expect({ ...cachingOf(reply), body: reply.body }).toEqual({
        status: 200,
        etag: expect.stringMatching(HASHED_TAG),
        cacheControl: PUBLIC_DEFAULT,
        vary: ['x-tenant-id', 'authorization'],
        body: { items: [product], next_cursor: null },
      });
      expect(cachingOf(again)).toEqual(cachingOf(reply));
    });

    it("When a page is read, then its ETag hashes the format, the tenant, each product's id and version and the next cursor: nothing of the body's bytes", async () => {
      const tenant = newTenant();
      const first = await created(tenant, { name: 'A' });
      const second = await created(tenant, { name: 'B' });
      await created(tenant, { name: 'C' });

      const reply = await anonymous('/products?limit=2', tenant);

      expect(reply.body.items.map((item: Json) => item.product_id)).toEqual([
        first.product_id,
        second.product_id,
      ]);
      expect(reply.headers.get('etag')).toBe(
        hashedEtag([
          PAGE_FORMAT,
          tenant,
          2,
          first.product_id,
          1,
          second.product_id,
          1,
          `next:${reply.body.next_cursor}`,
        ]),
      );
    });

    // A change to productJson or to the page's shape must bump PAGE_FORMAT (http/catalog-cache.ts): the
    // tag names the format, so a client never revalidates bytes of the old format against the new one.
    it('When the page format is what PAGE_FORMAT names, then its fields and their JSON types are these', async () => {
      const tenant = newTenant();
      await created(tenant);

      const reply = await anonymous('/products?limit=1', tenant);

      const typesOf = (value: Json) =>
        Object.fromEntries(
          Object.entries(value).map(([key, field]) => [key, field === null ? 'null' : typeof field]),
        );
      expect({ format: PAGE_FORMAT, page: typesOf(reply.body), item: typesOf(reply.body.items[0]) }).toEqual({
        format: 'products-page/1',
        page: { items: 'object', next_cursor: 'null' },
        item: {
          product_id: 'string',
          tenant_id: 'string',
          sku: 'string',
          name: 'string',
          description: 'string',
          price: 'number',
          currency: 'string',
          stock_quantity: 'number',
          is_active: 'boolean',
          version: 'number',
          created_at: 'string',
          updated_at: 'string',
        },
      });
    });
  });

  describe('If-None-Match', () => {
    const matching: Array<[string, (tag: string) => string]> = [
      ['the current tag', (tag) => tag],
      ['*', () => '*'],
      ['a list holding the current tag', (tag) => `"stale-1", ${tag}, W/"stale-2"`],
      ['the current tag marked weak (GET compares weakly)', (tag) => `W/${tag}`],
    ];

    it.each(matching)(
      'When it names %s, then both reads answer 304 with no body, the ETag and the same Cache-Control and Vary',
      async (_, condition) => {
        const tenant = newTenant();
        const product = await created(tenant);

        for (const path of reads(product)) {
          const full = await anonymous(path, tenant);
          const tag = full.headers.get('etag')!;

          const reply = await anonymous(path, tenant, { 'if-none-match': condition(tag) });

          expect({ ...cachingOf(reply), body: reply.body, type: reply.headers.get('content-type') }).toEqual({
            ...cachingOf(full),
            status: 304,
            body: '',
            type: null,
          });
        }
      },
    );

    it.each([
      ['another tag', () => '"0"'],
      ['a weak form of another tag', () => 'W/"0"'],
      ['a tag that is not quoted', (tag: string) => tag.slice(1, -1)],
      ['the current tag with something malformed after it', (tag: string) => `${tag} x`],
    ])('When it names %s, then both reads answer 200 with the body', async (_, condition) => {
      const tenant = newTenant();
      const product = await created(tenant);

      for (const path of reads(product)) {
        const full = await anonymous(path, tenant);

        const reply = await anonymous(path, tenant, {
          'if-none-match': condition(full.headers.get('etag')!),
        });

        expect({ ...cachingOf(reply), body: reply.body }).toEqual({ ...cachingOf(full), body: full.body });
      }
    });

    it('When a read answers 304, then no product is presented and no JSON is built', async () => {
      const tenant = newTenant();
      const product = await created(tenant);
      const paths = reads(product);
      const tags = [];
      for (const path of paths) tags.push((await anonymous(path, tenant)).headers.get('etag')!);
      // What building a body does: presenters turn dates into ISO text, createHttpApp stringifies the JSON.
      const isProductJson = (value: unknown) =>
        typeof value === 'object' && value !== null && ('product_id' in value || 'items' in value);
      const productDates = new Set([Date.parse(product.created_at), Date.parse(product.updated_at)]);
      const stringify = vi.spyOn(JSON, 'stringify');
      const toIsoString = vi.spyOn(Date.prototype, 'toISOString');
      const bodyWork = () =>
        stringify.mock.calls.filter(([value]) => isProductJson(value)).length +
        toIsoString.mock.contexts.filter((date) => productDates.has((date as Date).getTime())).length;

      for (const [index, path] of paths.entries()) {
        // The harness's own client: the OpenAPI check stringifies bodies in this process.
        const reply = await anonymous(path, tenant, { 'if-none-match': tags[index]! }, products.api);
        expect(reply.status).toBe(304);
      }
      const notModifiedWork = bodyWork();
      for (const path of paths) expect((await anonymous(path, tenant, {}, products.api)).status).toBe(200);

      expect({ notModifiedWork, fullWork: bodyWork() > 0 }).toEqual({ notModifiedWork: 0, fullWork: true });
    });

    it('When a product is missing, then If-None-Match: * is no 304: 404, kept by no cache', async () => {
      const tenant = newTenant();

      const reply = await anonymous(`/products/${randomUUID()}`, tenant, { 'if-none-match': '*' });

      expect(cachingOf(reply)).toEqual({
        status: 404,
        etag: null,
        cacheControl: 'no-store',
        vary: ['x-tenant-id', 'authorization'],
      });
    });
  });

  describe('what makes one page another', () => {
    const etagOf = async (path: string, tenant: string) => {
      const reply = await anonymous(path, tenant);
      expect(reply.status).toBe(200);
      return reply.headers.get('etag')!;
    };

    it('When two pages of one list are read, then their ETags differ, and one page’s tag is no 304 for the other', async () => {
      const tenant = newTenant();
      for (const name of ['A', 'B', 'C', 'D']) await created(tenant, { name });
      const first = await anonymous('/products?limit=2', tenant);

      const second = await anonymous(`/products?limit=2&cursor=${first.body.next_cursor}`, tenant, {
        'if-none-match': first.headers.get('etag')!,
      });

      expect(second.status).toBe(200);
      expect(second.body.items).toHaveLength(2);
      expect(second.headers.get('etag')).toMatch(HASHED_TAG);
      expect(second.headers.get('etag')).not.toBe(first.headers.get('etag'));
    });

    it('When two queries select different products of the same version, then their ETags differ', async () => {
      const tenant = newTenant();
      await created(tenant, { name: 'Kettle' });
      await created(tenant, { name: 'Grinder' });

      const kettles = await etagOf('/products?q=kettle', tenant);
      const grinders = await etagOf('/products?q=grinder', tenant);

      expect(kettles).not.toBe(grinders);
    });

    it('When two stores have nothing to list, then the same empty page has a different ETag in each', async () => {
      const [one, other] = [newTenant(), newTenant()];

      const tags = [await etagOf('/products', one), await etagOf('/products', other)];

      expect(new Set(tags).size).toBe(2);
    });

    it('When the same products are followed by a new one, then the page gains a next cursor and a new ETag', async () => {
      const tenant = newTenant();
      await created(tenant, { name: 'A' });
      await created(tenant, { name: 'B' });
      const lastPage = await anonymous('/products?limit=2', tenant);
      await created(tenant, { name: 'C' });

      const reply = await anonymous('/products?limit=2', tenant, {
        'if-none-match': lastPage.headers.get('etag')!,
      });

      expect(reply.status).toBe(200);
      expect(reply.body.items).toEqual(lastPage.body.items);
      expect(reply.body.next_cursor).toEqual(expect.any(String));
      expect(reply.headers.get('etag')).not.toBe(lastPage.headers.get('etag'));
    });
  });

  describe('changes show within max-age', () => {
    it('When an admin changes a product, then both ETags change and the old ones get 200 with the new body', async () => {
      const tenant = newTenant();
      const product = await created(tenant);
      const before = await Promise.all(reads(product).map((path) => anonymous(path, tenant)));

      const changed = await api.put(`/products/${product.product_id}`, {
        token: await tokens.admin(tenant),
        body: { price: 1.5 },
        headers: { 'if-match': '"1"' },
      });

      expect(changed.status).toBe(200);
      const [item, list] = await Promise.all(
        reads(product).map((path, index) =>
          anonymous(path, tenant, { 'if-none-match': before[index]!.headers.get('etag')! }),
        ),
      );
      expect({ status: item!.status, etag: item!.headers.get('etag'), body: item!.body }).toEqual({
        status: 200,
        etag: '"2"',
        body: changed.body,
      });
      expect({ status: list!.status, body: list!.body }).toEqual({
        status: 200,
        body: { items: [changed.body], next_cursor: null },
      });
      expect(list!.headers.get('etag')).not.toBe(before[1]!.headers.get('etag'));
    });

    it('When the orders service reserves stock, then both ETags change and the old ones get 200 with the new stock', async () => {
      const tenant = newTenant();
      const product = await created(tenant, { stock_quantity: 10 });
      const before = await Promise.all(reads(product).map((path) => anonymous(path, tenant)));

      const reserved = await api.post('/stock/reservations', {
        token: await tokens.service(tenant),
        body: { reservation_id: randomUUID(), items: [{ product_id: product.product_id, quantity: 3 }] },
      });

      expect(reserved.status).toBe(201);
      const [item, list] = await Promise.all(
        reads(product).map((path, index) =>
          anonymous(path, tenant, { 'if-none-match': before[index]!.headers.get('etag')! }),
        ),
      );
      expect({
        status: item!.status,
        etag: item!.headers.get('etag'),
        stock: item!.body.stock_quantity,
      }).toEqual({
        status: 200,
        etag: '"2"',
        stock: 7,
      });
      expect({ status: list!.status, items: list!.body.items }).toEqual({ status: 200, items: [item!.body] });
      expect(list!.headers.get('etag')).not.toBe(before[1]!.headers.get('etag'));
    });
  });

  describe('reads with credentials', () => {
    const callers: Array<[string, (tenant: string) => Promise<string>]> = [
      ['a customer', (tenant) => tokens.customer(tenant)],
      ['an admin', (tenant) => tokens.admin(tenant)],
      ['the orders service', (tenant) => tokens.service(tenant)],
    ];

    it.each(callers)(
      'When %s reads, then both reads are private, no-store, with the same ETag and Vary, and If-None-Match still works',
      async (_, tokenOf) => {
        const tenant = newTenant();
        const product = await created(tenant);
        const token = await tokenOf(tenant);

        for (const path of reads(product)) {
          const visitor = await anonymous(path, tenant);

          const reply = await api.get(path, { token });
          const revalidated = await api.get(path, {
            token,
            headers: { 'if-none-match': reply.headers.get('etag')! },
          });

          expect(cachingOf(reply)).toEqual({ ...cachingOf(visitor), cacheControl: PRIVATE });
          expect(reply.body).toEqual(visitor.body);
          expect(cachingOf(revalidated)).toEqual({ ...cachingOf(reply), status: 304 });
        }
      },
    );

    it('When an admin reads inactive products, then the list and the product are private, no-store', async () => {
      const tenant = newTenant();
      const inactive = await created(tenant, { is_active: false });
      const token = await tokens.admin(tenant);

      const list = await api.get('/products?active=false', { token });
      const item = await api.get(`/products/${inactive.product_id}`, { token });

      expect({ ...cachingOf(list), items: list.body.items }).toEqual({
        status: 200,
        etag: expect.stringMatching(HASHED_TAG),
        cacheControl: PRIVATE,
        vary: ['x-tenant-id', 'authorization'],
        items: [inactive],
      });
      expect({ ...cachingOf(item), body: item.body }).toEqual({
        status: 200,
        etag: '"1"',
        cacheControl: PRIVATE,
        vary: ['x-tenant-id', 'authorization'],
        body: inactive,
      });
    });
  });

  describe('cache lifetimes', () => {
    it('When lifetimes are configured, then anonymous reads carry them', async () => {
      const tenant = newTenant();
      const product = await created(tenant);

      for (const path of reads(product)) {
        const reply = await anonymous(path, tenant, {}, configured);
        expect(reply.headers.get('cache-control')).toBe('public, max-age=120, stale-while-revalidate=15');
      }
    });

    it('When stale-while-revalidate is 0, then it is left out', async () => {
      const tenant = newTenant();
      const product = await created(tenant);

      for (const path of reads(product)) {
        const reply = await anonymous(path, tenant, {}, withoutStale);
        expect(reply.headers.get('cache-control')).toBe('public, max-age=30');
      }
    });

    it('When max-age is 0, then no cache serves a read unasked (no-cache), and the ETag still revalidates it', async () => {
      const tenant = newTenant();
      const product = await created(tenant);

      for (const path of reads(product)) {
        const reply = await anonymous(path, tenant, {}, uncached);
        const revalidated = await anonymous(
          path,
          tenant,
          { 'if-none-match': reply.headers.get('etag')! },
          uncached,
        );

        expect(cachingOf(reply)).toEqual({
          status: 200,
          etag: expect.stringMatching(/^"/),
          cacheControl: 'no-cache',
          vary: ['x-tenant-id', 'authorization'],
        });
        expect(cachingOf(revalidated)).toEqual({ ...cachingOf(reply), status: 304 });
      }
    });
  });

  describe('failed reads', () => {
    it.each([
      ['a missing product', () => `/products/${randomUUID()}`, {}, 404],
      ['an X-Tenant-Id that is not a tenant id', () => '/products', { 'x-tenant-id': '../other' }, 400],
      ['a cursor that is not one', () => '/products?cursor=not.acursor', {}, 400],
    ])(
      'When the read is of %s, then the error is kept by no cache and has no ETag',
      async (_, path, headers, status) => {
        const reply = await anonymous(path(), newTenant(), headers);

        expect(cachingOf(reply)).toEqual({
          status,
          etag: null,
          cacheControl: 'no-store',
          vary: ['x-tenant-id', 'authorization'],
        });
      },
    );
  });

  describe('CORS', () => {
    it('When a browser preflights a conditional read, then If-None-Match is an allowed header', async () => {
      const preflight = await fetch(`${withCors.url}/products`, {
        method: 'OPTIONS',
        headers: {
          origin: ORIGIN,
          'access-control-request-method': 'GET',
          'access-control-request-headers': 'if-none-match, x-tenant-id',
        },
      });

      expect(preflight.status).toBe(204);
      expect(preflight.headers.get('access-control-allow-headers')?.split(/,\s*/)).toEqual(
        expect.arrayContaining(['if-none-match', 'x-tenant-id']),
      );
    });

    it('When a browser reads across origins, then ETag is exposed and Origin stays in Vary with the catalog’s own, on 200 and 304', async () => {
      const tenant = newTenant();
      const product = await created(tenant);

      for (const path of reads(product)) {
        const reply = await anonymous(path, tenant, { origin: ORIGIN }, withCors);
        const revalidated = await anonymous(
          path,
          tenant,
          { origin: ORIGIN, 'if-none-match': reply.headers.get('etag')! },
          withCors,
        );

        for (const answer of [reply, revalidated]) {
          expect(answer.headers.get('access-control-allow-origin')).toBe(ORIGIN);
          expect(answer.headers.get('access-control-expose-headers')?.split(/,\s*/)).toContain('etag');
          expect(varyOf(answer)).toEqual(['origin', 'x-tenant-id', 'authorization']);
        }
        expect(revalidated.status).toBe(304);
      }
    });

    it('When a read sends no Origin, then it still varies on Origin, so a cache never hands it to a browser', async () => {
      const tenant = newTenant();
      const product = await created(tenant);

      for (const path of reads(product)) {
        const reply = await anonymous(path, tenant, {}, withCors);

        expect(reply.headers.get('access-control-allow-origin')).toBeNull();
        expect(varyOf(reply)).toEqual(['origin', 'x-tenant-id', 'authorization']);
      }
    });
  });
});
