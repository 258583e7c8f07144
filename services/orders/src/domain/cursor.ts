import { createPageCursors, type PageCursors } from '@shop/platform';

/** Where a page ended: lists run newest first by (created_at, order_id). */
export interface ListPosition {
  createdAt: string;
  orderId: string;
}

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Page cursors of order lists, signed for the list they came from (libs/platform `createPageCursors`):
 * tenant, whose orders and status filter (`listScope`). A forged, altered or foreign cursor is a 400,
 * never someone else's page.
 */
export class CursorCodec {
  readonly #cursors: PageCursors;

  constructor(secret: string | Buffer) {
    this.#cursors = createPageCursors({
      secret,
      purpose: 'orders-cursor',
      refusal: 'is not a cursor issued for this list',
    });
  }

  encode(position: ListPosition, scope: readonly string[]): string {
    return this.#cursors.encode({ d: position.createdAt, i: position.orderId }, scope);
  }

  decode(cursor: string, scope: readonly string[]): ListPosition {
    return this.#cursors.decode(cursor, scope, ({ d, i }) =>
      typeof d === 'string' && ISO.test(d) && typeof i === 'string' && UUID.test(i)
        ? { createdAt: d, orderId: i }
        : undefined,
    );
  }
}

/** The list a cursor belongs to. */
export const listScope = (
  tenantId: string,
  customerId: string | undefined,
  status: string | undefined,
): readonly string[] => [tenantId, customerId ?? '*', status ?? '*'];
