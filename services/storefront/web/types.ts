// The API's JSON as the storefront reads it (services/products/README.md, services/orders/README.md).

export interface Product {
  product_id: string;
  tenant_id: string;
  sku: string;
  name: string;
  description: string;
  price: number;
  currency: string;
  stock_quantity: number;
  is_active: boolean;
  version: number;
  created_at: string;
  updated_at: string;
}

export interface ProductPage {
  items: Product[];
  next_cursor: string | null;
}

export const ORDER_STATUSES = ['PENDING', 'CONFIRMED', 'SHIPPED', 'DELIVERED', 'CANCELLED'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

export interface PostalAddress {
  street: string;
  city: string;
  zip_code: string;
  country: string;
  state?: string;
}

export type Address = string | PostalAddress;

export interface OrderLine {
  product_id: string;
  product_sku: string;
  product_name: string;
  quantity: number;
  unit_price: number;
  line_total: number;
}

export interface StatusChange {
  from: OrderStatus | null;
  to: OrderStatus;
  at: string;
  by: string;
  by_email?: string | null;
  reason?: string | null;
}

export interface Order {
  order_id: string;
  tenant_id: string;
  customer_id: string;
  customer_name: string | null;
  customer_email: string | null;
  customer_phone: string | null;
  shipping_address: Address;
  billing_address: Address | null;
  notes: string | null;
  status: OrderStatus;
  items: OrderLine[];
  total_amount: number;
  currency: string;
  created_at: string;
  updated_at: string;
  created_by: string;
  created_by_email: string | null;
  version: number;
  status_history: StatusChange[];
}

export interface OrderPage {
  orders: Order[];
  next_cursor: string | null;
  count: number;
}

/** The lifecycle (services/orders/src/domain/order.ts): which moves exist from each status. */
export const NEXT_STATUSES: Record<OrderStatus, OrderStatus[]> = {
  PENDING: ['CONFIRMED', 'CANCELLED'],
  CONFIRMED: ['SHIPPED', 'CANCELLED'],
  SHIPPED: ['DELIVERED'],
  DELIVERED: [],
  CANCELLED: [],
};
