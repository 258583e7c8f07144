import {
  etagOf,
  hashedEtag,
  NO_STORE,
  PRIVATE_NO_STORE,
  type SharedCacheSettings,
  sharedCacheControl,
} from '@shop/platform';
import type { Context } from 'koa';
import type { Product } from '../domain/product.ts';
import type { Reader } from './readers.ts';

/**
 * Which catalog reads a cache may keep, and their validators. Anonymous reads are the same for every
 * visitor of a store, so shared caches (a CDN, the gateway, a proxy) may keep them for max-age and serve
 * them stale while revalidating; a read with a bearer token (customer, admin, service) is the caller's
 * own (an admin's includes inactive products) and nothing stores it.
 */

/**
 * An anonymous read depends on X-Tenant-Id (the store) and on whether Authorization is sent (with it,
 * the principal's own tenant and role decide, and the response is private). Appended to what is there
 * (CORS's Origin), and set before anything can fail, so that errors carry it too.
 */
const VARY = ['X-Tenant-Id', 'Authorization'];

/**
 * Starts a catalog read: Vary, and `no-store` until the read succeeds. An error from here on (a 404, a
 * 400 for a bad X-Tenant-Id or cursor, a 503) is then never kept by a cache: a CDN would otherwise keep a
 * 404 by default (404 is heuristically cacheable, and CloudFront caches errors for 10 s), hiding a
 * product an admin has just created or activated, and a miss costs one indexed query anyway.
 */
export function beginCatalogRead(ctx: Context): void {
  for (const field of VARY) ctx.vary(field);
  ctx.set('cache-control', NO_STORE);
}

/** Public for anonymous readers, with the configured lifetimes; `private, no-store` with credentials. */
export const catalogCacheControl = (reader: Reader, settings: SharedCacheSettings): string =>
  reader.anonymous ? sharedCacheControl(settings) : PRIVATE_NO_STORE;

/** One product's ETag: its version, quoted (`"3"`), the form If-Match takes for updates. */
export const productEtag = (product: Product): string => etagOf(product.version);

/**
 * Names the representation of a page (`{items, next_cursor}`): bump it whenever productJson or the page's
 * shape changes (a field added, renamed or formatted differently), so that a tag never validates bytes
 * of another format. test/catalog-caching.test.ts pins the page's fields to this value.
 */
export const PAGE_FORMAT = 'products-page/1';

/**
 * A page's strong ETag, derived without serialising the page. The page's bytes are a function of:
 * - the format (PAGE_FORMAT): the presenters and the page's shape;
 * - each product's (product_id, version), in order: product_id is the primary key across tenants, and
 *   every change to a product (an update, a stock reservation or release) bumps its version, so the two
 *   determine every field productJson writes (tenant_id and created_at included);
 * - next_cursor: whether there is a next page is not in the items (a product after them deleted or added
 *   changes it), and the cursor is signed for the tenant and the sort, so the same items sorted another
 *   way make another body;
 * - the tenant: implied by the product ids, but an empty page (`{"items":[],"next_cursor":null}`) carries
 *   none, and keeping the tenant in makes one store's tag never validate another's response.
 * JSON.stringify with the same input gives the same bytes, so equal tags mean byte-equal bodies, which
 * is what a strong tag promises (and what lets a cache choose among stored variants by tag).
 */
export function pageEtag(tenant: string, products: readonly Product[], nextCursor: string | null): string {
  const parts: (string | number)[] = [PAGE_FORMAT, tenant, products.length];
  for (const product of products) parts.push(product.productId, product.version);
  parts.push(nextCursor === null ? 'last' : `next:${nextCursor}`);
  return hashedEtag(parts);
}
