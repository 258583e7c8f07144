import { createHash } from 'node:crypto';
import { AppError, type FieldError, StrictObject } from '@shop/platform';
import Type, { type Static } from 'typebox';
import { Currency, ProductId, Sku } from './product.ts';

export const RESERVATION_ID_PATTERN = '^[A-Za-z0-9_-]{1,64}$';
export const STOCK_RESERVE_SCOPE = 'stock:reserve';

export const ReservationId = Type.String({
  pattern: RESERVATION_ID_PATTERN,
  description: "The caller's idempotency key for this reservation: 1–64 of [A-Za-z0-9_-].",
});

export const ReservationLineBody = StrictObject({
  product_id: Type.Optional(ProductId),
  sku: Type.Optional(Sku),
  quantity: Type.Integer({ minimum: 1, maximum: 10_000 }),
});

/** POST /stock/reservations. Each line names its product by exactly one of product_id or sku. */
export const ReservationBody = StrictObject({
  reservation_id: ReservationId,
  items: Type.Array(ReservationLineBody, { minItems: 1, maxItems: 100 }),
});
export type ReservationBody = Static<typeof ReservationBody>;

export const ReservedLineJson = Type.Object({
  product_id: ProductId,
  sku: Sku,
  name: Type.String(),
  quantity: Type.Integer(),
  unit_price: Type.Number(),
  currency: Currency,
});

export const ReservationJson = Type.Object({
  reservation_id: ReservationId,
  status: Type.Union([Type.Literal('active'), Type.Literal('released')]),
  items: Type.Array(ReservedLineJson),
  created_at: Type.String({ format: 'date-time' }),
  released_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});

export type LineRef = { productId: string; sku?: undefined } | { sku: string; productId?: undefined };

export interface ReservationLineRequest {
  /** Position in the request's `items`, for error reports. */
  index: number;
  ref: LineRef;
  quantity: number;
}

export interface ReservationRequest {
  reservationId: string;
  lines: ReservationLineRequest[];
  /** Fingerprint of the lines: a retry must send the same ones. */
  requestHash: string;
}

export interface ReservedLine {
  productId: string;
  sku: string;
  name: string;
  quantity: number;
  unitPriceMinor: number;
  currency: string;
}

export interface Reservation {
  reservationId: string;
  status: 'active' | 'released';
  lines: ReservedLine[];
  createdAt: Date;
  releasedAt: Date | null;
}

export type LineFailureReason = 'not_found' | 'inactive' | 'insufficient_stock';

export interface LineFailure {
  index: number;
  product_id?: string;
  sku?: string;
  reason: LineFailureReason;
  requested: number;
  available?: number;
}

/** What a reservation attempt came to. Only `reserved` changed any stock. */
export type ReserveOutcome =
  | { kind: 'reserved'; reservation: Reservation }
  | { kind: 'replayed'; reservation: Reservation }
  /** A retry of a reservation that has since been released: nothing is held for it any more. */
  | { kind: 'released_earlier'; reservation: Reservation }
  | { kind: 'key_reused' }
  | { kind: 'rejected'; failures: LineFailure[] }
  | { kind: 'mixed_currencies'; currencies: string[] };

/**
 * Turns a validated body into a reservation request: every line names exactly one product reference
 * (400 naming the line otherwise), ids are lower-cased, and the lines are fingerprinted so that a retry
 * with the same id can be told apart from a different request reusing it.
 */
export function reservationRequestOf(body: ReservationBody): ReservationRequest {
  const errors: FieldError[] = [];
  const lines = body.items.map((item, index): ReservationLineRequest => {
    const hasId = item.product_id !== undefined;
    const hasSku = item.sku !== undefined;
    if (hasId === hasSku) {
      errors.push({
        in: 'body',
        field: `items[${index}]`,
        message: 'needs exactly one of product_id or sku',
      });
    }
    const ref: LineRef = hasId ? { productId: item.product_id!.toLowerCase() } : { sku: item.sku ?? '' };
    return { index, ref, quantity: item.quantity };
  });
  if (errors.length) throw AppError.validation(errors);
  const canonical = lines.map((line) =>
    line.ref.productId !== undefined
      ? ['id', line.ref.productId, line.quantity]
      : ['sku', line.ref.sku, line.quantity],
  );
  const requestHash = createHash('sha256').update(JSON.stringify(canonical)).digest('hex');
  return { reservationId: body.reservation_id, lines, requestHash };
}
