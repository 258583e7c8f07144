import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { AppError } from '@shop/platform';
import type { ProductSort, SortKey } from '../domain/product.ts';

export interface CursorPosition {
  key: SortKey;
  productId: string;
}

export interface CursorCodec {
  encode(tenant: string, sort: ProductSort, position: CursorPosition): string;
  /** The position to continue from; 400 naming `cursor` for a cursor of another tenant or sort, or a forged one. */
  decode(cursor: string, tenant: string, sort: ProductSort): CursorPosition;
}

const TAG_BYTES = 16;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const invalidCursor = () =>
  AppError.validation([{ in: 'query', field: 'cursor', message: 'is not a cursor of this listing' }]);

/**
 * Opaque keyset cursors: base64url JSON of {tenant, sort, last key, last id} plus an HMAC tag. The tag
 * makes edits detectable; the tenant and sort inside bind a cursor to the listing that produced it. A
 * cursor reveals nothing the page did not already show, and the query is always scoped to the caller's
 * tenant whatever a cursor says.
 */
export function createCursorCodec(secret: string): CursorCodec {
  const key = createHash('sha256').update(`products-cursor\u0000${secret}`).digest();
  const tagOf = (payload: string) =>
    createHmac('sha256', key).update(payload).digest().subarray(0, TAG_BYTES);
  return {
    encode(tenant, sort, position) {
      const payload = Buffer.from(
        JSON.stringify({ t: tenant, s: sort, k: position.key, i: position.productId }),
      ).toString('base64url');
      return `${payload}.${tagOf(payload).toString('base64url')}`;
    },
    decode(cursor, tenant, sort) {
      const [payload, tag, ...rest] = cursor.split('.');
      if (!payload || !tag || rest.length) throw invalidCursor();
      const given = Buffer.from(tag, 'base64url');
      if (given.length !== TAG_BYTES || !timingSafeEqual(given, tagOf(payload))) throw invalidCursor();
      let state: { t?: unknown; s?: unknown; k?: unknown; i?: unknown };
      try {
        state = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
      } catch {
        throw invalidCursor();
      }
      const keyIsValid = sort.endsWith('name')
        ? typeof state.k === 'string'
        : typeof state.k === 'number' && Number.isSafeInteger(state.k);
      if (
        state.t !== tenant ||
        state.s !== sort ||
        !keyIsValid ||
        typeof state.i !== 'string' ||
        !UUID.test(state.i)
      ) {
        throw invalidCursor();
      }
      return { key: state.k as SortKey, productId: state.i };
    },
  };
}
