import { setTimeout as delay } from 'node:timers/promises';
import {
  DeadlockException,
  type FilterQuery,
  LockWaitTimeoutException,
  type QueryResult,
  raw,
} from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/sql';
import {
  AppError,
  decimalToMinor,
  isDuplicateKey,
  type Logger,
  minorToDecimal,
  type TenantId,
} from '@shop/platform';
import type { NewProduct, Product, ProductChanges, ProductPageRequest } from '../domain/product.ts';
import type {
  LineFailure,
  Reservation,
  ReservationLineRequest,
  ReservationRequest,
  ReservedLine,
  ReserveOutcome,
} from '../domain/stock.ts';
import type { Database } from './database.ts';
import {
  ProductEntity,
  type ProductRow,
  StockReservationEntity,
  StockReservationLineEntity,
  type StockReservationLineRow,
  type StockReservationRow,
} from './entities.ts';
import type { CreateOutcome, DeleteOutcome, ProductRepository, UpdateOutcome } from './product-repository.ts';

/** Deadlocks and lock timeouts are retried this many times in all before the caller gets a 503. */
const TRANSACTION_ATTEMPTS = 4;
/** Versioned updates without If-Match retry this often when a concurrent write wins the race. */
const UPDATE_ATTEMPTS = 5;

const fresh = { disableIdentityMap: true } as const;

const productOf = (row: ProductRow): Product => ({
  productId: row.productId,
  tenantId: row.tenantId,
  sku: row.sku,
  name: row.name,
  description: row.description,
  priceMinor: decimalToMinor(row.price),
  currency: row.currency,
  stockQuantity: row.stockQuantity,
  isActive: Boolean(row.isActive),
  version: row.version,
  createdAt: row.createdAt,
  updatedAt: row.updatedAt,
});

const columnsOf = (changes: ProductChanges) => ({
  ...(changes.sku !== undefined && { sku: changes.sku }),
  ...(changes.name !== undefined && { name: changes.name }),
  ...(changes.description !== undefined && { description: changes.description }),
  ...(changes.priceMinor !== undefined && { price: minorToDecimal(changes.priceMinor) }),
  ...(changes.currency !== undefined && { currency: changes.currency }),
  ...(changes.stockQuantity !== undefined && { stockQuantity: changes.stockQuantity }),
  ...(changes.isActive !== undefined && { isActive: changes.isActive }),
});

/** `like` pattern for "contains", with `!` escaping the wildcards (the one escape all three engines accept). */
const containsPattern = (text: string) => `%${text.toLowerCase().replace(/[!%_]/g, (c) => `!${c}`)}%`;

interface ShortLine {
  line: ReservationLineRequest;
  productId: string;
}

/** Thrown inside a reservation transaction to roll it back; turned into the outcome outside. */
class ReservationRefused extends Error {
  readonly outcome: Exclude<ReserveOutcome, { kind: 'reserved' | 'replayed' | 'released_earlier' }>;
  /** Lines whose conditional decrement found too little stock: described after the rollback. */
  readonly short: ShortLine[];
  constructor(outcome: ReservationRefused['outcome'], short: ShortLine[] = []) {
    super(outcome.kind);
    this.outcome = outcome;
    this.short = short;
  }
}

const isTransient = (error: unknown) =>
  error instanceof DeadlockException || error instanceof LockWaitTimeoutException;

/** The products repository on MikroORM: one implementation for MySQL/MariaDB, PostgreSQL and SQLite. */
/** One product by key: the hot read, on the pool (get) or in a transaction (#find). */
const FIND_PRODUCT = 'select * from products where tenant_id = ? and product_id = ? limit 1';

export class MikroOrmProductRepository implements ProductRepository {
  readonly #database: Database;
  readonly #logger: Logger | undefined;

  constructor(database: Database, options: { logger?: Logger } = {}) {
    this.#database = database;
    this.#logger = options.logger;
  }

  async ping(): Promise<void> {
    await this.#database.em().getConnection().execute('select 1');
  }

