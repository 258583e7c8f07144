import { defineEntity, type InferEntity, p } from '@mikro-orm/core';

/**
 * The tables, declared without decorators and listed explicitly at ORM start (no folder discovery), so
 * a bundled build still finds them. The schema itself is owned by the migrations in database/products.
 */
export const ProductEntity = defineEntity({
  name: 'Product',
  tableName: 'products',
  properties: {
    productId: p.uuid().primary(),
    tenantId: p.string(),
    sku: p.string(),
    name: p.string(),
    description: p.text(),
    price: p.decimal(),
    currency: p.string(),
    stockQuantity: p.integer(),
    isActive: p.boolean(),
    version: p.integer(),
    createdAt: p.datetime(3),
    updatedAt: p.datetime(3),
  },
});
export type ProductRow = InferEntity<typeof ProductEntity>;

export const StockReservationEntity = defineEntity({
  name: 'StockReservation',
  tableName: 'stock_reservations',
  properties: {
    tenantId: p.string().primary(),
    reservationId: p.string().primary(),
    status: p.string(),
    requestHash: p.string(),
    createdAt: p.datetime(3),
    releasedAt: p.datetime(3).nullable(),
  },
});
export type StockReservationRow = InferEntity<typeof StockReservationEntity>;

export const StockReservationLineEntity = defineEntity({
  name: 'StockReservationLine',
  tableName: 'stock_reservation_lines',
  properties: {
    tenantId: p.string().primary(),
    reservationId: p.string().primary(),
    lineNo: p.integer().primary(),
    productId: p.uuid(),
    sku: p.string(),
    name: p.string(),
    quantity: p.integer(),
    unitPrice: p.decimal(),
    currency: p.string(),
  },
});
export type StockReservationLineRow = InferEntity<typeof StockReservationLineEntity>;

export const entities = [ProductEntity, StockReservationEntity, StockReservationLineEntity];
