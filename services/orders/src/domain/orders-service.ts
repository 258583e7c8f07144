import { randomUUID } from 'node:crypto';
import {
  AppError,
  etagOf,
  isAdmin,
  type Logger,
  type Principal,
  type TenantId,
  tenantOf,
} from '@shop/platform';
import { type CursorCodec, listScope } from './cursor.ts';
import { type Claim, type IdempotencyKeys, requestHashOf } from './idempotency.ts';
import {
  allowedTransitions,
  judgeTransition,
  type Order,
  type OrderStatus,
  type StatusChange,
} from './order.ts';
import {
  type PlaceOrderCommand,
  type PricedOrder,
  priceOrder,
  type ReservedLine,
  toPlaceOrderCommand,
} from './place-order.ts';
import {
  type OrderStore,
  type ReserveResult,
  type StatusUpdate,
  type StockReservations,
  StockUnavailable,
} from './ports.ts';
import type { CreateOrderBody, CustomerOrdersQuery, UpdateOrderBody } from './schemas.ts';

export interface OrdersServiceDeps {
  store: OrderStore;
  stock: StockReservations;
  idempotency: IdempotencyKeys;
  cursors: CursorCodec;
  logger: Logger;
  now?: () => Date;
}

export interface PlacedOrder {
  order: Order;
  /** True when this answers a retry from what the first request stored. */
  replayed: boolean;
}

export type PlaceOrderOutcome =
  | ({ kind: 'placed' } & PlacedOrder)
  /** The client's prices or total differ from the catalog's (`priced` has the server's figures). */
  | { kind: 'price_mismatch'; priced: PricedOrder };

export interface Page {
  orders: Order[];
  nextCursor: string | null;
}

const orderNotFound = () => AppError.notFound('Order');

/** Products cannot say anything about the stock now: 503, with its Retry-After. */
const stockUnavailable = (error: StockUnavailable) =>
  AppError.unavailable(error.message, error.retryAfterSeconds);

async function stockCall(call: () => Promise<void>): Promise<void> {
  try {
    await call();
  } catch (error) {
    throw error instanceof StockUnavailable ? stockUnavailable(error) : error;
  }
}

/** Checks of an order write of unknown outcome, backing off from 250 ms to 30 s: about 10 minutes in all. */
const SETTLE_ATTEMPTS = 25;

/** The store failed while writing an order and could not say afterwards whether it had written it. */
class WriteOutcomeUnknown extends AppError {
  constructor(cause: unknown) {
    super(
      503,
      'dependency_unavailable',
      'The store is unavailable; retry shortly (with the same Idempotency-Key).',
      {
        headers: { 'retry-after': '2' },
        cause,
      },
    );
  }
}

/** The use cases of the orders service, each a short story over the store and the products service. */
export class OrdersService {
  readonly #store: OrderStore;
  readonly #stock: StockReservations;
  readonly #idempotency: IdempotencyKeys;
  readonly #cursors: CursorCodec;
  readonly #logger: Logger;
  readonly #now: () => Date;

  constructor(deps: OrdersServiceDeps) {
    this.#store = deps.store;
    this.#stock = deps.stock;
    this.#idempotency = deps.idempotency;
    this.#cursors = deps.cursors;
    this.#logger = deps.logger;
    this.#now = deps.now ?? (() => new Date());
  }

