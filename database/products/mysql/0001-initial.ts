import { Migration } from '@mikro-orm/migrations';

/**
 * Products and stock reservations on MySQL 8 / MariaDB 10.11 (kept to the syntax both accept).
 * Identifiers that decide tenancy and uniqueness (tenant_id, product_id, sku, reservation_id) use a
 * binary collation, so 'Acme' and 'acme' are different tenants and SKUs, as on PostgreSQL and SQLite;
 * names sort case-insensitively.
 */
export class Migration0001Initial extends Migration {
  override async up(): Promise<void> {
    this.addSql(`CREATE TABLE IF NOT EXISTS products (
  product_id CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  tenant_id VARCHAR(128) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  sku VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  name VARCHAR(200) NOT NULL,
  description TEXT NOT NULL,
  price DECIMAL(10,2) NOT NULL,
  currency CHAR(3) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  stock_quantity INT NOT NULL DEFAULT 0,
  is_active BOOLEAN NOT NULL DEFAULT TRUE,
  version INT NOT NULL DEFAULT 1,
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
  PRIMARY KEY (product_id),
  UNIQUE KEY uq_products_tenant_sku (tenant_id, sku),
  KEY ix_products_tenant_name (tenant_id, name, product_id),
  KEY ix_products_tenant_price (tenant_id, price, product_id),
  KEY ix_products_tenant_created (tenant_id, created_at, product_id),
  CONSTRAINT ck_products_stock CHECK (stock_quantity >= 0),
  CONSTRAINT ck_products_price CHECK (price > 0)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
    this.addSql(`CREATE TABLE IF NOT EXISTS stock_reservations (
  tenant_id VARCHAR(128) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  reservation_id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  status VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  request_hash CHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  created_at DATETIME(3) NOT NULL,
  released_at DATETIME(3) NULL,
  PRIMARY KEY (tenant_id, reservation_id),
  CONSTRAINT ck_stock_reservations_status CHECK (status IN ('active', 'released'))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
    this.addSql(`CREATE TABLE IF NOT EXISTS stock_reservation_lines (
  tenant_id VARCHAR(128) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  reservation_id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  line_no INT NOT NULL,
  product_id CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  sku VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  name VARCHAR(200) NOT NULL,
  quantity INT NOT NULL,
  unit_price DECIMAL(10,2) NOT NULL,
  currency CHAR(3) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  PRIMARY KEY (tenant_id, reservation_id, line_no),
  CONSTRAINT fk_stock_reservation_lines_reservation FOREIGN KEY (tenant_id, reservation_id)
    REFERENCES stock_reservations (tenant_id, reservation_id) ON DELETE CASCADE,
  CONSTRAINT ck_stock_reservation_lines_quantity CHECK (quantity > 0)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
  }

  override async down(): Promise<void> {
    this.addSql('DROP TABLE IF EXISTS stock_reservation_lines');
    this.addSql('DROP TABLE IF EXISTS stock_reservations');
    this.addSql('DROP TABLE IF EXISTS products');
  }
}
