import {
  AppError,
  asTenantId,
  headerOf,
  ifMatchVersion,
  type Principal,
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
}

export interface Reader {
  tenant: TenantId;
  seesInactive: boolean;
}

/**
 * Whose catalog a read is served from. A principal reads its own tenant, whatever X-Tenant-Id says (the
 * header never crosses tenants); an anonymous visitor reads the store named by X-Tenant-Id or the
 * deployment's default store, and only when the catalog is public.
 */
export function readerOf(ctx: Context, principal: Principal | undefined, catalog: CatalogSettings): Reader {
  if (principal) {
    return { tenant: tenantOf(principal), seesInactive: seesInactiveProducts(principal.roles) };
  }
  if (!catalog.publicCatalog) throw AppError.unauthenticated();
  const header = headerOf(ctx, 'x-tenant-id');
  const tenant =
    header === undefined ? asTenantId(catalog.defaultTenant, 'DEFAULT_TENANT') : asTenantId(header);
  ctx.state.tenantId = tenant;
  return { tenant, seesInactive: false };
}

/** `If-Match` as a version: undefined when absent or `*` (any current version); 412 when unreadable. */
export const expectedVersionOf = (ctx: Context): number | undefined =>
  ifMatchVersion(headerOf(ctx, 'if-match'));