  async list(tenant: TenantId, page: ProductPageRequest): Promise<{ products: Product[]; hasMore: boolean }> {
    const where: FilterQuery<ProductRow> & Record<string, unknown> = { tenantId: tenant };
    if (page.active !== undefined) where.isActive = page.active;
    if (page.sku !== undefined) where.sku = page.sku;
    const conditions: FilterQuery<ProductRow>[] = [];
    if (page.q !== undefined) {
      const pattern = containsPattern(page.q);
      const matches = [{ [raw((alias) => `lower(${alias}.name) like ? escape '!'`, [pattern])]: [] }];
      // SKUs are ASCII by rule: other text cannot match one, and MySQL refuses to compare it with ASCII columns.
      if (/^[\x20-\x7e]*$/.test(page.q)) {
        matches.push({ [raw((alias) => `lower(${alias}.sku) like ? escape '!'`, [pattern])]: [] });
      }
      conditions.push({ $or: matches } as FilterQuery<ProductRow>);
    }
    const descending = page.sort.startsWith('-');
    const field = { name: 'name', price: 'price', created_at: 'createdAt' }[page.sort.replace(/^-/, '')] as
      | 'name'
      | 'price'
      | 'createdAt';
    if (page.after) {
      const key =
        field === 'price'
          ? minorToDecimal(Number(page.after.key))
          : field === 'createdAt'
            ? new Date(Number(page.after.key))
            : String(page.after.key);
      const beyond = descending ? '$lt' : '$gt';
      conditions.push({
        $or: [
          { [field]: { [beyond]: key } },
          { [field]: key, productId: { [beyond]: page.after.productId } },
        ],
      } as FilterQuery<ProductRow>);
    }
    if (conditions.length) where.$and = conditions;
    const direction = descending ? 'desc' : 'asc';
    // The query find() would build, run without making entities: rows come back mapped (property names,
    // types) but skip hydration and identity-map bookkeeping, ~4× less CPU for a page of 20.
    const rows: ProductRow[] = await this.#database
      .em()
      .createQueryBuilder(ProductEntity)
      .select('*')
      // The FilterQuery find() takes; the builder's own filter type does not accept the raw() keys.
      .where(where as never)
      .orderBy([{ [field]: direction }, { productId: direction }])
      .limit(page.limit + 1)
      .execute('all');
    return { products: rows.slice(0, page.limit).map(productOf), hasMore: rows.length > page.limit };
  }

  async get(tenant: TenantId, productId: string): Promise<Product | undefined> {
    // One stateless select outside any transaction, straight on the pool (Database.readOne), mapped as
    // #find maps it: no fork, no executor.
    const row = await this.#database.readOne(FIND_PRODUCT, [tenant, productId]);
    return this.#product(this.#database.orm.em as SqlEntityManager, row);
  }

  async create(
    tenant: TenantId,
    product: NewProduct,
    options: { productId?: string } = {},
  ): Promise<CreateOutcome> {
    const em = this.#database.em();
    const productId = options.productId ?? crypto.randomUUID();
    const now = new Date();
    try {
      await em.insert(ProductEntity, {
        productId,
        tenantId: tenant,
        sku: product.sku,
        name: product.name,
        description: product.description,
        price: minorToDecimal(product.priceMinor),
        currency: product.currency,
        stockQuantity: product.stockQuantity,
        isActive: product.isActive,
        version: 1,
        createdAt: now,
        updatedAt: now,
      });
    } catch (error) {
      if (isDuplicateKey(error)) return { kind: 'duplicate_sku' };
      throw error;
    }
    // Read back, so the answer is what the store holds (and what a later GET returns).
    const created = await this.#find(em, tenant, productId);
    if (!created) throw new Error(`product ${productId} vanished after insert`);
    return { kind: 'created', product: created };
  }

  async update(
    tenant: TenantId,
    productId: string,
    changes: ProductChanges,
    expectedVersion?: number,
  ): Promise<UpdateOutcome> {
    const em = this.#database.em();
    for (let attempt = 1; attempt <= UPDATE_ATTEMPTS; attempt++) {
      const current = await this.#find(em, tenant, productId);
      if (!current) return { kind: 'not_found' };
      if (expectedVersion !== undefined && current.version !== expectedVersion) {
        return { kind: 'version_mismatch', currentVersion: current.version };
      }
      let updated: number;
      try {
        updated = await em.nativeUpdate(
          ProductEntity,
          { tenantId: tenant, productId, version: current.version },
          { ...columnsOf(changes), version: current.version + 1, updatedAt: new Date() },
        );
      } catch (error) {
        if (isDuplicateKey(error)) return { kind: 'duplicate_sku' };
        throw error;
      }
      if (updated === 1) {
        const product = await this.#find(em, tenant, productId);
        if (product) return { kind: 'updated', product };
        return { kind: 'not_found' };
      }
      // Someone else wrote in between: with If-Match that is a lost precondition, without it try again.
      if (expectedVersion !== undefined) {
        const now = await this.#find(em, tenant, productId);
        return now ? { kind: 'version_mismatch', currentVersion: now.version } : { kind: 'not_found' };
      }
    }
    throw AppError.unavailable('The product is being changed concurrently; retry shortly.');
  }

