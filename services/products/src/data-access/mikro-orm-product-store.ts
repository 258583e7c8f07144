import { setTimeout as delay } from 'node:timers/promises';
import {
  DeadlockException,
  type FilterQuery,
  LockWaitTimeoutException,
  type QueryResult,
  raw,
} from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/sql';
import { decimalToMinor, type Logger, minorToDecimal, type TenantId } from '@shop/platform';
import type { ProductStore, StockTransaction, StoredReservation } from '../domain/ports.ts';
import type { NewProduct, Product, ProductChanges, ProductPageRequest } from '../domain/product.ts';
import type { LineRef, ReservedLine } from '../domain/stock.ts';
import type { Database } from './database.ts';
import {
  ProductEntity,
  type ProductRow,
  StockReservationEntity,
  StockReservationLineEntity,
  type StockReservationRow,
} from './entities.ts';
import { PRODUCT_COLUMNS, ProductListStatements } from './product-list.ts';

/** A transaction that meets a deadlock or lock timeout runs this many times in all before it gives up. */
const TRANSACTION_ATTEMPTS = 4;

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

const isTransient = (error: unknown) =>
  error instanceof DeadlockException || error instanceof LockWaitTimeoutException;

/** One product by key: the hot read, on the pool (get) or in a transaction (find). */
const FIND_PRODUCT = `select ${PRODUCT_COLUMNS} from products where tenant_id = ? and product_id = ? limit 1`;

/**
 * The products store on MikroORM: one adapter for MySQL/MariaDB, PostgreSQL and SQLite. It runs
 * statements and maps rows; the rules they serve are in domain/.
 */
export class MikroOrmProductStore implements ProductStore {
  readonly #database: Database;
  readonly #logger: Logger | undefined;
  readonly #listStatements = new ProductListStatements();

  constructor(database: Database, options: { logger?: Logger } = {}) {
    this.#database = database;
    this.#logger = options.logger;
  }

  async ping(): Promise<void> {
    await this.#database.em().getConnection().execute('select 1');
  }

  async list(tenant: TenantId, page: ProductPageRequest): Promise<{ products: Product[]; hasMore: boolean }> {
    // The shape's statement, made once (product-list.ts), straight on the pool; rows mapped by the
    // ORM's result mapper as get() maps them.
    const { sql, params } = this.#listStatements.of(tenant, page);
    const rows = await this.#database.readAll(sql, params);
    const em = this.#database.orm.em as SqlEntityManager;
    const products = rows.slice(0, page.limit).map((row) => productFromRow(em, row));
    return { products, hasMore: rows.length > page.limit };
  }

