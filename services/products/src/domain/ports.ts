import type { TenantId } from '@shop/platform';
import type { NewProduct, Product, ProductChanges, ProductPageRequest } from './product.ts';
import type { LineRef, Reservation, ReservedLine } from './stock.ts';

/**
 * What the products use cases need from storage. Every method takes the tenant first: a TenantId only
 * comes from a verified principal or a validated header, so nothing runs unscoped. Methods run
 * statements and map rows; the rules (what a reservation may take, when to retry) are the use cases'.
 * A unique key already taken surfaces as the driver's error (`isDuplicateKey` recognises it); a store
 * that stays busy (deadlocks, lock timeouts) surfaces as the driver's error after the adapter's retries.
 */
export interface ProductStore {
  /** One page in `sort` order plus whether more rows follow. */
  list(tenant: TenantId, page: ProductPageRequest): Promise<{ products: Product[]; hasMore: boolean }>;
  get(tenant: TenantId, productId: string): Promise<Product | undefined>;
  /** Inserts version 1 and reads it back. */
  insert(tenant: TenantId, productId: string, product: NewProduct, at: Date): Promise<Product>;
  /** Writes the changes and version + 1 if the product is still at `version`; false if it is not. */
  updateIfVersion(
    tenant: TenantId,
    productId: string,
    version: number,
    changes: ProductChanges,
    at: Date,
  ): Promise<boolean>;
  /** Deletes the product (at `version`, when given); false if nothing matched. */
  delete(tenant: TenantId, productId: string, version?: number): Promise<boolean>;

  getReservation(tenant: TenantId, reservationId: string): Promise<StoredReservation | undefined>;
  /** Products named by id or SKU, outside any transaction (as they stand now). */
  productsNamed(tenant: TenantId, refs: readonly LineRef[]): Promise<Product[]>;
  /**
   * Runs `work` in one transaction, committed when it resolves and rolled back when it throws. Runs it
   * again (a few times, with back-off) when the store reports a deadlock or lock timeout: `work` must
   * only use `tx`.
   */
  inTransaction<T>(work: (tx: StockTransaction) => Promise<T>): Promise<T>;

  /** Throws when the store does not answer. */
  ping(): Promise<void>;
}

/** The statements a stock movement is made of, inside one transaction. */
export interface StockTransaction {
  /** Fails with a duplicate key when the id exists: what makes a concurrent duplicate wait, then fail. */
  insertReservation(tenant: TenantId, reservationId: string, requestHash: string, at: Date): Promise<void>;
  productsNamed(tenant: TenantId, refs: readonly LineRef[]): Promise<Product[]>;
  /** Conditional decrement: true only if the product is active and has at least `quantity`. */
  takeStock(tenant: TenantId, productId: string, quantity: number, at: Date): Promise<boolean>;
  /** Adds `quantity` back (a product deleted since has nothing to give back to). */
  returnStock(tenant: TenantId, productId: string, quantity: number, at: Date): Promise<void>;
  insertLines(tenant: TenantId, reservationId: string, lines: readonly ReservedLine[]): Promise<void>;
  /** Flips an active reservation to released; false if it was not active (or does not exist). */
  markReleased(tenant: TenantId, reservationId: string, at: Date): Promise<boolean>;
  getReservation(tenant: TenantId, reservationId: string): Promise<StoredReservation | undefined>;
}

/** A reservation as stored: what was reserved, and the fingerprint of the request that made it. */
export interface StoredReservation extends Reservation {
  requestHash: string;
}
