import { decimalToMinor, isDuplicateKey, minorToDecimal, type TenantId } from '@shop/platform';
import type { Address, Order, OrderLine, OrderStatus, StatusChange } from '../../domain/order.ts';
import type {
  IdempotencyRecord,
  ListQuery,
  OrderPage,
  OrderStore,
  StatusUpdate,
} from '../../domain/ports.ts';
import { placedOrderOf, placedOrderToJson } from '../placed-order.ts';
import type { SqlDatabase, SqlEngine, Transaction } from './sql-database.ts';

type Row = Record<string, unknown>;

/** ISO-8601 UTC in, as each engine's timestamp column takes it. */
const timestampParam = (engine: SqlEngine, iso: string): string =>
  engine === 'mysql' ? iso.replace('T', ' ').replace('Z', '') : iso;

/** Whatever the driver hands back (Date, `2025-01-02 03:04:05.678`, `...+00`, ISO) → ISO-8601 UTC. */
export function isoOf(value: unknown): string {
  if (value instanceof Date) return value.toISOString();
  const text = String(value).trim().replace(' ', 'T');
  const zoned = /(Z|[+-]\d{2}(:?\d{2})?)$/.test(text) ? text.replace(/([+-]\d{2})$/, '$1:00') : `${text}Z`;
  const date = new Date(zoned);
  if (Number.isNaN(date.getTime()))
    throw new Error(`unreadable timestamp from the database: ${String(value)}`);
  return date.toISOString();
}

const textOrNull = (value: unknown): string | null =>
  value === null || value === undefined ? null : String(value);

/**
 * Orders on SQL through MikroORM's connection: `orders`, `order_items`, `order_status_history` and
 * `idempotency_keys` (database/orders/<engine>). Every statement names the tenant.
 */
export class SqlOrderStore implements OrderStore {
  readonly engine: string;
  readonly #db: SqlDatabase;

  constructor(db: SqlDatabase) {
    this.#db = db;
    this.engine = db.engine;
  }

  async create(order: Order): Promise<void> {
    const ts = (iso: string) => timestampParam(this.#db.engine, iso);
    await this.#db.transaction(async (trx) => {
      await this.#db.run(
        `INSERT INTO orders (order_id, tenant_id, customer_id, customer_name, customer_email, customer_phone,
           shipping_address, billing_address, notes, status, total_amount, currency, created_by, created_by_email,
           version, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [
          order.orderId,
          order.tenantId,
          order.customerId,
          order.customerName,
          order.customerEmail,
          order.customerPhone,
          JSON.stringify(order.shippingAddress),
          order.billingAddress === null ? null : JSON.stringify(order.billingAddress),
          order.notes,
          order.status,
          minorToDecimal(order.total),
          order.currency,
          order.createdBy,
          order.createdByEmail,
          order.version,
          ts(order.createdAt),
          ts(order.updatedAt),
        ],
        trx,
      );
      await this.#db.run(
        `INSERT INTO order_items (order_id, line_no, product_id, product_sku, product_name, quantity, unit_price, line_total)
         VALUES ${order.items.map(() => '(?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`,
        order.items.flatMap((item, index) => [
          order.orderId,
          index + 1,
          item.productId,
          item.productSku,
          item.productName,
          item.quantity,
          minorToDecimal(item.unitPrice),
          minorToDecimal(item.lineTotal),
        ]),
        trx,
      );
      for (const [index, change] of order.statusHistory.entries()) {
        await this.#insertChange(order.orderId, index + 1, change, trx);
      }
    });
  }