  /**
   * Validate → claim the Idempotency-Key → reserve stock under the new order's id → check the client's
   * prices against the reservation → write the order. Anything failing after the reservation releases it,
   * unless the store cannot say whether the order was written (then the stock and the claim stay).
   */
  async placeOrder(
    principal: Principal,
    body: CreateOrderBody,
    idempotencyKey?: string,
  ): Promise<PlaceOrderOutcome> {
    try {
      return { kind: 'placed', ...(await this.#place(principal, body, idempotencyKey)) };
    } catch (error) {
      // Thrown from inside, so that the stock reservation and the key's claim are given back on the way.
      if (error instanceof PricesDiffer) return { kind: 'price_mismatch', priced: error.priced };
      throw error;
    }
  }

  async #place(principal: Principal, body: CreateOrderBody, idempotencyKey?: string): Promise<PlacedOrder> {
    const command = toPlaceOrderCommand(body);
    const tenantId = tenantOf(principal);
    if (idempotencyKey === undefined) {
      return { order: await this.#createOrder(principal, tenantId, command, randomUUID()), replayed: false };
    }

    const claim = await this.#idempotency.claim(
      tenantId,
      principal.userId,
      idempotencyKey,
      requestHashOf(body),
    );
    if (claim.kind === 'replay') return { order: await this.#replayed(tenantId, claim), replayed: true };
    let order: Order;
    try {
      const recovered =
        claim.abandonedOrderId && (await this.#recoverAbandoned(tenantId, claim.abandonedOrderId));
      order = recovered || (await this.#createOrder(principal, tenantId, command, claim.record.orderId));
    } catch (error) {
      // An order that may have been written keeps its claim: a retry waits, then takes the stale claim over
      // and answers that order if it is there (never a second one).
      if (!(error instanceof WriteOutcomeUnknown)) await this.#idempotency.release(claim.record);
      throw error;
    }
    await this.#idempotency.complete(claim.record, order);
    return { order, replayed: false };
  }

  /** The order a retry answers: as the first request answered it, or (older records) as it stands. */
  async #replayed(tenantId: TenantId, claim: Extract<Claim, { kind: 'replay' }>): Promise<Order> {
    if (claim.placed) return claim.placed;
    const order = await this.#store.get(tenantId, claim.orderId);
    if (!order) throw new Error(`order ${claim.orderId} of a completed idempotency key is missing`);
    return order;
  }

  async getOrder(principal: Principal, orderId: string, customerId?: string): Promise<Order> {
    if (customerId !== undefined && !isAdmin(principal) && customerId !== principal.userId)
      throw orderNotFound();
    const order = await this.#visibleOrder(principal, orderId);
    if (customerId !== undefined && order.customerId !== customerId) throw orderNotFound();
    return order;
  }

  /** Customers list their own orders; admins the tenant's, or their own with `my_orders`. */
  async listOrders(principal: Principal, query: CustomerOrdersQuery & { my_orders: boolean }): Promise<Page> {
    const customerId = isAdmin(principal) && !query.my_orders ? undefined : principal.userId;
    return this.#page(tenantOf(principal), customerId, query);
  }

  /** One customer's orders: any customer of the tenant for admins, only themselves for customers. */
  async listCustomerOrders(
    principal: Principal,
    customerId: string,
    query: CustomerOrdersQuery,
  ): Promise<Page> {
    if (!isAdmin(principal) && customerId !== principal.userId) throw AppError.notFound('Customer');
    return this.#page(tenantOf(principal), customerId, query);
  }

  /**
   * Moves an order along its lifecycle. A cancel first makes sure products answers (if it cannot be reached
   * the order stays as it was, 503), then writes the status — the conditional write decides between
   * concurrent changes — and only then gives the stock back, idempotently by the order id. Giving it back
   * before the write would leave an order whose write failed, or that an admin moved on meanwhile, live
   * without its stock: sold twice.
   */
  async changeStatus(
    principal: Principal,
    orderId: string,
    body: UpdateOrderBody,
    ifMatch?: number,
  ): Promise<Order> {
    const tenantId = tenantOf(principal);
    const actor = isAdmin(principal) ? 'admin' : 'customer';
    const cancelling = body.status === 'CANCELLED';
    let order = await this.#visibleOrder(principal, orderId);
    for (let attempt = 0; ; attempt++) {
      const refusal = refusalOf(order, body.status, actor, ifMatch);
      if (refusal) throw await this.#refused(tenantId, order, cancelling, refusal);
      if (cancelling) await stockCall(() => this.#stock.ensureReachable(tenantId, order.orderId));
      const change: StatusChange = {
        from: order.status,
        to: body.status,
        at: this.#now().toISOString(),
        by: principal.userId,
        byEmail: principal.email,
        reason: body.reason ?? null,
      };
      const result = await this.#writeStatus(tenantId, order, change, cancelling);
      if (result.outcome === 'updated') {
        if (cancelling) await this.#releaseCancelled(tenantId, orderId);
        return result.order;
      }
      if (result.outcome === 'not_found') throw orderNotFound();
      if (attempt >= 3) {
        throw AppError.conflict('conflict', 'The order is changing concurrently; retry shortly.');
      }
      order = await this.#visibleOrder(principal, orderId);
    }
  }

  /**
   * A move the caller may not make. A cancel that finds the order cancelled already — by a twin, or by its
   * own write that a driver's retry then met as a conflict — makes sure the stock went back (the release
   * is idempotent).
   */
  async #refused(
    tenantId: TenantId,
    order: Order,
    cancelling: boolean,
    refusal: AppError,
  ): Promise<AppError> {
    if (cancelling && order.status === 'CANCELLED') await this.#releaseCancelled(tenantId, order.orderId);
    return refusal;
  }

  /** The conditional status write (its version decides between concurrent changes). */
  async #writeStatus(
    tenantId: TenantId,
    order: Order,
    change: StatusChange,
    cancelling: boolean,
  ): Promise<StatusUpdate> {
    try {
      return await this.#store.updateStatus(tenantId, order.orderId, order.version, change);
    } catch (error) {
      // The store may have cancelled the order before its answer was lost: once it can say, a cancelled
      // order gives its stock back (the release is idempotent).
      if (cancelling) {
        void this.#settleLater(tenantId, order.orderId, async (found) => {
          if (found?.status === 'CANCELLED') await this.#releaseCancelled(tenantId, order.orderId);
        });
      }
      throw error;
    }
  }

