import { Migration } from '@mikro-orm/migrations';

/**
 * Orders service schema for MySQL 8 and MariaDB 10.11.
 * Binary collation: tenant ids, customer ids and idempotency keys are case-sensitive.
 * Statements are idempotent (IF NOT EXISTS, indexes inline) because MySQL DDL cannot run in a transaction.
 */
export class V001CreateOrders extends Migration {
  override async up(): Promise<void> {
    this.addSql(`CREATE TABLE IF NOT EXISTS orders (
  order_id CHAR(36) NOT NULL,
  tenant_id VARCHAR(128) NOT NULL,
  customer_id VARCHAR(255) NOT NULL,
  customer_name VARCHAR(200) NULL,
  customer_email VARCHAR(320) NULL,
  customer_phone VARCHAR(32) NULL,
  -- JSON text: one free-text line (seed 001) or a postal address object (seed 004)
  shipping_address TEXT NOT NULL,
  billing_address TEXT NULL,
  notes TEXT NULL,
  status VARCHAR(16) NOT NULL DEFAULT 'PENDING',
  total_amount DECIMAL(15,2) NOT NULL,
  currency CHAR(3) NOT NULL,
  created_by VARCHAR(255) NOT NULL,
  created_by_email VARCHAR(320) NULL,
  version INT NOT NULL DEFAULT 1,
  created_at DATETIME(3) NOT NULL,
  updated_at DATETIME(3) NOT NULL,
  PRIMARY KEY (order_id),
  INDEX orders_tenant_order (tenant_id, order_id),
  INDEX orders_tenant_created_by (tenant_id, created_by),
  INDEX orders_tenant_customer_created (tenant_id, customer_id, created_at, order_id),
  INDEX orders_tenant_created (tenant_id, created_at, order_id),
  INDEX orders_tenant_status_created (tenant_id, status, created_at, order_id),
  CONSTRAINT orders_status_check CHECK (status IN ('PENDING', 'CONFIRMED', 'SHIPPED', 'DELIVERED', 'CANCELLED')),
  CONSTRAINT orders_total_check CHECK (total_amount >= 0),
  CONSTRAINT orders_version_check CHECK (version >= 1)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin`);
    this.addSql(`CREATE TABLE IF NOT EXISTS order_items (
  order_id CHAR(36) NOT NULL,
  line_no SMALLINT NOT NULL,
  product_id CHAR(36) NOT NULL,
  product_sku VARCHAR(64) NOT NULL,
  product_name VARCHAR(255) NOT NULL,
  quantity INT NOT NULL,
  unit_price DECIMAL(10,2) NOT NULL,
  line_total DECIMAL(15,2) NOT NULL,
  PRIMARY KEY (order_id, line_no),
  INDEX order_items_product (product_id),
  CONSTRAINT order_items_order_fk FOREIGN KEY (order_id) REFERENCES orders (order_id) ON DELETE CASCADE,
  CONSTRAINT order_items_quantity_check CHECK (quantity > 0),
  CONSTRAINT order_items_price_check CHECK (unit_price >= 0)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin`);
    this.addSql(`CREATE TABLE IF NOT EXISTS order_status_history (
  order_id CHAR(36) NOT NULL,
  seq INT NOT NULL,
  from_status VARCHAR(16) NULL,
  to_status VARCHAR(16) NOT NULL,
  changed_at DATETIME(3) NOT NULL,
  changed_by VARCHAR(255) NOT NULL,
  changed_by_email VARCHAR(320) NULL,
  reason VARCHAR(500) NULL,
  PRIMARY KEY (order_id, seq),
  CONSTRAINT order_status_history_order_fk FOREIGN KEY (order_id) REFERENCES orders (order_id) ON DELETE CASCADE,
  CONSTRAINT order_status_history_to_check CHECK (to_status IN ('PENDING', 'CONFIRMED', 'SHIPPED', 'DELIVERED', 'CANCELLED'))
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin`);
    this.addSql(`CREATE TABLE IF NOT EXISTS idempotency_keys (
  tenant_id VARCHAR(128) NOT NULL,
  customer_id VARCHAR(255) NOT NULL,
  idem_key VARCHAR(255) NOT NULL,
  request_hash CHAR(64) NOT NULL,
  claim_token CHAR(36) NOT NULL,
  state VARCHAR(16) NOT NULL,
  order_id CHAR(36) NOT NULL,
  -- JSON of {status, body, headers} once completed
  response MEDIUMTEXT NULL,
  created_at DATETIME(3) NOT NULL,
  expires_at DATETIME(3) NOT NULL,
  PRIMARY KEY (tenant_id, customer_id, idem_key),
  INDEX idempotency_keys_expires (expires_at),
  CONSTRAINT idempotency_keys_state_check CHECK (state IN ('in_progress', 'completed'))
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin`);
  }

  override async down(): Promise<void> {
    this.addSql('DROP TABLE IF EXISTS idempotency_keys');
    this.addSql('DROP TABLE IF EXISTS order_status_history');
    this.addSql('DROP TABLE IF EXISTS order_items');
    this.addSql('DROP TABLE IF EXISTS orders');
  }
}
