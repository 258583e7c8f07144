import {
  AppError,
  etagOf,
  fromMinor,
  headerOf,
  ifMatchVersion,
  type Route,
  requirePrincipal,
  route,
} from '@shop/platform';
import type { Context } from 'koa';
import { parseIdempotencyKey } from '../domain/idempotency.ts';
import type { OrdersService, Page } from '../domain/orders-service.ts';
import type { PricedOrder } from '../domain/place-order.ts';
import {
  CreateOrderBody,
  CustomerOrdersQuery,
  CustomerParams,
  GetOrderQuery,
  ListOrdersQuery,
  OrderEnvelopeJson,
  OrderJson,
  OrderPage,
  OrderParams,
  UpdateOrderBody,
} from '../domain/schemas.ts';
import { orderJson, orderLineJson } from './presenters.ts';

const shopper = ['admin', 'customer'] as const;
const tags = ['orders'];

const invalid = { 400: { description: 'Invalid body, query, path or header; `errors` names each field.' } };
const noSuchOrder = {
  404: { description: 'No such order for this caller (other tenants’ and customers’ orders included).' },
};

const pageToJson = (page: Page) => ({
  orders: page.orders.map(orderJson),
  next_cursor: page.nextCursor,
  count: page.orders.length,
});

/** 409 with the server's figures: what the client should have sent. */
const priceMismatch = (priced: PricedOrder) =>
  AppError.conflict(
    'price_mismatch',
    'The prices or total sent differ from the catalog; nothing was ordered.',
    {
      mismatches: priced.mismatches,
      server: {
        items: priced.items.map(orderLineJson),
        total_amount: fromMinor(priced.total),
        currency: priced.currency,
      },
    },
  );

/** The orders API: thin adapters from HTTP to the use cases, declared once for validation and OpenAPI. */
export function orderRoutes(orders: OrdersService): Route[] {
  return [
    route({
      method: 'POST',
      path: '/orders',
      operationId: 'placeOrder',
      summary: 'Place an order (seed 001 or seed 004 payload); prices come from the catalog.',
      tags,
      access: shopper,
      body: CreateOrderBody,
      headers: {
        'Idempotency-Key': {
          description:
            'Retries with the same key and body answer the first 201 and create nothing; another body → 422.',
        },
      },
      responses: {
        201: {
          description: 'Created (or, for a retried Idempotency-Key, the first response again).',
          schema: OrderEnvelopeJson,
          headers: {
            Location: 'The new order.',
            ETag: 'Its version.',
            'Idempotent-Replayed': '`true` on a replay.',
          },
        },
        ...invalid,
        409: {
          description:
            '`price_mismatch` (with the server’s figures), `insufficient_stock` (with the lines), or ' +
            '`idempotency_in_progress` (with Retry-After).',
        },
        422: { description: '`idempotency_key_reused`: the key was used with another body.' },
        503: {
          description: 'The products service is unavailable; nothing was ordered. Retry-After says when.',
        },
      },
      async handler({ body, principal }, ctx) {
        // Sent but empty is a key that is not valid (400), not a request without one: a client whose
        // key came out blank would otherwise lose its retry protection without noticing.
        const sent = ctx.headers['idempotency-key'] !== undefined;
        const key = parseIdempotencyKey(sent ? ctx.get('idempotency-key') : undefined);
        const outcome = await orders.placeOrder(requirePrincipal(principal), body, key);
        if (outcome.kind === 'price_mismatch') throw priceMismatch(outcome.priced);
        const { order, replayed } = outcome;
        ctx.status = 201;
        ctx.set({ location: `/orders/${order.orderId}`, etag: etagOf(order.version) });
        if (replayed) ctx.set('idempotent-replayed', 'true');
        ctx.body = { message: 'Order created successfully', order: orderJson(order) };
      },
    }),
    route({
      method: 'GET',
      path: '/orders',
      operationId: 'listOrders',
      summary: 'List orders, newest first: a customer’s own, or the tenant’s for admins.',
      tags,
      access: shopper,
      query: ListOrdersQuery,
      responses: { 200: { description: 'A page of orders.', schema: OrderPage }, ...invalid },
      async handler({ query, principal }, ctx) {
        ctx.body = pageToJson(await orders.listOrders(requirePrincipal(principal), query));
      },
    }),
    route({
      method: 'GET',
      path: '/orders/:order_id',
      operationId: 'getOrder',
      summary: 'Read one order.',
      tags,
      access: shopper,
      params: OrderParams,
      query: GetOrderQuery,
      responses: {
        200: {
          description: 'The order.',
          schema: OrderJson,
          headers: { ETag: 'Its version, for If-Match.' },
        },
        ...invalid,
        ...noSuchOrder,
      },
      async handler({ params, query, principal }, ctx) {
        const order = await orders.getOrder(requirePrincipal(principal), params.order_id, query.customer_id);
        ctx.set('etag', etagOf(order.version));
        ctx.body = orderJson(order);
      },
    }),
    route({
      method: 'PUT',
      path: '/orders/:order_id',
      operationId: 'updateOrderStatus',
      summary: 'Change an order’s status (admins any legal move; customers cancel their own PENDING order).',
      tags,
      access: shopper,
      params: OrderParams,
      body: UpdateOrderBody,
      headers: { 'If-Match': { description: 'The ETag read; a stale one is refused with 412.' } },
      responses: {
        200: { description: 'Updated.', schema: OrderEnvelopeJson, headers: { ETag: 'The new version.' } },
        ...invalid,
        403: {
          description:
            'A customer may only cancel their own PENDING order (code `forbidden`), or the token names no tenant.',
        },
        ...noSuchOrder,
        409: { description: '`invalid_transition`, naming from, to and the allowed moves.' },
        412: { description: 'If-Match names an older version.' },
        503: { description: 'Cancelling could not give the stock back; the order is unchanged.' },
      },
      async handler({ params, body, principal }, ctx) {
        const ifMatch = ifMatchVersion(headerOf(ctx, 'if-match'));
        const order = await orders.changeStatus(requirePrincipal(principal), params.order_id, body, ifMatch);
        ctx.set('etag', etagOf(order.version));
        ctx.body = { message: 'Order updated successfully', order: orderJson(order) };
      },
    }),
    route({
      method: 'GET',
      path: '/customers/:customer_id/orders',
      operationId: 'listCustomerOrders',
      summary: 'One customer’s orders, newest first (customers: only their own id).',
      tags,
      access: shopper,
      params: CustomerParams,
      query: CustomerOrdersQuery,
      responses: {
        200: { description: 'A page of orders.', schema: OrderPage },
        ...invalid,
        404: { description: 'A customer asked for another customer’s orders.' },
      },
      async handler({ params, query, principal }, ctx: Context) {
        ctx.body = pageToJson(
          await orders.listCustomerOrders(requirePrincipal(principal), params.customer_id, query),
        );
      },
    }),
  ];
}