  async delete(tenant: TenantId, productId: string, expectedVersion?: number): Promise<DeleteOutcome> {
    const em = this.#database.em();
    const where: FilterQuery<ProductRow> = { tenantId: tenant, productId };
    if (expectedVersion !== undefined) where.version = expectedVersion;
    const deleted = await em.nativeDelete(ProductEntity, where);
    if (deleted === 1) return { kind: 'deleted' };
    const current = await this.#find(em, tenant, productId);
    return current ? { kind: 'version_mismatch', currentVersion: current.version } : { kind: 'not_found' };
  }

  async getReservation(tenant: TenantId, reservationId: string): Promise<Reservation | undefined> {
    const em = this.#database.em();
    const row = await this.#reservationRow(em, tenant, reservationId);
    return row && this.#reservationOf(em, row);
  }

  async reserve(tenant: TenantId, request: ReservationRequest): Promise<ReserveOutcome> {
    const existing = await this.#reservationRow(this.#database.em(), tenant, request.reservationId);
    if (existing) return this.#replay(existing, request);
    try {
      const reservation = await this.#transaction((em) => this.#reserveIn(em, tenant, request));
      return { kind: 'reserved', reservation };
    } catch (error) {
      if (error instanceof ReservationRefused) return this.#refusal(tenant, error);
      // A concurrent request with the same id committed first: the primary key decided, answer as a retry.
      if (isDuplicateKey(error)) {
        const winner = await this.#reservationRow(this.#database.em(), tenant, request.reservationId);
        if (winner) return this.#replay(winner, request);
      }
      throw error;
    }
  }

