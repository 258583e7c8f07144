import type { Minor } from '@shop/platform';

export const ORDER_STATUSES = ['PENDING', 'CONFIRMED', 'SHIPPED', 'DELIVERED', 'CANCELLED'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

/** A postal address as seed 004 sends it; seed 001 sends one free-text line. */
export interface PostalAddress {
  street: string;
  city: string;
  zip_code: string;
  country: string;
  state?: string;
}
export type Address = string | PostalAddress;

export interface OrderLine {
  productId: string;
  productSku: string;
  productName: string;
  quantity: number;
  unitPrice: Minor;
  lineTotal: Minor;
}

export interface StatusChange {
  from: OrderStatus | null;
  to: OrderStatus;
  at: string;
  by: string;
  byEmail: string | null;
  reason: string | null;
}

/** An order as the service holds it: tenant-scoped, money in minor units, times as ISO-8601 UTC strings. */
export interface Order {
  orderId: string;
  tenantId: string;
  customerId: string;
  customerName: string | null;
  customerEmail: string | null;
  customerPhone: string | null;
  shippingAddress: Address;
  billingAddress: Address | null;
  notes: string | null;
  status: OrderStatus;
  items: OrderLine[];
  total: Minor;
  currency: string;
  createdAt: string;
  updatedAt: string;
  createdBy: string;
  createdByEmail: string | null;
  version: number;
  statusHistory: StatusChange[];
}

/** The lifecycle: every move an order may make, and the moves a customer may make on their own order. */
const transitions: Record<OrderStatus, readonly OrderStatus[]> = {
  PENDING: ['CONFIRMED', 'CANCELLED'],
  CONFIRMED: ['SHIPPED', 'CANCELLED'],
  SHIPPED: ['DELIVERED'],
  DELIVERED: [],
  CANCELLED: [],
};

const customerTransitions: Partial<Record<OrderStatus, readonly OrderStatus[]>> = {
  PENDING: ['CANCELLED'],
};

export type TransitionVerdict = 'allowed' | 'illegal' | 'forbidden';

/**
 * Whether `actor` may move an order from `from` to `to`. A move the lifecycle never allows is `illegal`
 * (409 for anyone); a legal move reserved to admins is `forbidden` for the customer (403).
 */
export function judgeTransition(
  from: OrderStatus,
  to: OrderStatus,
  actor: 'admin' | 'customer',
): TransitionVerdict {
  if (!transitions[from].includes(to)) return 'illegal';
  if (actor === 'admin') return 'allowed';
  return customerTransitions[from]?.includes(to) ? 'allowed' : 'forbidden';
}

export const allowedTransitions = (from: OrderStatus): readonly OrderStatus[] => transitions[from];
