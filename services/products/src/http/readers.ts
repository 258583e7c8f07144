import {
  AppError,
  asTenantId,
  headerOf,
  ifMatchVersion,
  type Principal,
  type SharedCacheSettings,
  type TenantId,
  tenantOf,
} from '@shop/platform';
import type { Context } from 'koa';
import { seesInactiveProducts } from '../domain/product.ts';

export interface CatalogSettings {
  /** Anonymous visitors may read active products. */
  publicCatalog: boolean;
  /** The store anonymous visitors see when they send no X-Tenant-Id. */
  defaultTenant: string;
  /** How long shared caches (a CDN, a proxy) may keep anonymous reads: http/catalog-cache.ts. */
  cache: SharedCacheSettings;
}

export interface Reader {
  tenant: TenantId;
  seesInactive: boolean;
  /** No principal: the read is the same for every visitor of the store, so a shared cache may keep it. */
  anonymous: boolean;
}

/**
 * Whose catalog a read is served from. A principal reads its own tenant, whatever X-Tenant-Id says (the
 * header never crosses tenants); an anonymous visitor reads the store named by X-Tenant-Id or the
 * deployment's default store, and only when the catalog is public.
 */
export function readerOf(ctx: Context, principal: Principal | undefined, catalog: CatalogSettings): Reader {
  if (principal) {
    return {
      tenant: tenantOf(principal),
      seesInactive: seesInactiveProducts(principal.roles),
      anonymous: false,
    };
  }
  if (!catalog.publicCatalog) throw AppError.unauthenticated();
  const header = headerOf(ctx, 'x-tenant-id');
  const tenant =
    header === undefined ? asTenantId(catalog.defaultTenant, 'DEFAULT_TENANT') : asTenantId(header);
  ctx.state.tenantId = tenant;
  return { tenant, seesInactive: false, anonymous: true };
}

/** `If-Match` as a version: undefined when absent or `*` (any current version); 412 when unreadable. */
export const expectedVersionOf = (ctx: Context): number | undefined =>
  ifMatchVersion(headerOf(ctx, 'if-match'));
