import { randomUUID } from 'node:crypto';
import { isDuplicateKey, type TenantId } from '@shop/platform';
import type { ProductStore } from './ports.ts';
import type { NewProduct, Product, ProductPageRequest } from './product.ts';

/** The catalog's short stories: a page, one product, a new product, a deletion. Updates: update-product.ts. */

export type CreateOutcome = { kind: 'created'; product: Product } | { kind: 'duplicate_sku' };

export type DeleteOutcome =
  | { kind: 'deleted' }
  | { kind: 'not_found' }
  | { kind: 'version_mismatch'; currentVersion: number };

export const listProducts = (store: ProductStore, tenant: TenantId, page: ProductPageRequest) =>
  store.list(tenant, page);

/** One product; an inactive one only for readers who may see inactive products. */
export async function getProduct(
  store: ProductStore,
  tenant: TenantId,
  productId: string,
  reader: { seesInactive: boolean },
): Promise<Product | undefined> {
  const product = await store.get(tenant, productId);
  return product && (product.isActive || reader.seesInactive) ? product : undefined;
}

/** A new product at version 1; its SKU must be free in the store. The seed passes the demo's fixed ids. */
export async function createProduct(
  store: ProductStore,
  tenant: TenantId,
  product: NewProduct,
  options: { productId?: string } = {},
): Promise<CreateOutcome> {
  try {
    const created = await store.insert(tenant, options.productId ?? randomUUID(), product, new Date());
    return { kind: 'created', product: created };
  } catch (error) {
    if (isDuplicateKey(error)) return { kind: 'duplicate_sku' };
    throw error;
  }
}

/** Deletes the product; with If-Match only at that version. */
export async function deleteProduct(
  store: ProductStore,
  tenant: TenantId,
  productId: string,
  expectedVersion?: number,
): Promise<DeleteOutcome> {
  if (await store.delete(tenant, productId, expectedVersion)) return { kind: 'deleted' };
  const current = await store.get(tenant, productId);
  return current ? { kind: 'version_mismatch', currentVersion: current.version } : { kind: 'not_found' };
}
