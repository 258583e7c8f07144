import { Migration } from '@mikro-orm/migrations';

/**
 * Orders service schema for SQLite (the embedded default; runs in one transaction).
 * Times are ISO-8601 UTC text with milliseconds ('2025-01-31T12:00:00.000Z'): they sort as they compare.
 */
export class V001CreateOrders extends Migration {
  override async up(): Promise<void> {
    this.addSql(`CREATE TABLE orders (
  order_id TEXT NOT NULL PRIMARY KEY,
  tenant_id TEXT NOT NULL,
  customer_id TEXT NOT NULL,
  customer_name TEXT NULL,
  customer_email TEXT NULL,
  customer_phone TEXT NULL,
  -- JSON text: one free-text line (seed 001) or a postal address object (seed 004)
  shipping_address TEXT NOT NULL,
  billing_address TEXT NULL,
  notes TEXT NULL,
  status TEXT NOT NULL DEFAULT 'PENDING'
    CONSTRAINT orders_status_check CHECK (status IN ('PENDING', 'CONFIRMED', 'SHIPPED', 'DELIVERED', 'CANCELLED')),
  total_amount NUMERIC NOT NULL CONSTRAINT orders_total_check CHECK (total_amount >= 0),
  currency TEXT NOT NULL,
  created_by TEXT NOT NULL,
  created_by_email TEXT NULL,
  version INTEGER NOT NULL DEFAULT 1 CONSTRAINT orders_version_check CHECK (version >= 1),
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
)`);
    this.addSql(`CREATE INDEX orders_tenant_order ON orders (tenant_id, order_id)`);
    this.addSql(`CREATE INDEX orders_tenant_created_by ON orders (tenant_id, created_by)`);
    this.addSql(
      `CREATE INDEX orders_tenant_customer_created ON orders (tenant_id, customer_id, created_at, order_id)`,
    );
    this.addSql(`CREATE INDEX orders_tenant_created ON orders (tenant_id, created_at, order_id)`);
    this.addSql(
      `CREATE INDEX orders_tenant_status_created ON orders (tenant_id, status, created_at, order_id)`,
    );
    this.addSql(`CREATE TABLE order_items (
  order_id TEXT NOT NULL REFERENCES orders (order_id) ON DELETE CASCADE,
  line_no INTEGER NOT NULL,
  product_id TEXT NOT NULL,
  product_sku TEXT NOT NULL,
  product_name TEXT NOT NULL,
  quantity INTEGER NOT NULL CONSTRAINT order_items_quantity_check CHECK (quantity > 0),
  unit_price NUMERIC NOT NULL CONSTRAINT order_items_price_check CHECK (unit_price >= 0),
  line_total NUMERIC NOT NULL,
  PRIMARY KEY (order_id, line_no)
)`);
    this.addSql(`CREATE INDEX order_items_product ON order_items (product_id)`);
    this.addSql(`CREATE TABLE order_status_history (
  order_id TEXT NOT NULL REFERENCES orders (order_id) ON DELETE CASCADE,
  seq INTEGER NOT NULL,
  from_status TEXT NULL,
  to_status TEXT NOT NULL
    CONSTRAINT order_status_history_to_check CHECK (to_status IN ('PENDING', 'CONFIRMED', 'SHIPPED', 'DELIVERED', 'CANCELLED')),
  changed_at TEXT NOT NULL,
  changed_by TEXT NOT NULL,
  changed_by_email TEXT NULL,
  reason TEXT NULL,
  PRIMARY KEY (order_id, seq)
)`);
    this.addSql(`CREATE TABLE idempotency_keys (
  tenant_id TEXT NOT NULL,
  customer_id TEXT NOT NULL,
  idem_key TEXT NOT NULL,
  request_hash TEXT NOT NULL,
  claim_token TEXT NOT NULL,
  state TEXT NOT NULL CONSTRAINT idempotency_keys_state_check CHECK (state IN ('in_progress', 'completed')),
  order_id TEXT NOT NULL,
  -- JSON of {status, body, headers} once completed
  response TEXT NULL,
  created_at TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  PRIMARY KEY (tenant_id, customer_id, idem_key)
)`);
    this.addSql(`CREATE INDEX idempotency_keys_expires ON idempotency_keys (expires_at)`);
  }

  override async down(): Promise<void> {
    this.addSql('DROP TABLE IF EXISTS idempotency_keys');
    this.addSql('DROP TABLE IF EXISTS order_status_history');
    this.addSql('DROP TABLE IF EXISTS order_items');
    this.addSql('DROP TABLE IF EXISTS orders');
  }
}
