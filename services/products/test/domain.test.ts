import { describe, expect, it } from 'vitest';
import { reservationRequestOf } from '../src/domain/stock.ts';
import { createCursorCodec } from '../src/http/cursor.ts';

describe('reservation requests', () => {
  it('When the same lines are sent twice, then the fingerprint is the same; other lines, another one', () => {
    const id = 'D3B0F1E4-1C2B-4B8A-9A0E-0E5F1D2C3B4A';
    const a = reservationRequestOf({ reservation_id: 'r1', items: [{ product_id: id, quantity: 1 }] });
    const b = reservationRequestOf({
      reservation_id: 'r1',
      items: [{ product_id: id.toLowerCase(), quantity: 1 }],
    });
    const c = reservationRequestOf({ reservation_id: 'r1', items: [{ product_id: id, quantity: 2 }] });
    const d = reservationRequestOf({ reservation_id: 'r1', items: [{ sku: id, quantity: 1 }] });

    expect(a.requestHash).toBe(b.requestHash);
    expect(a.lines).toEqual([{ index: 0, ref: { productId: id.toLowerCase() }, quantity: 1 }]);
    expect(new Set([a.requestHash, c.requestHash, d.requestHash]).size).toBe(3);
  });

  it('When a line names its product twice or not at all, then 400 names each such line', () => {
    const attempt = () =>
      reservationRequestOf({
        reservation_id: 'r1',
        items: [
          { quantity: 1 },
          { sku: 'A', quantity: 1 },
          { sku: 'A', product_id: crypto.randomUUID(), quantity: 1 },
        ],
      });

    expect(attempt).toThrow(
      expect.objectContaining({
        status: 400,
        errors: [
          { in: 'body', field: 'items[0]', message: 'needs exactly one of product_id or sku' },
          { in: 'body', field: 'items[2]', message: 'needs exactly one of product_id or sku' },
        ],
      }),
    );
  });
});

describe('cursors', () => {
  const codec = createCursorCodec('a secret long enough for the test');
  const position = { key: 1999, productId: '0b9f6c1e-2d4a-4c8e-9f10-6a7b8c9d0e01' };

  it('When a cursor comes back to the listing that made it, then it decodes to the same position', () => {
    const cursor = codec.encode('acme', 'price', position);

    expect(cursor).toMatch(/^[\w-]+\.[\w-]+$/);
    expect(codec.decode(cursor, 'acme', 'price')).toEqual(position);
  });

  it('When a cursor comes from another secret, tenant or sort, then it is refused', () => {
    const cursor = codec.encode('acme', 'price', position);
    const foreign = createCursorCodec('another secret entirely, also long').encode('acme', 'price', position);

    for (const [value, tenant, sort] of [
      [foreign, 'acme', 'price'],
      [cursor, 'globex', 'price'],
      [cursor, 'acme', '-price'],
      [cursor, 'acme', 'name'],
      ['', 'acme', 'price'],
      ['a.b.c', 'acme', 'price'],
    ] as const) {
      expect(() => codec.decode(value, tenant, sort)).toThrow(expect.objectContaining({ status: 400 }));
    }
  });
});
