import { createPageCursors } from '@shop/platform';
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

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Keyset cursors of the product listing: the last row's sort key and id, signed for the tenant and the
 * sort (libs/platform `createPageCursors`). The query is scoped to the caller's tenant whatever a cursor says.
 */
export function createCursorCodec(secret: string): CursorCodec {
  const cursors = createPageCursors({
    secret,
    purpose: 'products-cursor',
    refusal: 'is not a cursor of this listing',
  });
  return {
    encode: (tenant, sort, position) =>
      cursors.encode({ k: position.key, i: position.productId }, [tenant, sort]),
    decode: (cursor, tenant, sort) =>
      cursors.decode(cursor, [tenant, sort], ({ k, i }) => {
        const keyIsValid = sort.endsWith('name')
          ? typeof k === 'string'
          : typeof k === 'number' && Number.isSafeInteger(k);
        return keyIsValid && typeof i === 'string' && UUID.test(i)
          ? { key: k as SortKey, productId: i }
          : undefined;
      }),
  };
}
