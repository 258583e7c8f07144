import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { AppError } from '@shop/platform';

/** Where a page ended: lists run newest first by (created_at, order_id). */
export interface ListPosition {
  createdAt: string;
  orderId: string;
}

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const invalid = () =>
  AppError.validation([{ in: 'query', field: 'cursor', message: 'is not a cursor issued for this list' }]);

/**
 * Opaque, signed page cursors. A cursor names a position and is bound to the list it came from (tenant,
 * whose orders, status filter): a forged, altered or foreign cursor is a 400, never someone else's page.
 */
export class CursorCodec {
  readonly #key: Buffer;

  constructor(key: string | Buffer) {
    this.#key = createHmac('sha256', key).update('orders-cursor-v1').digest();
  }

  encode(position: ListPosition, scope: string): string {
    const payload = Buffer.from(
      JSON.stringify({ d: position.createdAt, i: position.orderId, s: this.#scopeTag(scope) }),
    ).toString('base64url');
    return `${payload}.${this.#sign(payload)}`;
  }

  decode(cursor: string, scope: string): ListPosition {
    const [payload, signature, ...rest] = cursor.split('.');
    if (!payload || !signature || rest.length) throw invalid();
    const expected = Buffer.from(this.#sign(payload));
    const given = Buffer.from(signature);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) throw invalid();
    let parsed: { d?: unknown; i?: unknown; s?: unknown };
    try {
      parsed = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    } catch {
      throw invalid();
    }
    if (parsed.s !== this.#scopeTag(scope)) throw invalid();
    if (
      typeof parsed.d !== 'string' ||
      !ISO.test(parsed.d) ||
      typeof parsed.i !== 'string' ||
      !UUID.test(parsed.i)
    ) {
      throw invalid();
    }
    return { createdAt: parsed.d, orderId: parsed.i };
  }

  #sign(payload: string): string {
    return createHmac('sha256', this.#key).update(payload).digest('base64url').slice(0, 32);
  }

  #scopeTag(scope: string): string {
    return createHash('sha256').update(scope).digest('base64url').slice(0, 16);
  }
}

/** The list a cursor belongs to. */
export const listScope = (
  tenantId: string,
  customerId: string | undefined,
  status: string | undefined,
): string => JSON.stringify([tenantId, customerId ?? '*', status ?? '*']);