  async get(tenantId: TenantId, orderId: string): Promise<Order | undefined> {
    const rows = await this.#db.all('SELECT * FROM orders WHERE tenant_id = ? AND order_id = ?', [
      tenantId,
      orderId,
    ]);
    const [order] = await this.#hydrate(rows);
    return order;
  }

  async list(tenantId: TenantId, query: ListQuery): Promise<OrderPage> {
    const where = ['tenant_id = ?'];
    const params: unknown[] = [tenantId];
    if (query.customerId !== undefined) {
      where.push('customer_id = ?');
      params.push(query.customerId);
    }
    if (query.status !== undefined) {
      where.push('status = ?');
      params.push(query.status);
    }
    if (query.after) {
      const at = timestampParam(this.#db.engine, query.after.createdAt);
      where.push('(created_at < ? OR (created_at = ? AND order_id < ?))');
      params.push(at, at, query.after.orderId);
    }
    const rows = await this.#db.all(
      `SELECT * FROM orders WHERE ${where.join(' AND ')}
       ORDER BY created_at DESC, order_id DESC LIMIT ${query.limit + 1} OFFSET ${query.offset}`,
      params,
    );
    const orders = await this.#hydrate(rows.slice(0, query.limit));
    return { orders, hasMore: rows.length > query.limit };
  }

  async updateStatus(
    tenantId: TenantId,
    orderId: string,
    expectedVersion: number,
    change: StatusChange,
  ): Promise<StatusUpdate> {
    const outcome = await this.#db.transaction(async (trx) => {
      const { affectedRows } = await this.#db.run(
        `UPDATE orders SET status = ?, version = version + 1, updated_at = ?
         WHERE tenant_id = ? AND order_id = ? AND version = ?`,
        [change.to, timestampParam(this.#db.engine, change.at), tenantId, orderId, expectedVersion],
        trx,
      );
      if (affectedRows !== 1) return 'missed' as const;
      await this.#insertChange(orderId, expectedVersion + 1, change, trx);
      return 'updated' as const;
    });
    const order = await this.get(tenantId, orderId);
    if (!order) return { outcome: 'not_found' };
    return outcome === 'updated' ? { outcome: 'updated', order } : { outcome: 'version_conflict' };
  }

  async insertIdempotency(record: IdempotencyRecord): Promise<boolean> {
    try {
      await this.#db.run(
        `INSERT INTO idempotency_keys (tenant_id, customer_id, idem_key, request_hash, claim_token, state, order_id,
           response, created_at, expires_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [record.tenantId, record.customerId, record.key, ...this.#idempotencyValues(record)],
      );
    } catch (error) {
      if (isDuplicateKey(error)) return false;
      throw error;
    }
    // Now and then, forget keys past their time (the TTL a DynamoDB table gets for free).
    if (Math.random() < 0.01) {
      await this.#db.run('DELETE FROM idempotency_keys WHERE expires_at < ?', [
        timestampParam(this.#db.engine, new Date().toISOString()),
      ]);
    }
    return true;
  }

  async getIdempotency(
    tenantId: TenantId,
    customerId: string,
    key: string,
  ): Promise<IdempotencyRecord | undefined> {
    const [row] = await this.#db.all(
      'SELECT * FROM idempotency_keys WHERE tenant_id = ? AND customer_id = ? AND idem_key = ?',
      [tenantId, customerId, key],
    );
    if (!row) return undefined;
    return {
      tenantId,
      customerId,
      key,
      requestHash: String(row.request_hash),
      claimToken: String(row.claim_token),
      state: row.state === 'completed' ? 'completed' : 'in_progress',
      orderId: String(row.order_id),
      placed: placedOrderOf(this.#json(row.response)),
      createdAt: isoOf(row.created_at),
      expiresAt: isoOf(row.expires_at),
    };
  }

  async replaceIdempotency(record: IdempotencyRecord, expectedToken: string): Promise<boolean> {
    const { affectedRows } = await this.#db.run(
      `UPDATE idempotency_keys SET request_hash = ?, claim_token = ?, state = ?, order_id = ?, response = ?,
         created_at = ?, expires_at = ?
       WHERE tenant_id = ? AND customer_id = ? AND idem_key = ? AND claim_token = ?`,
      [...this.#idempotencyValues(record), record.tenantId, record.customerId, record.key, expectedToken],
    );
    return affectedRows === 1;
  }

  async deleteIdempotency(
    tenantId: TenantId,
    customerId: string,
    key: string,
    expectedToken: string,
  ): Promise<void> {
    await this.#db.run(
      'DELETE FROM idempotency_keys WHERE tenant_id = ? AND customer_id = ? AND idem_key = ? AND claim_token = ?',
      [tenantId, customerId, key, expectedToken],
    );
  }

  async ping(): Promise<void> {
    await this.#db.all('SELECT 1 AS ok');
  }

  close(): Promise<void> {
    return this.#db.close();
  }

  #idempotencyValues(record: IdempotencyRecord): unknown[] {
    return [
      record.requestHash,
      record.claimToken,
      record.state,
      record.orderId,
      placedOrderToJson(record.placed),
      timestampParam(this.#db.engine, record.createdAt),
      timestampParam(this.#db.engine, record.expiresAt),
    ];
  }

  async #insertChange(orderId: string, seq: number, change: StatusChange, trx: Transaction): Promise<void> {
    await this.#db.run(
      `INSERT INTO order_status_history (order_id, seq, from_status, to_status, changed_at, changed_by, changed_by_email, reason)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        orderId,
        seq,
        change.from,
        change.to,
        timestampParam(this.#db.engine, change.at),
        change.by,
        change.byEmail,
        change.reason,
      ],
      trx,
    );
  }

  /** JSON columns: PostgreSQL's jsonb arrives parsed, the other engines' text does not. */
  #json(value: unknown): unknown {
    if (value === null || value === undefined) return null;
    return this.#db.engine === 'postgresql' ? value : JSON.parse(String(value));
  }

  /** Rows of `orders` → orders with their lines and history (two more queries for the whole page). */
  async #hydrate(rows: Row[]): Promise<Order[]> {
    if (rows.length === 0) return [];
    const ids = rows.map((row) => String(row.order_id));
    const marks = ids.map(() => '?').join(', ');
    const [itemRows, changeRows] = await Promise.all([
      this.#db.all(`SELECT * FROM order_items WHERE order_id IN (${marks}) ORDER BY order_id, line_no`, ids),
      this.#db.all(
        `SELECT * FROM order_status_history WHERE order_id IN (${marks}) ORDER BY order_id, seq`,
        ids,
      ),
    ]);
    const items = groupBy(
      itemRows,
      (row): OrderLine => ({
        productId: String(row.product_id),
        productSku: String(row.product_sku),
        productName: String(row.product_name),
        quantity: Number(row.quantity),
        unitPrice: decimalToMinor(row.unit_price as string | number),
        lineTotal: decimalToMinor(row.line_total as string | number),
      }),
    );
    const history = groupBy(
      changeRows,
      (row): StatusChange => ({
        from: (row.from_status ?? null) as OrderStatus | null,
        to: row.to_status as OrderStatus,
        at: isoOf(row.changed_at),
        by: String(row.changed_by),
        byEmail: textOrNull(row.changed_by_email),
        reason: textOrNull(row.reason),
      }),
    );
    return rows.map((row) => {
      const orderId = String(row.order_id);
      return {
        orderId,
        tenantId: String(row.tenant_id),
        customerId: String(row.customer_id),
        customerName: textOrNull(row.customer_name),
        customerEmail: textOrNull(row.customer_email),
        customerPhone: textOrNull(row.customer_phone),
        shippingAddress: this.#json(row.shipping_address) as Address,
        billingAddress: this.#json(row.billing_address) as Address | null,
        notes: textOrNull(row.notes),
        status: row.status as OrderStatus,
        items: items.get(orderId) ?? [],
        total: decimalToMinor(row.total_amount as string | number),
        currency: String(row.currency).trim(),
        createdAt: isoOf(row.created_at),
        updatedAt: isoOf(row.updated_at),
        createdBy: String(row.created_by),
        createdByEmail: textOrNull(row.created_by_email),
        version: Number(row.version),
        statusHistory: history.get(orderId) ?? [],
      };
    });
  }
}

function groupBy<T>(rows: Row[], map: (row: Row) => T): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const row of rows) {
    const key = String(row.order_id);
    const group = groups.get(key) ?? [];
    group.push(map(row));
    groups.set(key, group);
  }
  return groups;
}
