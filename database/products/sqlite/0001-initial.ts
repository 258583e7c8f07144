import { Migration } from '@mikro-orm/migrations';

/**
 * Products and stock reservations on SQLite (the embedded default). Timestamps are stored as epoch
 * milliseconds, as MikroORM writes them on SQLite; names compare case-insensitively as on MySQL.
 */
export class Migration0001Initial extends Migration {
  override async up(): Promise<void> {
    this.addSql(`CREATE TABLE IF NOT EXISTS products (
  product_id TEXT NOT NULL PRIMARY KEY,
  tenant_id TEXT NOT NULL,
  sku TEXT NOT NULL,
  name TEXT NOT NULL COLLATE NOCASE,
  description TEXT NOT NULL DEFAULT '',
  price DECIMAL(10,2) NOT NULL,
  currency TEXT NOT NULL,
  stock_quantity INTEGER NOT NULL DEFAULT 0,
  is_active INTEGER NOT NULL DEFAULT 1,
  version INTEGER NOT NULL DEFAULT 1,
  created_at DATETIME NOT NULL,
  updated_at DATETIME NOT NULL,
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
  tenant_id TEXT NOT NULL,
  reservation_id TEXT NOT NULL,
  status TEXT NOT NULL,
  request_hash TEXT NOT NULL,
  created_at DATETIME NOT NULL,
  released_at DATETIME NULL,
  PRIMARY KEY (tenant_id, reservation_id),
  CONSTRAINT ck_stock_reservations_status CHECK (status IN ('active', 'released'))
)`);
    this.addSql(`CREATE TABLE IF NOT EXISTS stock_reservation_lines (
  tenant_id TEXT NOT NULL,
  reservation_id TEXT NOT NULL,
  line_no INTEGER NOT NULL,
  product_id TEXT NOT NULL,
  sku TEXT NOT NULL,
  name TEXT NOT NULL,
  quantity INTEGER NOT NULL,
  unit_price DECIMAL(10,2) NOT NULL,
  currency TEXT NOT NULL,
  PRIMARY KEY (tenant_id, reservation_id, line_no),
  FOREIGN KEY (tenant_id, reservation_id) REFERENCES stock_reservations (tenant_id, reservation_id) ON DELETE CASCADE,
  CONSTRAINT ck_stock_reservation_lines_quantity CHECK (quantity > 0)
)`);
  }

  override async down(): Promise<void> {
    this.addSql('DROP TABLE IF EXISTS stock_reservation_lines');
    this.addSql('DROP TABLE IF EXISTS stock_reservations');
    this.addSql('DROP TABLE IF EXISTS products');
  }
}
