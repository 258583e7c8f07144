import { Migration } from '@mikro-orm/migrations';

/** Products and stock reservations on PostgreSQL 14+. */
export class Migration0001Initial extends Migration {
  override async up(): Promise<void> {
    this.addSql(`CREATE TABLE IF NOT EXISTS products (
  product_id UUID NOT NULL,
  tenant_id VARCHAR(128) NOT NULL,
  sku VARCHAR(64) NOT NULL,
  name VARCHAR(200) NOT NULL,
  description TEXT NOT NULL,
  price NUMERIC(10,2) NOT NULL,
  currency CHAR(3) NOT NULL,
  stock_quantity INTEGER NOT NULL DEFAULT 0,
  is_active BOOLEAN NOT NULL DEFAULT TRUE,
  version INTEGER NOT NULL DEFAULT 1,
  created_at TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  updated_at TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  CONSTRAINT pk_products PRIMARY KEY (product_id),
  CONSTRAINT uq_products_tenant_sku UNIQUE (tenant_id, sku),
  CONSTRAINT ck_products_stock CHECK (stock_quantity >= 0),
  CONSTRAINT ck_products_price CHECK (price > 0)
)`);
    this.addSql(
      'CREATE INDEX IF NOT EXISTS ix_products_tenant_name ON products (tenant_id, name, product_id)',
    );
    this.addSql(
      'CREATE INDEX IF NOT EXISTS ix_products_tenant_price ON products (tenant_id, price, product_id)',
    );
    this.addSql(
      'CREATE INDEX IF NOT EXISTS ix_products_tenant_created ON products (tenant_id, created_at, product_id)',
    );
    this.addSql(`CREATE TABLE IF NOT EXISTS stock_reservations (
  tenant_id VARCHAR(128) NOT NULL,
  reservation_id VARCHAR(64) NOT NULL,
  status VARCHAR(16) NOT NULL,
  request_hash CHAR(64) NOT NULL,
  created_at TIMESTAMPTZ(3) NOT NULL,
  released_at TIMESTAMPTZ(3) NULL,
  CONSTRAINT pk_stock_reservations PRIMARY KEY (tenant_id, reservation_id),
  CONSTRAINT ck_stock_reservations_status CHECK (status IN ('active', 'released'))
)`);
    this.addSql(`CREATE TABLE IF NOT EXISTS stock_reservation_lines (
  tenant_id VARCHAR(128) NOT NULL,
  reservation_id VARCHAR(64) NOT NULL,
  line_no INTEGER NOT NULL,
  product_id UUID NOT NULL,
  sku VARCHAR(64) NOT NULL,
  name VARCHAR(200) NOT NULL,
  quantity INTEGER NOT NULL,
  unit_price NUMERIC(10,2) NOT NULL,
  currency CHAR(3) NOT NULL,
  CONSTRAINT pk_stock_reservation_lines PRIMARY KEY (tenant_id, reservation_id, line_no),
  CONSTRAINT fk_stock_reservation_lines_reservation FOREIGN KEY (tenant_id, reservation_id)
    REFERENCES stock_reservations (tenant_id, reservation_id) ON DELETE CASCADE,
  CONSTRAINT ck_stock_reservation_lines_quantity CHECK (quantity > 0)
)`);
  }

  override async down(): Promise<void> {
    this.addSql('DROP TABLE IF EXISTS stock_reservation_lines');
    this.addSql('DROP TABLE IF EXISTS stock_reservations');
    this.addSql('DROP TABLE IF EXISTS products');
  }
}
