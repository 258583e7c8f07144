import type { AppError } from '@shop/platform';
import { describe, expect, test } from 'vitest';
import { CursorCodec, listScope } from '../src/domain/cursor.ts';
import { requestHashOf } from '../src/domain/idempotency.ts';
import { judgeTransition, ORDER_STATUSES, type OrderStatus } from '../src/domain/order.ts';
import { priceOrder, type ReservedLine, toPlaceOrderCommand } from '../src/domain/place-order.ts';

const reserved = (overrides: Partial<ReservedLine> = {}): ReservedLine => ({
  productId: '0b8f3c1e-5a4d-4c55-9d0e-0f4b2f8a9c11',
  sku: 'WIDGET-A-001',
  name: 'Widget A',
  quantity: 2,
  unitPrice: 2999,
  currency: 'USD',
  ...overrides,
});

const thrown = (work: () => unknown): AppError => {
  try {
    work();
  } catch (error) {
    return error as AppError;
  }
  throw new Error('expected an error');
};

describe('lifecycle', () => {
  const legal = new Set([
    'PENDING>CONFIRMED',
    'PENDING>CANCELLED',
    'CONFIRMED>SHIPPED',
    'CONFIRMED>CANCELLED',
    'SHIPPED>DELIVERED',
  ]);
  const pairs = ORDER_STATUSES.flatMap((from) =>
    ORDER_STATUSES.map((to) => [from, to] as [OrderStatus, OrderStatus]),
  );

  test.each(pairs)(
    'When an order goes from %s to %s, then admins and customers are judged by the lifecycle',
    (from, to) => {
      const isLegal = legal.has(`${from}>${to}`);

      expect(judgeTransition(from, to, 'admin')).toBe(isLegal ? 'allowed' : 'illegal');
      expect(judgeTransition(from, to, 'customer')).toBe(
        !isLegal ? 'illegal' : from === 'PENDING' && to === 'CANCELLED' ? 'allowed' : 'forbidden',
      );
    },
  );
});

describe('pricing', () => {
  const command = (body: Record<string, unknown>) =>
    toPlaceOrderCommand({
      shipping_address: 'x',
      items: [{ product_sku: 'WIDGET-A-001', quantity: 2 }],
      ...body,
    } as never);

  test('When the client sent no prices, then the order is priced from the reservation alone', () => {
    expect(priceOrder(command({}), [reserved()])).toEqual({
      items: [
        {
          productId: reserved().productId,
          productSku: 'WIDGET-A-001',
          productName: 'Widget A',
          quantity: 2,
          unitPrice: 2999,
          lineTotal: 5998,
        },
      ],
      total: 5998,
      currency: 'USD',
      mismatches: [],
    });
  });

  test('When the client’s unit price, total and currency all differ, then each is listed with both figures', () => {
    const priced = priceOrder(
      command({
        currency: 'EUR',
        total_amount: 60,
        items: [{ product_sku: 'WIDGET-A-001', quantity: 2, unit_price: 30 }],
      }),
      [reserved()],
    );

    expect(priced.mismatches).toEqual([
      { field: 'items[0].unit_price', client: 30, server: 29.99 },
      { field: 'total_amount', client: 60, server: 59.98 },
      { field: 'currency', client: 'EUR', server: 'USD' },
    ]);
  });

  test('When many cents add up, then the total is exact', () => {
    const lines = Array.from({ length: 100 }, () => reserved({ unitPrice: 10, quantity: 1 }));
    const body = {
      total_amount: 10,
      items: Array.from({ length: 100 }, () => ({
        product_sku: 'WIDGET-A-001',
        quantity: 1,
        price_per_unit: 0.1,
      })),
    };

    expect(priceOrder(command(body), lines)).toEqual(
      expect.objectContaining({ total: 1000, mismatches: [] }),
    );
  });

  test('When the total would exceed what the stores hold, then 400 on the items', () => {
    const lines = Array.from({ length: 11 }, () => reserved({ quantity: 10_000, unitPrice: 9_999_999_999 }));
    const body = { items: Array.from({ length: 11 }, () => ({ product_sku: 'A', quantity: 10_000 })) };

    const error = thrown(() => priceOrder(command(body), lines));

    expect([error.status, error.errors?.[0]?.field]).toEqual([400, 'items']);
  });

  test('When the lines are priced in different currencies, then 409 conflict', () => {
    const error = thrown(() =>
      priceOrder(
        command({
          items: [
            { product_sku: 'A', quantity: 1 },
            { product_sku: 'B', quantity: 1 },
          ],
        }),
        [reserved({ quantity: 1 }), reserved({ quantity: 1, currency: 'EUR' })],
      ),
    );

    expect([error.status, error.code]).toEqual([409, 'conflict']);
  });

  test('When a body breaks several rules a schema cannot say, then all are reported at once', () => {
    const error = thrown(() =>
      command({
        total_amount: 1.001,
        items: [
          { product_id: '0b8f3c1e-5a4d-4c55-9d0e-0f4b2f8a9c11', product_sku: 'A', quantity: 1 },
          { quantity: 1, unit_price: 1, price_per_unit: 1 },
        ],
      }),
    );

    expect(error.status).toBe(400);
    expect(error.errors?.map((e) => e.field)).toEqual([
      'items[0].product_sku',
      'items[1].product_id',
      'items[1].price_per_unit',
      'total_amount',
    ]);
  });
});

describe('cursors and request hashes', () => {
  const codec = new CursorCodec('a-secret-of-at-least-thirty-two-characters');
  const position = { createdAt: '2025-03-01T10:00:00.000Z', orderId: '0b8f3c1e-5a4d-4c55-9d0e-0f4b2f8a9c11' };
  const scope = listScope('acme', 'alice', undefined);

  test('When a cursor goes back to its own list, then it names the same position', () => {
    expect(codec.decode(codec.encode(position, scope), scope)).toEqual(position);
  });

  test.each([
    [
      'another customer’s list',
      (cursor: string) => codec.decode(cursor, listScope('acme', 'bob', undefined)),
    ],
    [
      'another tenant’s list',
      (cursor: string) => codec.decode(cursor, listScope('other', 'alice', undefined)),
    ],
    ['a filtered list', (cursor: string) => codec.decode(cursor, listScope('acme', 'alice', 'PENDING'))],
    [
      'another key',
      (cursor: string) => new CursorCodec('another-secret-of-thirty-two-characters!').decode(cursor, scope),
    ],
  ])('When a cursor is used on %s, then 400', (_, use) => {
    const cursor = codec.encode(position, scope);

    expect(thrown(() => use(cursor)).status).toBe(400);
  });

  test('When two bodies differ only in key order, then their hashes are equal; otherwise not', () => {
    expect(requestHashOf({ a: 1, b: { c: [1, 2], d: 'x' } })).toBe(
      requestHashOf({ b: { d: 'x', c: [1, 2] }, a: 1 }),
    );
    expect(requestHashOf({ a: 1, b: [1, 2] })).not.toBe(requestHashOf({ a: 1, b: [2, 1] }));
  });
});
