import { fromMinor } from '@shop/platform';
import type { Product, ProductJson } from '../domain/product.ts';
import type { Reservation } from '../domain/stock.ts';

export const productJson = (product: Product): ProductJson => ({
  product_id: product.productId,
  tenant_id: product.tenantId,
  sku: product.sku,
  name: product.name,
  description: product.description,
  price: fromMinor(product.priceMinor),
  currency: product.currency,
  stock_quantity: product.stockQuantity,
  is_active: product.isActive,
  version: product.version,
  created_at: product.createdAt.toISOString(),
  updated_at: product.updatedAt.toISOString(),
});

export const reservationJson = (reservation: Reservation) => ({
  reservation_id: reservation.reservationId,
  status: reservation.status,
  items: reservation.lines.map((line) => ({
    product_id: line.productId,
    sku: line.sku,
    name: line.name,
    quantity: line.quantity,
    unit_price: fromMinor(line.unitPriceMinor),
    currency: line.currency,
  })),
  created_at: reservation.createdAt.toISOString(),
  released_at: reservation.releasedAt?.toISOString() ?? null,
});
