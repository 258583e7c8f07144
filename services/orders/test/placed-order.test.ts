import { describe, expect, it } from 'vitest';
import { placedOrderOf, placedOrderToJson } from '../src/data-access/placed-order.ts';
import type { Order } from '../src/domain/order.ts';

const order: Order = {
  orderId: '6c1a4f0e-2b1d-4c55-9a61-0d3f1e2a3b4c',
  tenantId: 'acme',
  customerId: 'alice',
  customerName: 'Alice',
  customerEmail: null,
  customerPhone: null,
  shippingAddress: { street: '1 Main St', city: 'Springfield', zip_code: '12345', country: 'USA' },
  billingAddress: null,
  notes: null,
  status: 'PENDING',
  items: [],
  total: 2800,
  currency: 'USD',
  createdAt: '2026-12-04T16:00:00.000Z',
  updatedAt: '2026-12-04T16:00:00.000Z',
  createdBy: 'alice',
  createdByEmail: null,
  version: 1,
  statusHistory: [],
};

describe("an idempotency record's placed order, as the stores keep it", () => {
  it('When an order is written and read back, then it is the same order', () => {
    expect(placedOrderOf(placedOrderToJson(order))).toEqual(order);
    expect(placedOrderOf(JSON.parse(placedOrderToJson(order)!))).toEqual(order);
  });

  it('When nothing was placed yet, then nothing is written and null reads back', () => {
    expect(placedOrderToJson(null)).toBeNull();
    expect(placedOrderOf(null)).toBeNull();
  });

  it('When the record was written before keys held the order (an HTTP response), then it reads as null', () => {
    const legacy = { status: 201, body: { message: 'Order created successfully' }, headers: { etag: '"1"' } };
    expect(placedOrderOf(JSON.stringify(legacy))).toBeNull();
    expect(placedOrderOf(legacy)).toBeNull();
  });
});
