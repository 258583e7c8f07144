import type { TenantId } from '@shop/platform';
import type { ListPosition } from './cursor.ts';
import type { Order, OrderStatus, StatusChange } from './order.ts';
import type { ProductRef, ReservedLine } from './place-order.ts';

// The ports of the orders use cases: the order store (adapters in data-access/dynamodb and
// data-access/sql) and the products service's stock reservations (data-access/products-client.ts).

/** The products service's stock reservations, as the orders service uses them. */
export interface StockReservations {
  /** Reserves every line or none; idempotent by `reservationId`. Lines come back in the order asked. */
  reserve(
    tenantId: TenantId,
    reservationId: string,
    lines: ReadonlyArray<{ product: ProductRef; quantity: number }>,
  ): Promise<ReserveResult>;
  /** Gives the stock back; idempotent, and a reservation that never existed is already released. */
  release(tenantId: TenantId, reservationId: string): Promise<void>;
  /** Resolves when products answers for the reservation (whatever its state). */
  ensureReachable(tenantId: TenantId, reservationId: string): Promise<void>;
}

/** What products said to a reservation. Only `reserved` took stock. */
export type ReserveResult =
  | { kind: 'reserved'; lines: ReservedLine[] }
  /** Lines products could not reserve, as it describes them (index, product, reason, requested, available). */
  | { kind: 'insufficient_stock'; lines: unknown[] }
  | { kind: 'mixed_currencies'; currencies: string[] }
  /** Products refused the lines' shape for reasons only it knows (a SKU's form): each in the order's terms. */
  | { kind: 'invalid_items'; errors: Array<{ field: string; message: string }> };

/**
 * Every StockReservations call throws this when products cannot be reached, keeps failing, or refuses the
 * call itself (a contract or configuration fault): nothing can be said about the stock now.
 */
export class StockUnavailable extends Error {
  /** When a retry may fare better, as products said (Retry-After) or a default. */
  readonly retryAfterSeconds: number;
  constructor(message: string, retryAfterSeconds: number, options?: ErrorOptions) {
    super(message, options);
    this.name = 'StockUnavailable';
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

export interface ListQuery {
  /** Only this customer's orders; all of the tenant's when absent. */
  customerId?: string | undefined;
  status?: OrderStatus | undefined;
  /** Strictly after this position (newest first). */
  after?: ListPosition | undefined;
  /** Orders to skip after `after`. */
  offset: number;
  limit: number;
}

export interface OrderPage {
  orders: Order[];
  /** True when at least one more order follows the last one returned. */
  hasMore: boolean;
}

export type StatusUpdate =
  | { outcome: 'updated'; order: Order }
  | { outcome: 'version_conflict' }
  | { outcome: 'not_found' };

export interface IdempotencyRecord {
  tenantId: TenantId;
  customerId: string;
  key: string;
  /** SHA-256 of the canonical request body. */
  requestHash: string;
  /** Who holds the claim; releases and completions are conditional on it. */
  claimToken: string;
  state: 'in_progress' | 'completed';
  orderId: string;
  /**
   * The order as the first request answered it, for its retries (null until completed). Stores keep
   * it as JSON in their `response` field; a record written before this field held the order (an HTTP
   * response then; keys live 24 h) reads back as null, and its retries answer the order as it stands.
   */
  placed: Order | null;
  /** ISO-8601 UTC. */
  createdAt: string;
  /** ISO-8601 UTC; after this the key is forgotten and may be used again. */
  expiresAt: string;
}

/**
 * The one storage port of the service. Every call is tenant-scoped by its first argument; a store never
 * returns another tenant's data. Implementations: `sql` (MikroORM on SQLite, MySQL/MariaDB or
 * PostgreSQL) and `dynamodb`.
 */
export interface OrderStore {
  readonly engine: string;
  /** Writes a new order with its lines and first history entry. Fails if the order id exists. */
  create(order: Order): Promise<void>;
  get(tenantId: TenantId, orderId: string): Promise<Order | undefined>;
  /** Newest first by (created_at, order_id). */
  list(tenantId: TenantId, query: ListQuery): Promise<OrderPage>;
  /** Moves the order to `change.to` if its version is still `expectedVersion`; bumps the version. */
  updateStatus(
    tenantId: TenantId,
    orderId: string,
    expectedVersion: number,
    change: StatusChange,
  ): Promise<StatusUpdate>;

  /** Inserts the claim unless the key is already held; false when it is. */
  insertIdempotency(record: IdempotencyRecord): Promise<boolean>;
  getIdempotency(tenantId: TenantId, customerId: string, key: string): Promise<IdempotencyRecord | undefined>;
  /** Replaces a record only while it still carries `expectedToken` (compare-and-swap); false otherwise. */
  replaceIdempotency(record: IdempotencyRecord, expectedToken: string): Promise<boolean>;
  /** Deletes a record only while it still carries `expectedToken`. */
  deleteIdempotency(
    tenantId: TenantId,
    customerId: string,
    key: string,
    expectedToken: string,
  ): Promise<void>;

  /** Readiness: the store answers. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