  async get(tenant: TenantId, productId: string): Promise<Product | undefined> {
    // One stateless select outside any transaction, straight on the pool (Database.readOne), mapped as
    // find() maps it: no fork, no executor.
    const row = await this.#database.readOne(FIND_PRODUCT, [tenant, productId]);
    return productFrom(this.#database.orm.em as SqlEntityManager, row);
  }

  async insert(tenant: TenantId, productId: string, product: NewProduct, at: Date): Promise<Product> {
    const em = this.#database.em();
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
      createdAt: at,
      updatedAt: at,
    });
    // Read back, so the answer is what the store holds (and what a later GET returns).
    const created = await find(em, tenant, productId);
    if (!created) throw new Error(`product ${productId} vanished after insert`);
    return created;
  }

  async updateIfVersion(
    tenant: TenantId,
    productId: string,
    version: number,
    changes: ProductChanges,
    at: Date,
  ): Promise<boolean> {
    const updated = await this.#database
      .em()
      .nativeUpdate(
        ProductEntity,
        { tenantId: tenant, productId, version },
        { ...columnsOf(changes), version: version + 1, updatedAt: at },
      );
    return updated === 1;
  }

  async delete(tenant: TenantId, productId: string, version?: number): Promise<boolean> {
    const where: FilterQuery<ProductRow> = { tenantId: tenant, productId };
    if (version !== undefined) where.version = version;
    return (await this.#database.em().nativeDelete(ProductEntity, where)) === 1;
  }

  getReservation(tenant: TenantId, reservationId: string): Promise<StoredReservation | undefined> {
    return reservationOf(this.#database.em(), tenant, reservationId);
  }

  productsNamed(tenant: TenantId, refs: readonly LineRef[]): Promise<Product[]> {
    return productsNamed(this.#database.em(), tenant, refs);
  }

  /** One transaction; deadlocks and lock timeouts run it again a few times, then reach the caller. */
  async inTransaction<T>(work: (tx: StockTransaction) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#database
          .em()
          .transactional((em) => work(new MikroOrmStockTransaction(em as SqlEntityManager)));
      } catch (error) {
        if (!isTransient(error)) throw error;
        if (attempt >= TRANSACTION_ATTEMPTS) {
          this.#logger?.error({ err: error, attempts: attempt }, 'transaction kept colliding: giving up');
          throw error;
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

/**
 * A stock movement's statements, on the transaction's connection: plain statements with the ORM's own
 * formatting of the values (dates, booleans per engine) and exceptions, none of its query building.
 */
class MikroOrmStockTransaction implements StockTransaction {
  readonly #em: SqlEntityManager;

  constructor(em: SqlEntityManager) {
    this.#em = em;
  }

  async insertReservation(tenant: TenantId, reservationId: string, requestHash: string, at: Date) {
    await this.#em.execute(
      'insert into stock_reservations (tenant_id, reservation_id, status, request_hash, created_at, released_at) values (?, ?, ?, ?, ?, ?)',
      [tenant, reservationId, 'active', requestHash, at, null],
      'run',
    );
  }

  productsNamed(tenant: TenantId, refs: readonly LineRef[]): Promise<Product[]> {
    return productsNamed(this.#em, tenant, refs);
  }

  async takeStock(tenant: TenantId, productId: string, quantity: number, at: Date): Promise<boolean> {
    const decremented: QueryResult = await this.#em.execute(
      'update products set stock_quantity = stock_quantity - ?, version = version + 1, updated_at = ? ' +
        'where tenant_id = ? and product_id = ? and is_active = ? and stock_quantity >= ?',
      [quantity, at, tenant, productId, true, quantity],
      'run',
    );
    return decremented.affectedRows === 1;
  }

  async returnStock(tenant: TenantId, productId: string, quantity: number, at: Date): Promise<void> {
    await this.#em.nativeUpdate(
      ProductEntity,
      { tenantId: tenant, productId },
      { stockQuantity: raw('stock_quantity + ?', [quantity]), version: raw('version + 1'), updatedAt: at },
    );
  }

  async insertLines(tenant: TenantId, reservationId: string, lines: readonly ReservedLine[]): Promise<void> {
    await this.#em.execute(
      'insert into stock_reservation_lines (tenant_id, reservation_id, line_no, product_id, sku, name, quantity, unit_price, currency) values ' +
        lines.map(() => '(?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', '),
      lines.flatMap((line, lineNo) => [
        tenant,
        reservationId,
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
  }

  async markReleased(tenant: TenantId, reservationId: string, at: Date): Promise<boolean> {
    const flipped = await this.#em.nativeUpdate(
      StockReservationEntity,
      { tenantId: tenant, reservationId, status: 'active' },
      { status: 'released', releasedAt: at },
    );
    return flipped === 1;
  }

  getReservation(tenant: TenantId, reservationId: string): Promise<StoredReservation | undefined> {
    return reservationOf(this.#em, tenant, reservationId);
  }
}

async function productsNamed(
  em: SqlEntityManager,
  tenant: TenantId,
  refs: readonly LineRef[],
): Promise<Product[]> {
  const ids = [...new Set(refs.flatMap((ref) => (ref.productId !== undefined ? [ref.productId] : [])))];
  const skus = [...new Set(refs.flatMap((ref) => (ref.sku !== undefined ? [ref.sku] : [])))];
  const named: string[] = [];
  if (ids.length) named.push(`product_id in (${ids.map(() => '?').join(', ')})`);
  if (skus.length) named.push(`sku in (${skus.map(() => '?').join(', ')})`);
  if (!named.length) return [];
  // A plain select inside the transaction, through its connection, mapped as find() maps (see find()).
  const rows: Record<string, unknown>[] = await em.execute(
    `select ${PRODUCT_COLUMNS} from products where tenant_id = ? and (${named.join(' or ')})`,
    [tenant, ...ids, ...skus],
    'all',
  );
  return rows.map((row) => productFromRow(em, row));
}

/**
 * One product by key (every read-back after a write). A plain select through the same connection (and
 * transaction), mapped by the ORM's own result mapper (the column names and types findOne returns),
 * without findOne's query building, entity hydration and identity-map bookkeeping: those cost more CPU
 * per read than the rest of the request.
 */
async function find(em: SqlEntityManager, tenant: TenantId, productId: string): Promise<Product | undefined> {
  const row: Record<string, unknown> | undefined = await em.execute(FIND_PRODUCT, [tenant, productId], 'get');
  return productFrom(em, row);
}

function productFrom(em: SqlEntityManager, row: Record<string, unknown> | undefined): Product | undefined {
  return row ? productFromRow(em, row) : undefined;
}

/** A products row as the store reads it (columns named as in the table), mapped by the ORM's result mapper. */
function productFromRow(em: SqlEntityManager, row: Record<string, unknown>): Product {
  return productOf(em.getDriver().mapResult(row, em.getMetadata(ProductEntity)) as ProductRow);
}

/** By key, read like find(): a plain select mapped by the ORM's result mapper, no unit of work. */
async function reservationOf(
  em: SqlEntityManager,
  tenant: TenantId,
  reservationId: string,
): Promise<StoredReservation | undefined> {
  const found: Record<string, unknown> | undefined = await em.execute(
    'select * from stock_reservations where tenant_id = ? and reservation_id = ? limit 1',
    [tenant, reservationId],
    'get',
  );
  const row =
    found && (em.getDriver().mapResult(found, em.getMetadata(StockReservationEntity)) as StockReservationRow);
  if (!row) return undefined;
  const lines = await em.find(
    StockReservationLineEntity,
    { tenantId: tenant, reservationId },
    { ...fresh, orderBy: { lineNo: 'asc' } },
  );
  return {
    reservationId: row.reservationId,
    status: row.status === 'released' ? 'released' : 'active',
    requestHash: row.requestHash,
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
