import type { TenantId } from '@shop/platform';
import type { ProductStore } from './ports.ts';
import { byCodeUnits } from './product.ts';
import type { Reservation } from './stock.ts';

/**
 * Gives back what a reservation took, once: only the call that flips it from active to released returns
 * stock (a repeated or concurrent release finds nothing to flip; the row lock makes the second wait and
 * re-check). Stock goes back in product-id order, as it was taken. Undefined: no such reservation.
 */
export function releaseStock(
  store: ProductStore,
  tenant: TenantId,
  reservationId: string,
): Promise<Reservation | undefined> {
  return store.inTransaction(async (tx) => {
    const at = new Date();
    const flipped = await tx.markReleased(tenant, reservationId, at);
    const stored = await tx.getReservation(tenant, reservationId);
    if (!stored) return undefined;
    if (flipped) {
      const totals = new Map<string, number>();
      for (const line of stored.lines)
        totals.set(line.productId, (totals.get(line.productId) ?? 0) + line.quantity);
      for (const [productId, quantity] of [...totals].sort(([a], [b]) => byCodeUnits(a, b))) {
        await tx.returnStock(tenant, productId, quantity, at);
      }
    }
    const { requestHash: _, ...reservation } = stored;
    return reservation;
  });
}
