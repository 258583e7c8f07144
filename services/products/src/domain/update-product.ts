import { isDuplicateKey, type TenantId } from '@shop/platform';
import type { ProductStore } from './ports.ts';
import type { Product, ProductChanges } from './product.ts';

/** Versioned updates without If-Match try again this often when a concurrent write wins the race. */
const UPDATE_ATTEMPTS = 5;

export type UpdateOutcome =
  | { kind: 'updated'; product: Product }
  | { kind: 'not_found' }
  | { kind: 'version_mismatch'; currentVersion: number }
  | { kind: 'duplicate_sku' }
  /** Other writers kept winning the race: nothing changed, the caller may retry. */
  | { kind: 'contended' };

/**
 * Applies the changes and bumps the version. With If-Match (`expectedVersion`) the product must still be
 * at that version, and a concurrent write in between is a lost precondition; without it, a concurrent
 * write only means reading the product again and re-applying the changes on top.
 */
export async function updateProduct(
  store: ProductStore,
  tenant: TenantId,
  productId: string,
  changes: ProductChanges,
  expectedVersion?: number,
): Promise<UpdateOutcome> {
  for (let attempt = 1; attempt <= UPDATE_ATTEMPTS; attempt++) {
    const outcome = await updateOnce(store, tenant, productId, changes, expectedVersion);
    if (outcome !== 'lost_race') return outcome;
  }
  return { kind: 'contended' };
}

/** One read-then-conditional-write; 'lost_race' when another write came in between and no If-Match was sent. */
async function updateOnce(
  store: ProductStore,
  tenant: TenantId,
  productId: string,
  changes: ProductChanges,
  expectedVersion: number | undefined,
): Promise<UpdateOutcome | 'lost_race'> {
  const current = await store.get(tenant, productId);
  if (!current) return { kind: 'not_found' };
  if (expectedVersion !== undefined && current.version !== expectedVersion) {
    return { kind: 'version_mismatch', currentVersion: current.version };
  }
  let updated: boolean;
  try {
    updated = await store.updateIfVersion(tenant, productId, current.version, changes, new Date());
  } catch (error) {
    if (isDuplicateKey(error)) return { kind: 'duplicate_sku' };
    throw error;
  }
  if (!updated && expectedVersion === undefined) return 'lost_race';
  // Updated: read back what the store holds; lost the race under If-Match: a lost precondition.
  const now = await store.get(tenant, productId);
  if (!now) return { kind: 'not_found' };
  return updated
    ? { kind: 'updated', product: now }
    : { kind: 'version_mismatch', currentVersion: now.version };
}
