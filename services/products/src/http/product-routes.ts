import {
  AppError,
  answeredNotModified,
  etagOf,
  type Route,
  route,
  StrictObject,
  tenantOf,
  toMinor,
} from '@shop/platform';
import { createProduct, deleteProduct, getProduct, listProducts } from '../domain/catalog.ts';
import type { ProductStore } from '../domain/ports.ts';
import {
  DEFAULT_CURRENCY,
  type NewProduct,
  NewProductBody,
  type Product,
  type ProductChanges,
  ProductChangesBody,
  ProductId,
  ProductJson,
  ProductListQuery,
  ProductPage,
  sortKeyOf,
} from '../domain/product.ts';
import { updateProduct } from '../domain/update-product.ts';
import { beginCatalogRead, catalogCacheControl, pageEtag, productEtag } from './catalog-cache.ts';
import type { CursorCodec } from './cursor.ts';
import { productJson } from './presenters.ts';
import { type CatalogSettings, expectedVersionOf, type Reader, readerOf } from './readers.ts';

export interface ProductRouteDeps {
  store: ProductStore;
  cursors: CursorCodec;
  catalog: CatalogSettings;
}

const ProductParams = StrictObject({ id: ProductId });
const tags = ['products'];
const readHeaders = {
  'X-Tenant-Id': { description: 'Store to read when calling anonymously; ignored with a bearer token.' },
  'If-None-Match': {
    description:
      'ETags of representations the client holds (`"3"`, a list, `W/` tags, or `*`): 304 when one is current.',
  },
};

/** What a successful catalog read carries, and what its 304 repeats. */
const cacheHeaders = {
  ETag: 'Strong validator of this representation; send it back in If-None-Match.',
  'Cache-Control':
    '`public, max-age=<CATALOG_CACHE_MAX_AGE_SECONDS>, stale-while-revalidate=<CATALOG_CACHE_STALE_SECONDS>` for anonymous reads (`no-cache` when max-age is 0); `private, no-store` with a bearer token.',
  Vary: 'X-Tenant-Id, Authorization (and Origin when CORS is on).',
};
const notModified = {
  description:
    'If-None-Match names the current representation: no body; ETag, Cache-Control and Vary as the 200 would send them.',
  headers: cacheHeaders,
};
const noStore = { 'Cache-Control': '`no-store`: no cache keeps a failed read.' };
const ifMatch = { 'If-Match': { description: 'ETag of the version this change is based on ("3").' } };

const newProductOf = (body: NewProductBody): NewProduct => ({
  sku: body.sku,
  name: body.name,
  description: body.description ?? '',
  priceMinor: toMinor(body.price),
  currency: body.currency ?? DEFAULT_CURRENCY,
  stockQuantity: body.stock_quantity ?? 0,
  isActive: body.is_active ?? true,
});

const changesOf = (body: ProductChangesBody): ProductChanges => ({
  sku: body.sku,
  name: body.name,
  description: body.description,
  priceMinor: body.price === undefined ? undefined : toMinor(body.price),
  currency: body.currency,
  stockQuantity: body.stock_quantity,
  isActive: body.is_active,
});

const duplicateSku = (sku: string | undefined) =>
  AppError.conflict('duplicate', `A product with SKU "${sku}" already exists in this store.`);

const versionMismatch = (currentVersion: number) =>
  new AppError(412, 'precondition_failed', 'The product has changed since that version; fetch it again.', {
    extra: { current_version: currentVersion },
  });

