import { Migration } from '@mikro-orm/migrations';

/**
 * Orders service schema for PostgreSQL (runs in one transaction).
 */
export class V001CreateOrders extends Migration {
  override async up(): Promise<void> {
    this.addSql(`CREATE TABLE orders (
  order_id UUID NOT NULL PRIMARY KEY,
  tenant_id VARCHAR(128) NOT NULL,
  customer_id VARCHAR(255) NOT NULL,
  customer_name VARCHAR(200) NULL,
  customer_email VARCHAR(320) NULL,
  customer_phone VARCHAR(32) NULL,
  -- JSON, not JSONB: kept as written (key order included), never queried into
  -- one free-text line (seed 001) or a postal address object (seed 004)
  shipping_address JSON NOT NULL,
  billing_address JSON NULL,
  notes TEXT NULL,
  status VARCHAR(16) NOT NULL DEFAULT 'PENDING'
    CONSTRAINT orders_status_check CHECK (status IN ('PENDING', 'CONFIRMED', 'SHIPPED', 'DELIVERED', 'CANCELLED')),
  total_amount NUMERIC(15,2) NOT NULL CONSTRAINT orders_total_check CHECK (total_amount >= 0),
  currency CHAR(3) NOT NULL,
  created_by VARCHAR(255) NOT NULL,
  created_by_email VARCHAR(320) NULL,
  version INTEGER NOT NULL DEFAULT 1 CONSTRAINT orders_version_check CHECK (version >= 1),
  created_at TIMESTAMPTZ(3) NOT NULL,
  updated_at TIMESTAMPTZ(3) NOT NULL
)`);
    this.addSql(`CREATE INDEX orders_tenant_order ON orders (tenant_id, order_id)`);
    this.addSql(`CREATE INDEX orders_tenant_created_by ON orders (tenant_id, created_by)`);
    this.addSql(
      `CREATE INDEX orders_tenant_customer_created ON orders (tenant_id, customer_id, created_at DESC, order_id DESC)`,
    );
    this.addSql(`CREATE INDEX orders_tenant_created ON orders (tenant_id, created_at DESC, order_id DESC)`);
    this.addSql(
      `CREATE INDEX orders_tenant_status_created ON orders (tenant_id, status, created_at DESC, order_id DESC)`,
    );
    this.addSql(`CREATE TABLE order_items (
  order_id UUID NOT NULL REFERENCES orders (order_id) ON DELETE CASCADE,
  line_no SMALLINT NOT NULL,
  product_id UUID NOT NULL,
  product_sku VARCHAR(64) NOT NULL,
  product_name VARCHAR(255) NOT NULL,
  quantity INTEGER NOT NULL CONSTRAINT order_items_quantity_check CHECK (quantity > 0),
  unit_price NUMERIC(10,2) NOT NULL CONSTRAINT order_items_price_check CHECK (unit_price >= 0),
  line_total NUMERIC(15,2) NOT NULL,
  PRIMARY KEY (order_id, line_no)
)`);
    this.addSql(`CREATE INDEX order_items_product ON order_items (product_id)`);
    this.addSql(`CREATE TABLE order_status_history (
  order_id UUID NOT NULL REFERENCES orders (order_id) ON DELETE CASCADE,
  seq INTEGER NOT NULL,
  from_status VARCHAR(16) NULL,
  to_status VARCHAR(16) NOT NULL
    CONSTRAINT order_status_history_to_check CHECK (to_status IN ('PENDING', 'CONFIRMED', 'SHIPPED', 'DELIVERED', 'CANCELLED')),
  changed_at TIMESTAMPTZ(3) NOT NULL,
  changed_by VARCHAR(255) NOT NULL,
  changed_by_email VARCHAR(320) NULL,
  reason VARCHAR(500) NULL,
  PRIMARY KEY (order_id, seq)
)`);
    this.addSql(`CREATE TABLE idempotency_keys (
  tenant_id VARCHAR(128) NOT NULL,
  customer_id VARCHAR(255) NOT NULL,
  idem_key VARCHAR(255) NOT NULL,
  request_hash CHAR(64) NOT NULL,
  claim_token UUID NOT NULL,
  state VARCHAR(16) NOT NULL CONSTRAINT idempotency_keys_state_check CHECK (state IN ('in_progress', 'completed')),
  order_id UUID NOT NULL,
  -- {status, body, headers} once completed; JSON keeps the bytes a retry must get back
  response JSON NULL,
  created_at TIMESTAMPTZ(3) NOT NULL,
  expires_at TIMESTAMPTZ(3) NOT NULL,
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
