import { AppError, etagOf, type Route, route, StrictObject, tenantOf, toMinor } from '@shop/platform';
import { createProduct, deleteProduct, getProduct, listProducts } from '../domain/catalog.ts';
import type { ProductStore } from '../domain/ports.ts';
import {
  DEFAULT_CURRENCY,
  type NewProduct,
  NewProductBody,
  type ProductChanges,
  ProductChangesBody,
  ProductId,
  ProductJson,
  ProductListQuery,
  ProductPage,
  sortKeyOf,
} from '../domain/product.ts';
import { updateProduct } from '../domain/update-product.ts';
import type { CursorCodec } from './cursor.ts';
import { productJson } from './presenters.ts';
import { type CatalogSettings, expectedVersionOf, readerOf } from './readers.ts';

export interface ProductRouteDeps {
  store: ProductStore;
  cursors: CursorCodec;
  catalog: CatalogSettings;
}

const ProductParams = StrictObject({ id: ProductId });
const tags = ['products'];
const tenantHeader = {
  'X-Tenant-Id': { description: 'Store to read when calling anonymously; ignored with a bearer token.' },
};
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
  return [
    route({
      method: 'GET',
      path: '/products',
      operationId: 'listProducts',
      summary: 'List products, a page at a time',
      tags,
      access: 'public',
      query: ProductListQuery,
      headers: tenantHeader,
      responses: {
        200: {
          description: 'A page of products and the cursor of the next one (null on the last page).',
          schema: ProductPage,
        },
        400: { description: 'A query parameter or the cursor is not valid.' },
        401: { description: 'The catalog is not public and no credentials were sent.' },
      },
      async handler({ query, principal }, ctx) {
        const reader = readerOf(ctx, principal, catalog);
        if (!reader.seesInactive && query.active === false) {
          ctx.body = { items: [], next_cursor: null };
          return;
        }
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
        ctx.body = {
          items: products.map(productJson),
          next_cursor:
            hasMore && last
              ? cursors.encode(reader.tenant, query.sort, {
                  key: sortKeyOf(last, query.sort),
                  productId: last.productId,
                })
              : null,
        };
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
      headers: tenantHeader,
      responses: {
        200: { description: 'The product; ETag carries its version.', schema: ProductJson },
        400: { description: 'The id is not a UUID.' },
        404: {
          description: 'No such product in this store (or it is inactive and the caller is not an admin).',
        },
      },
      async handler({ params, principal }, ctx) {
        const reader = readerOf(ctx, principal, catalog);
        const product = await getProduct(store, reader.tenant, params.id.toLowerCase(), reader);
        if (!product) throw AppError.notFound('Product');
        ctx.set('etag', etagOf(product.version));
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
