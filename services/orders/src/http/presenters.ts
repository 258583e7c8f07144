import { fromMinor } from '@shop/platform';
import type { Order, OrderLine, StatusChange } from '../domain/order.ts';

/** An order line as the API shows it: money as numbers with two decimals. */
export const orderLineJson = (line: OrderLine) => ({
  product_id: line.productId,
  product_sku: line.productSku,
  product_name: line.productName,
  quantity: line.quantity,
  unit_price: fromMinor(line.unitPrice),
  line_total: fromMinor(line.lineTotal),
});

const changeToJson = (change: StatusChange) => ({
  from: change.from,
  to: change.to,
  at: change.at,
  by: change.by,
  by_email: change.byEmail,
  reason: change.reason,
});

/** The order as every route answers it. `order_status` and `order_date` keep seed 004's names. */
export function orderJson(order: Order) {
  return {
    order_id: order.orderId,
    tenant_id: order.tenantId,
    customer_id: order.customerId,
    customer_name: order.customerName,
    customer_email: order.customerEmail,
    customer_phone: order.customerPhone,
    shipping_address: order.shippingAddress,
    billing_address: order.billingAddress,
    notes: order.notes,
    status: order.status,
    order_status: order.status,
    items: order.items.map(orderLineJson),
    total_amount: fromMinor(order.total),
    currency: order.currency,
    created_at: order.createdAt,
    updated_at: order.updatedAt,
    order_date: order.createdAt,
    created_by: order.createdBy,
    created_by_email: order.createdByEmail,
    version: order.version,
    status_history: order.statusHistory.map(changeToJson),
  };
}
