import type { TenantId } from '@shop/platform';
import type { NewProduct, Product, ProductChanges, ProductPageRequest } from '../domain/product.ts';
import type { Reservation, ReservationRequest, ReserveOutcome } from '../domain/stock.ts';

export type CreateOutcome = { kind: 'created'; product: Product } | { kind: 'duplicate_sku' };

export type UpdateOutcome =
  | { kind: 'updated'; product: Product }
  | { kind: 'not_found' }
  | { kind: 'version_mismatch'; currentVersion: number }
  | { kind: 'duplicate_sku' };

export type DeleteOutcome =
  | { kind: 'deleted' }
  | { kind: 'not_found' }
  | { kind: 'version_mismatch'; currentVersion: number };

/**
 * The products service's one port to storage. Every method takes the tenant first: a TenantId only comes
 * from a verified principal or a validated header, so no query can run unscoped. Results are plain objects.
 */
export interface ProductRepository {
  /** One page in `sort` order plus whether more rows follow. */
  list(tenant: TenantId, page: ProductPageRequest): Promise<{ products: Product[]; hasMore: boolean }>;
  get(tenant: TenantId, productId: string): Promise<Product | undefined>;
  create(tenant: TenantId, product: NewProduct, options?: { productId?: string }): Promise<CreateOutcome>;
  /** Applies the changes and bumps the version; `expectedVersion` (If-Match) must still be current. */
  update(
    tenant: TenantId,
    productId: string,
    changes: ProductChanges,
    expectedVersion?: number,
  ): Promise<UpdateOutcome>;
  delete(tenant: TenantId, productId: string, expectedVersion?: number): Promise<DeleteOutcome>;

  /** All lines or none, in one transaction; idempotent on the reservation id. */
  reserve(tenant: TenantId, request: ReservationRequest): Promise<ReserveOutcome>;
  /** Gives back what the reservation took, once; undefined when there is no such reservation. */
  release(tenant: TenantId, reservationId: string): Promise<Reservation | undefined>;
  getReservation(tenant: TenantId, reservationId: string): Promise<Reservation | undefined>;

  /** Throws when the store does not answer. */
  ping(): Promise<void>;
}