/** The catalog: public reads (active products only), admin writes, all scoped to one tenant. */
export function productRoutes({ store, cursors, catalog }: ProductRouteDeps): Route[] {
  /** The products of a page and the cursor of the next one (null on the last page), not yet presented. */
  async function pageOf(
    reader: Reader,
    query: ProductListQuery,
  ): Promise<{ products: Product[]; nextCursor: string | null }> {
    if (!reader.seesInactive && query.active === false) return { products: [], nextCursor: null };
    const after =
      query.cursor === undefined ? undefined : cursors.decode(query.cursor, reader.tenant, query.sort);
    const { products, hasMore } = await listProducts(store, reader.tenant, {
      limit: query.limit,
      sort: query.sort,
      q: query.q,
      sku: query.sku,
      active: reader.seesInactive ? query.active : true,
      after,
    });
    const last = products.at(-1);
    const nextCursor =
      hasMore && last
        ? cursors.encode(reader.tenant, query.sort, {
            key: sortKeyOf(last, query.sort),
            productId: last.productId,
          })
        : null;
    return { products, nextCursor };
  }

  return [
    route({
      method: 'GET',
      path: '/products',
      operationId: 'listProducts',
      summary: 'List products, a page at a time',
      tags,
      access: 'public',
      query: ProductListQuery,
      headers: readHeaders,
      responses: {
        200: {
          description: 'A page of products and the cursor of the next one (null on the last page).',
          schema: ProductPage,
          headers: cacheHeaders,
        },
        304: notModified,
        400: { description: 'A query parameter or the cursor is not valid.' },
        401: { description: 'The catalog is not public and no credentials were sent.' },
      },
      async handler({ query, principal }, ctx) {
        beginCatalogRead(ctx);
        const reader = readerOf(ctx, principal, catalog);
        const { products, nextCursor } = await pageOf(reader, query);
        // Before any presenter runs: a 304 builds no JSON (createHttpApp serialises ctx.body on assignment).
        const etag = pageEtag(reader.tenant, products, nextCursor);
        if (answeredNotModified(ctx, { etag, cacheControl: catalogCacheControl(reader, catalog.cache) })) {
          return;
        }
        ctx.body = { items: products.map(productJson), next_cursor: nextCursor };
      },
    }),
    route({
      method: 'GET',
      path: '/products/:id',
      operationId: 'getProduct',
      summary: 'Get one product',
      tags,
      access: 'public',
      params: ProductParams,
      headers: readHeaders,
      responses: {
        200: {
          description: 'The product; the ETag is its version (`"3"`), as If-Match takes it.',
          schema: ProductJson,
          headers: cacheHeaders,
        },
        304: notModified,
        400: { description: 'The id is not a UUID.' },
        404: {
          description: 'No such product in this store (or it is inactive and the caller is not an admin).',
          headers: noStore,
        },
      },
      async handler({ params, principal }, ctx) {
        beginCatalogRead(ctx);
        const reader = readerOf(ctx, principal, catalog);
        const product = await getProduct(store, reader.tenant, params.id.toLowerCase(), reader);
        if (!product) throw AppError.notFound('Product');
        const cacheControl = catalogCacheControl(reader, catalog.cache);
        if (answeredNotModified(ctx, { etag: productEtag(product), cacheControl })) return;
        ctx.body = productJson(product);
      },
    }),
    route({
      method: 'POST',
      path: '/products',
      operationId: 'createProduct',
      summary: 'Create a product',
      tags,
      access: ['admin'],
      body: NewProductBody,
      responses: {
        201: { description: 'Created; Location and ETag name it.', schema: ProductJson },
        400: { description: 'The body is not valid: `errors` names each field.' },
        409: { description: 'The SKU is taken in this store (code `duplicate`).' },
      },
      async handler({ body, principal }, ctx) {
        const outcome = await createProduct(store, tenantOf(principal), newProductOf(body));
        if (outcome.kind === 'duplicate_sku') throw duplicateSku(body.sku);
        ctx.status = 201;
        ctx.set('location', `/products/${outcome.product.productId}`);
        ctx.set('etag', etagOf(outcome.product.version));
        ctx.body = productJson(outcome.product);
      },
    }),
    route({
      method: 'PUT',
      path: '/products/:id',
      operationId: 'updateProduct',
      summary: 'Change a product (any subset of its writable fields)',
      tags,
      access: ['admin'],
      params: ProductParams,
      body: ProductChangesBody,
      headers: ifMatch,
      responses: {
        200: { description: 'The changed product with its new version.', schema: ProductJson },
        400: { description: 'The body is not valid.' },
        404: { description: 'No such product in this store.' },
        409: { description: 'The new SKU is taken (code `duplicate`).' },
        412: { description: 'If-Match names an older version (code `precondition_failed`).' },
      },
      async handler({ params, body, principal }, ctx) {
        const expected = expectedVersionOf(ctx);
        const outcome = await updateProduct(
          store,
          tenantOf(principal),
          params.id.toLowerCase(),
          changesOf(body),
          expected,
        );
        if (outcome.kind === 'not_found') throw AppError.notFound('Product');
        if (outcome.kind === 'version_mismatch') throw versionMismatch(outcome.currentVersion);
        if (outcome.kind === 'duplicate_sku') throw duplicateSku(body.sku);
        if (outcome.kind === 'contended') {
          throw AppError.unavailable('The product is being changed concurrently; retry shortly.');
        }
        ctx.set('etag', etagOf(outcome.product.version));
        ctx.body = productJson(outcome.product);
      },
    }),
    route({
      method: 'DELETE',
      path: '/products/:id',
      operationId: 'deleteProduct',
      summary: 'Delete a product',
      tags,
      access: ['admin'],
      params: ProductParams,
      headers: ifMatch,
      responses: {
        204: { description: 'Deleted.' },
        404: { description: 'No such product in this store.' },
        412: { description: 'If-Match names an older version.' },
      },
      async handler({ params, principal }, ctx) {
        const expected = expectedVersionOf(ctx);
        const outcome = await deleteProduct(store, tenantOf(principal), params.id.toLowerCase(), expected);
        if (outcome.kind === 'not_found') throw AppError.notFound('Product');
        if (outcome.kind === 'version_mismatch') throw versionMismatch(outcome.currentVersion);
        ctx.status = 204;
      },
    }),
  ];
}
