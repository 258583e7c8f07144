// Placing an order: the body POST /orders takes, sent with the checkout attempt's Idempotency-Key, and
// the answer sorted into what the page must do next. No DOM here; the view renders the outcome.

import { type Api, ApiError } from './api.ts';
import { type Cart, orderPayload, type ServerLine, type StockProblem } from './cart.ts';
import type { Order, PostalAddress } from './types.ts';

export interface CheckoutDetails {
  name: string;
  email: string;
  phone: string;
  shipping: PostalAddress;
  billingSameAsShipping: boolean;
  billing: PostalAddress;
  notes: string;
}

export const emptyAddress = (): PostalAddress => ({
  street: '',
  city: '',
  zip_code: '',
  country: '',
  state: '',
});

export const emptyDetails = (email = ''): CheckoutDetails => ({
  name: '',
  email,
  phone: '',
  shipping: emptyAddress(),
  billingSameAsShipping: true,
  billing: emptyAddress(),
  notes: '',
});

function address(value: PostalAddress): PostalAddress {
  const clean: PostalAddress = {
    street: value.street.trim(),
    city: value.city.trim(),
    zip_code: value.zip_code.trim(),
    country: value.country.trim(),
  };
  if (value.state?.trim()) clean.state = value.state.trim();
  return clean;
}

/** The create-order body (services/orders CreateOrderBody): contact, postal addresses, lines with the prices seen. */
export function orderBody(cart: Cart, details: CheckoutDetails) {
  const shipping = address(details.shipping);
  return {
    customer_name: details.name.trim(),
    customer_email: details.email.trim(),
    ...(details.phone.trim() ? { customer_phone: details.phone.trim() } : {}),
    shipping_address: shipping,
    billing_address: details.billingSameAsShipping ? shipping : address(details.billing),
    ...(details.notes.trim() ? { notes: details.notes.trim() } : {}),
    ...orderPayload(cart),
  };
}

export type CheckoutOutcome =
  | { kind: 'placed'; order: Order; replayed: boolean }
  | {
      kind: 'price_changed';
      items: ServerLine[];
      total: number;
      currency: string;
    }
  | { kind: 'out_of_stock'; lines: StockProblem[] }
  /** The key already made an order with another body: the first attempt went through after all. */
  | { kind: 'already_placed' }
  | { kind: 'failed'; error: unknown };

interface PriceMismatchProblem {
  server?: { items?: ServerLine[]; total_amount?: number; currency?: string };
}

/** Sends the order once (the client repeats it itself on network failure, with the same key). */
export async function placeOrder(api: Api, cart: Cart, details: CheckoutDetails): Promise<CheckoutOutcome> {
  if (!cart.checkoutKey) throw new Error('A checkout attempt needs its Idempotency-Key first.');
  try {
    const response = await api.request<{ order: Order }>('/orders', {
      method: 'POST',
      body: orderBody(cart, details),
      idempotencyKey: cart.checkoutKey,
    });
    return {
      kind: 'placed',
      order: response.data.order,
      replayed: response.headers.get('idempotent-replayed') === 'true',
    };
  } catch (error) {
    if (!(error instanceof ApiError)) return { kind: 'failed', error };
    if (error.status === 409 && error.code === 'price_mismatch') {
      const server = (error.problem as PriceMismatchProblem).server;
      if (server?.items && typeof server.total_amount === 'number' && server.currency) {
        return {
          kind: 'price_changed',
          items: server.items,
          total: server.total_amount,
          currency: server.currency,
        };
      }
    }
    if (error.status === 409 && error.code === 'insufficient_stock' && Array.isArray(error.problem.lines)) {
      return { kind: 'out_of_stock', lines: error.problem.lines as StockProblem[] };
    }
    if (error.status === 422 && error.code === 'idempotency_key_reused') return { kind: 'already_placed' };
    return { kind: 'failed', error };
  }
}
