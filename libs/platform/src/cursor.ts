import { createHmac, timingSafeEqual } from 'node:crypto';
import { AppError } from './errors.ts';

/**
 * Opaque, signed page cursors: `<payload>.<tag>`, the payload base64url JSON of where a page ended, the
 * tag an HMAC-SHA-256 (16 bytes) over the list's scope and the payload. The scope (tenant first, then
 * whatever else makes the list: sort, customer, filter) is signed but never written into the cursor, so
 * a cursor reveals nothing the page did not show, and one replayed on another tenant's or another
 * scope's list, edited, or made with another key is a 400 naming `cursor`, never someone else's page.
 */
export interface PageCursors {
  encode(position: Readonly<Record<string, unknown>>, scope: readonly string[]): string;
  /** `read` checks the decoded position's shape and types it; `undefined` refuses the cursor (400). */
  decode<Position>(
    cursor: string,
    scope: readonly string[],
    read: (position: Readonly<Record<string, unknown>>) => Position | undefined,
  ): Position;
}

export interface PageCursorOptions {
  /** Any length; the signing key is derived from it and `purpose`. */
  secret: string | Buffer;
  /** Separates one service's cursors from another's made with the same secret, e.g. `orders-cursor`. */
  purpose: string;
  /** The message of the 400 for a cursor that is refused, e.g. `is not a cursor of this listing`. */
  refusal: string;
}

const TAG_BYTES = 16;

export function createPageCursors({ secret, purpose, refusal }: PageCursorOptions): PageCursors {
  const key = createHmac('sha256', secret).update(`page-cursor\u0000${purpose}`).digest();
  const tagOf = (scope: readonly string[], payload: string) =>
    createHmac('sha256', key)
      .update(JSON.stringify(scope))
      .update('\u0000')
      .update(payload)
      .digest()
      .subarray(0, TAG_BYTES);
  const refused = () => AppError.validation([{ in: 'query', field: 'cursor', message: refusal }]);

  return {
    encode(position, scope) {
      const payload = Buffer.from(JSON.stringify(position)).toString('base64url');
      return `${payload}.${tagOf(scope, payload).toString('base64url')}`;
    },
    decode(cursor, scope, read) {
      const [payload, tag, ...rest] = cursor.split('.');
      if (!payload || !tag || rest.length) throw refused();
      const given = Buffer.from(tag, 'base64url');
      if (given.length !== TAG_BYTES || !timingSafeEqual(given, tagOf(scope, payload))) throw refused();
      let position: unknown;
      try {
        position = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
      } catch {
        throw refused();
      }
      if (typeof position !== 'object' || position === null || Array.isArray(position)) throw refused();
      const typed = read(position as Record<string, unknown>);
      if (typed === undefined) throw refused();
      return typed;
    },
  };
}
