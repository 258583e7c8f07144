import type { TenantId } from '@shop/platform';
import type { ProductRef, ReservedLine } from './place-order.ts';

// The orders use cases' port to the products service; the order store's is data-access/order-store.ts.

/** The products service's stock reservations, as the orders service uses them. */
export interface StockReservations {
  /** Reserves every line or none; idempotent by `reservationId`. Lines come back in the order asked. */
  reserve(
    tenantId: TenantId,
    reservationId: string,
    lines: ReadonlyArray<{ product: ProductRef; quantity: number }>,
  ): Promise<ReservedLine[]>;
  /** Gives the stock back; idempotent, and a reservation that never existed is already released. */
  release(tenantId: TenantId, reservationId: string): Promise<void>;
  /** Resolves when products answers for the reservation (whatever its state); 503 when it cannot be reached. */
  ensureReachable(tenantId: TenantId, reservationId: string): Promise<void>;
}
