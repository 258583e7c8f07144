import { AppError, type Principal, type Route, route, StrictObject, tenantOf } from '@shop/platform';
import Type from 'typebox';
import type { ProductStore } from '../domain/ports.ts';
import { releaseStock } from '../domain/release-stock.ts';
import { reserveStock } from '../domain/reserve-stock.ts';
import {
  ReservationBody,
  ReservationId,
  ReservationJson,
  reservationRequestOf,
  STOCK_RESERVE_SCOPE,
} from '../domain/stock.ts';
import { reservationJson } from './presenters.ts';

export interface StockRouteDeps {
  store: ProductStore;
}

const ReservationParams = StrictObject({ id: ReservationId });
const tags = ['stock'];

const LineFailureJson = Type.Object({
  index: Type.Integer(),
  product_id: Type.Optional(Type.String()),
  sku: Type.Optional(Type.String()),
  reason: Type.Union([
    Type.Literal('not_found'),
    Type.Literal('inactive'),
    Type.Literal('insufficient_stock'),
  ]),
  requested: Type.Integer(),
  available: Type.Optional(Type.Integer()),
});

/** Stock moves only for service callers (the orders service) holding the stock:reserve scope. */
function requireStockScope(principal: Principal | undefined): void {
  if (!principal?.scopes?.includes(STOCK_RESERVE_SCOPE)) {
    throw AppError.forbidden(`This needs a service credential with the ${STOCK_RESERVE_SCOPE} scope.`);
  }
}

/**
 * Reservations of the orders service: all lines or none, idempotent on the caller's reservation id,
 * never below zero. The tenant is the service credential's.
 */
export function stockRoutes({ store }: StockRouteDeps): Route[] {
  return [
    route({
      method: 'POST',
      path: '/stock/reservations',
      operationId: 'reserveStock',
      summary: 'Reserve stock for every line, or for none',
      tags,
      access: ['service'],
      body: ReservationBody,
      responses: {
        200: {
          description: 'A retry of an earlier reservation: its result, nothing taken again.',
          schema: ReservationJson,
        },
        201: {
          description: 'Reserved: the authoritative name, SKU, unit price and currency per line.',
          schema: ReservationJson,
        },
        400: { description: 'The body is not valid (each line needs exactly one of product_id or sku).' },
        403: { description: 'Not a service credential with the stock:reserve scope.' },
        409: {
          description:
            'Nothing reserved. Code `insufficient_stock` with `lines` (each offending line: index, product_id or ' +
            'sku, reason not_found | inactive | insufficient_stock, requested, available), or code `conflict` ' +
            'with `currencies` when the lines are priced in more than one currency, or code `conflict` with ' +
            '`reservation` when this id was reserved and has since been released.',
          schema: Type.Object({ code: Type.String(), lines: Type.Optional(Type.Array(LineFailureJson)) }),
        },
        422: {
          description: 'The reservation id was used for different items (code `idempotency_key_reused`).',
        },
        503: { description: 'The stock is busy (lock contention); retry with the same reservation id.' },
      },
      async handler({ body, principal }, ctx) {
        requireStockScope(principal);
        const outcome = await reserveStock(store, tenantOf(principal), reservationRequestOf(body));
        switch (outcome.kind) {
          case 'reserved':
            ctx.status = 201;
            ctx.set('location', `/stock/reservations/${outcome.reservation.reservationId}`);
            ctx.body = reservationJson(outcome.reservation);
            return;
          case 'replayed':
            ctx.status = 200;
            ctx.set('location', `/stock/reservations/${outcome.reservation.reservationId}`);
            ctx.body = reservationJson(outcome.reservation);
            return;
          case 'released_earlier':
            // Answering 200 here would tell the caller stock is held when it is not.
            throw AppError.conflict(
              'conflict',
              'This reservation was released; reserve again with a new reservation id.',
              { reservation: reservationJson(outcome.reservation) },
            );
          case 'key_reused':
            throw new AppError(
              422,
              'idempotency_key_reused',
              'This reservation id was already used for different items; use a new id.',
            );
          case 'rejected':
            throw AppError.conflict(
              'insufficient_stock',
              'Not every line can be reserved; nothing was reserved.',
              {
                lines: outcome.failures,
              },
            );
          case 'mixed_currencies':
            throw AppError.conflict(
              'conflict',
              'The lines are priced in different currencies; nothing was reserved.',
              {
                currencies: outcome.currencies,
              },
            );
        }
      },
    }),
    route({
      method: 'GET',
      path: '/stock/reservations/:id',
      operationId: 'getReservation',
      summary: 'Get a reservation',
      tags,
      access: ['service'],
      params: ReservationParams,
      responses: {
        200: { description: 'The reservation.', schema: ReservationJson },
        404: { description: 'No such reservation for this tenant.' },
      },
      async handler({ params, principal }, ctx) {
        requireStockScope(principal);
        const reservation = await store.getReservation(tenantOf(principal), params.id);
        if (!reservation) throw AppError.notFound('Reservation');
        ctx.body = reservationJson(reservation);
      },
    }),
    route({
      method: 'DELETE',
      path: '/stock/reservations/:id',
      operationId: 'releaseReservation',
      summary: 'Release a reservation: give its stock back (once)',
      tags,
      access: ['service'],
      params: ReservationParams,
      responses: {
        200: {
          description: 'Released (now or earlier): the reservation with status released.',
          schema: ReservationJson,
        },
        404: { description: 'No such reservation for this tenant.' },
      },
      async handler({ params, principal }, ctx) {
        requireStockScope(principal);
        const reservation = await releaseStock(store, tenantOf(principal), params.id);
        if (!reservation) throw AppError.notFound('Reservation');
        ctx.body = reservationJson(reservation);
      },
    }),
  ];
}
