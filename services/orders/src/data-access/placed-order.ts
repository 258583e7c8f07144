import type { Order } from '../domain/order.ts';

/**
 * An idempotency record's `response` field, as both stores keep it: the placed order as JSON. Records
 * written before it held the order held an HTTP response (`{status, body, headers}`; keys live 24 h):
 * those read back as null, and their retries answer the order as it now stands.
 */
export const placedOrderToJson = (placed: Order | null): string | null =>
  placed === null ? null : JSON.stringify(placed);

export function placedOrderOf(json: unknown): Order | null {
  const value: unknown = typeof json === 'string' ? JSON.parse(json) : json;
  return value !== null && typeof value === 'object' && 'orderId' in value ? (value as Order) : null;
}