  async release(tenant: TenantId, reservationId: string): Promise<Reservation | undefined> {
    return this.#transaction(async (em) => {
      const now = new Date();
      // Only the request that flips active → released restores stock: a repeated or concurrent
      // release finds nothing to flip (the row lock makes the second one wait and re-check).
      const flipped = await em.nativeUpdate(
        StockReservationEntity,
        { tenantId: tenant, reservationId, status: 'active' },
        { status: 'released', releasedAt: now },
      );
      if (flipped === 1) {
        const lines = await this.#lines(em, tenant, reservationId);
        const totals = new Map<string, number>();
        for (const line of lines)
          totals.set(line.productId, (totals.get(line.productId) ?? 0) + line.quantity);
        for (const [productId, quantity] of [...totals].sort(([a], [b]) => (a < b ? -1 : 1))) {
          // A product deleted since the reservation has nothing to give back to.
          await em.nativeUpdate(
            ProductEntity,
            { tenantId: tenant, productId },
            {
              stockQuantity: raw('stock_quantity + ?', [quantity]),
              version: raw('version + 1'),
              updatedAt: now,
            },
          );
        }
      }
      const row = await this.#reservationRow(em, tenant, reservationId);
      return row && this.#reservationOf(em, row);
    });
  }

  async #reserveIn(
    em: SqlEntityManager,
    tenant: TenantId,
    request: ReservationRequest,
  ): Promise<Reservation> {
    const createdAt = new Date();
    // The reservation row goes first: its primary key is what makes a concurrent duplicate wait and fail.
    // The three writes of a reservation are plain statements on the transaction's connection: the ORM's
    // own formatting of the values (dates, booleans per engine) and exceptions, none of its query building.
    await em.execute(
      'insert into stock_reservations (tenant_id, reservation_id, status, request_hash, created_at, released_at) values (?, ?, ?, ?, ?, ?)',
      [tenant, request.reservationId, 'active', request.requestHash, createdAt, null],
      'run',
    );
    const products = await this.#productsNamedBy(em, tenant, request.lines);
    const failures: LineFailure[] = [];
    const resolved: { line: ReservationLineRequest; product: Product }[] = [];
    for (const line of request.lines) {
      const product =
        line.ref.productId !== undefined
          ? products.byId.get(line.ref.productId)
          : products.bySku.get(line.ref.sku);
      if (!product) failures.push(failureOf(line, 'not_found'));
      else if (!product.isActive) failures.push(failureOf(line, 'inactive'));
      else resolved.push({ line, product });
    }
    const currencies = [...new Set(resolved.map(({ product }) => product.currency))].sort();
    if (currencies.length > 1) throw new ReservationRefused({ kind: 'mixed_currencies', currencies });

    // Decrement in product-id order, so two multi-line reservations take their row locks in the same order.
    const byLockOrder = [...resolved].sort(
      (a, b) =>
        (a.product.productId < b.product.productId
          ? -1
          : a.product.productId > b.product.productId
            ? 1
            : 0) || a.line.index - b.line.index,
    );
    const short: typeof resolved = [];
    for (const entry of byLockOrder) {
      const { productId } = entry.product;
      const quantity = entry.line.quantity;
      const decremented: QueryResult = await em.execute(
        'update products set stock_quantity = stock_quantity - ?, version = version + 1, updated_at = ? ' +
          'where tenant_id = ? and product_id = ? and is_active = ? and stock_quantity >= ?',
        [quantity, createdAt, tenant, productId, true, quantity],
        'run',
      );
      if (decremented.affectedRows !== 1) short.push(entry);
    }
    if (failures.length || short.length) {
      throw new ReservationRefused(
        { kind: 'rejected', failures },
        short.map(({ line, product }) => ({ line, productId: product.productId })),
      );
    }

    const lines: ReservedLine[] = resolved
      .sort((a, b) => a.line.index - b.line.index)
      .map(({ line, product }) => ({
        productId: product.productId,
        sku: product.sku,
        name: product.name,
        quantity: line.quantity,
        unitPriceMinor: product.priceMinor,
        currency: product.currency,
      }));
    await em.execute(
      'insert into stock_reservation_lines (tenant_id, reservation_id, line_no, product_id, sku, name, quantity, unit_price, currency) values ' +
        lines.map(() => '(?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', '),
      lines.flatMap((line, lineNo) => [
        tenant,
        request.reservationId,
        lineNo,
        line.productId,
        line.sku,
        line.name,
        line.quantity,
        minorToDecimal(line.unitPriceMinor),
        line.currency,
      ]),
      'run',
    );
    return { reservationId: request.reservationId, status: 'active', lines, createdAt, releasedAt: null };
  }

  /**
   * Describes the lines a refused reservation could not take, read after the rollback: the stock as it
   * now stands (a read inside the transaction would see MySQL's older snapshot), or the product's
   * having been deactivated or deleted meanwhile.
   */
  async #refusal(tenant: TenantId, refused: ReservationRefused): Promise<ReserveOutcome> {
    if (refused.outcome.kind !== 'rejected' || !refused.short.length) return refused.outcome;
    const now = await this.#productsNamedBy(
      this.#database.em(),
      tenant,
      refused.short.map(({ line, productId }) => ({ ...line, ref: { productId } })),
    );
    const failures = [...refused.outcome.failures];
    for (const { line, productId } of refused.short) {
      const product = now.byId.get(productId);
      if (!product) failures.push(failureOf(line, 'not_found'));
      else if (!product.isActive) failures.push(failureOf(line, 'inactive'));
      else failures.push({ ...failureOf(line, 'insufficient_stock'), available: product.stockQuantity });
    }
    return { kind: 'rejected', failures: failures.sort((a, b) => a.index - b.index) };
  }

  async #replay(row: StockReservationRow, request: ReservationRequest): Promise<ReserveOutcome> {
    if (row.requestHash !== request.requestHash) return { kind: 'key_reused' };
    const reservation = await this.#reservationOf(this.#database.em(), row);
    return reservation.status === 'released'
      ? { kind: 'released_earlier', reservation }
      : { kind: 'replayed', reservation };
  }

  async #productsNamedBy(em: SqlEntityManager, tenant: TenantId, lines: readonly ReservationLineRequest[]) {
    const ids = [
      ...new Set(lines.flatMap((line) => (line.ref.productId !== undefined ? [line.ref.productId] : []))),
    ];
    const skus = [...new Set(lines.flatMap((line) => (line.ref.sku !== undefined ? [line.ref.sku] : [])))];
    const named: FilterQuery<ProductRow>[] = [];
    if (ids.length) named.push({ productId: { $in: ids } });
    if (skus.length) named.push({ sku: { $in: skus } });
    // Rows, not entities (see list()): in the reservation's transaction, through the same connection.
    const rows: ProductRow[] = await em
      .createQueryBuilder(ProductEntity)
      .select('*')
      .where({ tenantId: tenant, $or: named } as never)
      .execute('all');
    const products = rows.map(productOf);
    return {
      byId: new Map(products.map((product) => [product.productId, product])),
      bySku: new Map(products.map((product) => [product.sku, product])),
    };
  }

  /**
   * One product by key: the hot read (GET /products/{id}, and every read-back after a write). A plain
   * select through the same connection (and transaction), mapped by the ORM's own result mapper (the
   * column names and types findOne returns), without findOne's query building, entity hydration and
   * identity-map bookkeeping: those cost ~85 µs of CPU per read, more than the rest of the request.
   */
  async #find(em: SqlEntityManager, tenant: TenantId, productId: string): Promise<Product | undefined> {
    const row: Record<string, unknown> | undefined = await em.execute(
      FIND_PRODUCT,
      [tenant, productId],
      'get',
    );
    return this.#product(em, row);
  }

  #product(em: SqlEntityManager, row: Record<string, unknown> | undefined): Product | undefined {
    const mapped = row && em.getDriver().mapResult(row, em.getMetadata(ProductEntity));
    return mapped ? productOf(mapped as ProductRow) : undefined;
  }

  /** By key, read like #find: a plain select mapped by the ORM's result mapper, no unit of work. */
  async #reservationRow(
    em: SqlEntityManager,
    tenant: TenantId,
    reservationId: string,
  ): Promise<StockReservationRow | undefined> {
    const row: Record<string, unknown> | undefined = await em.execute(
      'select * from stock_reservations where tenant_id = ? and reservation_id = ? limit 1',
      [tenant, reservationId],
      'get',
    );
    const mapped = row && em.getDriver().mapResult(row, em.getMetadata(StockReservationEntity));
    return mapped ? (mapped as StockReservationRow) : undefined;
  }

  async #lines(
    em: SqlEntityManager,
    tenant: TenantId,
    reservationId: string,
  ): Promise<StockReservationLineRow[]> {
    return em.find(
      StockReservationLineEntity,
      { tenantId: tenant, reservationId },
      { ...fresh, orderBy: { lineNo: 'asc' } },
    );
  }

  async #reservationOf(em: SqlEntityManager, row: StockReservationRow): Promise<Reservation> {
    const lines = await this.#lines(em, row.tenantId as TenantId, row.reservationId);
    return {
      reservationId: row.reservationId,
      status: row.status === 'released' ? 'released' : 'active',
      lines: lines.map((line) => ({
        productId: line.productId,
        sku: line.sku,
        name: line.name,
        quantity: line.quantity,
        unitPriceMinor: decimalToMinor(line.unitPrice),
        currency: line.currency,
      })),
      createdAt: row.createdAt,
      releasedAt: row.releasedAt ?? null,
    };
  }

  /** One transaction; deadlocks and lock timeouts are retried a few times, then answered 503. */
  async #transaction<T>(work: (em: SqlEntityManager) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#database.em().transactional((em) => work(em as SqlEntityManager));
      } catch (error) {
        if (!isTransient(error)) throw error;
        if (attempt >= TRANSACTION_ATTEMPTS) {
          this.#logger?.error({ err: error, attempts: attempt }, 'transaction kept colliding: answering 503');
          throw AppError.unavailable('The stock is busy; retry shortly.');
        }
        this.#logger?.warn(
          { err: error, attempt },
          'transaction collided (deadlock or lock timeout): retrying',
        );
        // Jittered back-off so the transactions that collided do not collide again.
        await delay(10 * attempt + Math.floor(Math.random() * 20));
      }
    }
  }
}

const failureOf = (line: ReservationLineRequest, reason: LineFailure['reason']): LineFailure => ({
  index: line.index,
  ...(line.ref.productId !== undefined ? { product_id: line.ref.productId } : { sku: line.ref.sku }),
  reason,
  requested: line.quantity,
});