  async #createOrder(principal: Principal, tenantId: TenantId, command: PlaceOrderCommand, orderId: string) {
    const reserved = await this.#reserve(tenantId, orderId, command);
    try {
      const priced = priceOrder(command, reserved);
      if (priced.mismatches.length) throw new PricesDiffer(priced);
      const order = this.#newOrder(principal, tenantId, orderId, command, priced);
      await this.#writeOrder(tenantId, order);
      return order;
    } catch (error) {
      if (error instanceof WriteOutcomeUnknown) {
        // Giving the stock back now could sell it twice: it stays reserved until the store can say.
        this.#logger.warn(
          { err: error.cause, order_id: orderId },
          'order write of unknown outcome: stock kept',
        );
        void this.#settleLater(tenantId, orderId, async (found) => {
          if (!found) await this.#releaseAfterFailure(tenantId, orderId);
        });
      } else {
        await this.#releaseAfterFailure(tenantId, orderId);
      }
      throw error;
    }
  }

  /**
   * A failed write may have landed: the store went away after writing but before answering, or a driver's
   * own retry of a write that had landed was refused as a duplicate (order ids are new each time, so a
   * duplicate is this very order). Ask the store: written is success, absent is a failure to undo; when it
   * cannot answer, the outcome is unknown.
   */
  async #writeOrder(tenantId: TenantId, order: Order): Promise<void> {
    try {
      await this.#store.create(order);
    } catch (error) {
      let found: Order | undefined;
      try {
        found = await this.#store.get(tenantId, order.orderId);
      } catch {
        throw new WriteOutcomeUnknown(error);
      }
      if (!found) throw error;
    }
  }

  /**
   * Settles a write of unknown outcome in the background: reads the order once the store answers again and
   * hands it (or undefined, when it is not there) to `settle`.
   */
  async #settleLater(
    tenantId: TenantId,
    orderId: string,
    settle: (found: Order | undefined) => Promise<void>,
  ): Promise<void> {
    for (let attempt = 0; attempt < SETTLE_ATTEMPTS; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, Math.min(30_000, 250 * 2 ** attempt)).unref());
      let found: Order | undefined;
      try {
        found = await this.#store.get(tenantId, orderId);
      } catch {
        continue;
      }
      await settle(found);
      return;
    }
    this.#logger.error(
      { order_id: orderId },
      'the store never answered after a write of unknown outcome: check the order’s stock reservation',
    );
  }

  async #reserve(tenantId: TenantId, orderId: string, command: PlaceOrderCommand): Promise<ReservedLine[]> {
    let result: ReserveResult;
    try {
      result = await this.#stock.reserve(tenantId, orderId, command.lines);
    } catch (error) {
      if (error instanceof StockUnavailable) {
        // Products may have reserved before it failed to answer: give it back once it is reachable,
        // without holding this response (the client retries under a new order id).
        void this.#releaseAfterFailure(tenantId, orderId);
        throw stockUnavailable(error);
      }
      throw error;
    }
    switch (result.kind) {
      case 'reserved':
        return result.lines;
      case 'insufficient_stock':
        throw AppError.conflict('insufficient_stock', 'Some items are not available in the quantity asked.', {
          lines: result.lines,
        });
      case 'mixed_currencies':
        throw AppError.conflict(
          'conflict',
          'The items are priced in different currencies; order them separately.',
          {
            currencies: result.currencies,
          },
        );
      case 'invalid_items':
        throw AppError.validation(
          result.errors.length
            ? result.errors.map((error) => ({ in: 'body' as const, ...error }))
            : [{ in: 'body', field: 'items', message: 'is not valid' }],
        );
    }
  }

  /**
   * The order is cancelled: its stock goes back. Should products fail in between (it answered a moment ago),
   * the order stays cancelled with its stock held, never sold twice; the log names the reservation, and
   * another cancel of the order releases it again.
   */
  async #releaseCancelled(tenantId: TenantId, orderId: string): Promise<void> {
    try {
      await this.#stock.release(tenantId, orderId);
    } catch (error) {
      this.#logger.error(
        { err: error, order_id: orderId },
        'the order is cancelled but its stock reservation could not be released: release it by hand',
      );
    }
  }

  async #releaseAfterFailure(tenantId: TenantId, orderId: string): Promise<void> {
    try {
      await this.#stock.release(tenantId, orderId);
    } catch (error) {
      this.#logger.error(
        { err: error, order_id: orderId },
        'could not release the stock reservation of a failed order',
      );
    }
  }

  /** A claim taken over from a dead request: if that request did write its order, answer with it. */
  async #recoverAbandoned(tenantId: TenantId, orderId: string): Promise<Order | undefined> {
    const order = await this.#store.get(tenantId, orderId);
    if (order) return order;
    await this.#releaseAfterFailure(tenantId, orderId);
    return undefined;
  }

  #newOrder(
    principal: Principal,
    tenantId: TenantId,
    orderId: string,
    command: PlaceOrderCommand,
    priced: PricedOrder,
  ): Order {
    const now = this.#now().toISOString();
    return {
      orderId,
      tenantId,
      customerId: principal.userId,
      customerName: command.customerName,
      customerEmail: command.customerEmail ?? principal.email,
      customerPhone: command.customerPhone,
      shippingAddress: command.shippingAddress,
      billingAddress: command.billingAddress,
      notes: command.notes,
      status: 'PENDING',
      items: priced.items,
      total: priced.total,
      currency: priced.currency,
      createdAt: now,
      updatedAt: now,
      createdBy: principal.userId,
      createdByEmail: principal.email,
      version: 1,
      statusHistory: [
        { from: null, to: 'PENDING', at: now, by: principal.userId, byEmail: principal.email, reason: null },
      ],
    };
  }

  async #visibleOrder(principal: Principal, orderId: string): Promise<Order> {
    const order = await this.#store.get(tenantOf(principal), orderId);
    // Another customer's order is as invisible as another tenant's: 404, never 403.
    if (!order || (!isAdmin(principal) && order.customerId !== principal.userId)) throw orderNotFound();
    return order;
  }

  async #page(tenantId: TenantId, customerId: string | undefined, query: CustomerOrdersQuery): Promise<Page> {
    const scope = listScope(tenantId, customerId, query.status);
    const after = query.cursor === undefined ? undefined : this.#cursors.decode(query.cursor, scope);
    const { orders, hasMore } = await this.#store.list(tenantId, {
      customerId,
      status: query.status,
      after,
      offset: query.offset,
      limit: query.limit,
    });
    const last = orders.at(-1);
    const nextCursor =
      hasMore && last
        ? this.#cursors.encode({ createdAt: last.createdAt, orderId: last.orderId }, scope)
        : null;
    return { orders, nextCursor };
  }
}

/** The client's prices or total differ from the reservation's: nothing was ordered. */
class PricesDiffer extends Error {
  readonly priced: PricedOrder;
  constructor(priced: PricedOrder) {
    super('the client prices differ from the catalog');
    this.priced = priced;
  }
}

/** Why the caller may not make this move now (412, 409 or 403), or undefined when they may. */
function refusalOf(
  order: Order,
  to: OrderStatus,
  actor: 'admin' | 'customer',
  ifMatch: number | undefined,
): AppError | undefined {
  if (ifMatch !== undefined && order.version !== ifMatch) return stale(order);
  const verdict = judgeTransition(order.status, to, actor);
  if (verdict === 'illegal') return invalidTransition(order.status, to);
  if (verdict === 'forbidden') {
    return AppError.forbidden(
      'A customer may only cancel their own PENDING order; this needs the admin role.',
    );
  }
  return undefined;
}

const invalidTransition = (from: OrderStatus, to: OrderStatus) =>
  AppError.conflict('invalid_transition', `An order cannot go from ${from} to ${to}.`, {
    from,
    to,
    allowed: allowedTransitions(from),
  });

const stale = (order: Order) =>
  new AppError(412, 'precondition_failed', 'The order was changed since that version; read it again.', {
    headers: { etag: etagOf(order.version) },
  });
