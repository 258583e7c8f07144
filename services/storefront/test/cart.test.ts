import { describe, expect, it } from 'vitest';
import {
  acceptServerPrices,
  addItem,
  afterOrderPlaced,
  type Cart,
  cartStorageKey,
  checkoutBlocker,
  emptyCart,
  fitToStock,
  itemCount,
  type KeyValueStorage,
  loadCart,
  MAX_LINES,
  MAX_QUANTITY,
  orderPayload,
  parseCart,
  removeLine,
  saveCart,
  setQuantity,
  totals,
  withCheckoutKey,
} from '../web/cart.ts';
import { formatMoney, fromMinor, parsePrice, toMinor } from '../web/money.ts';

const espresso = {
  product_id: 'p-1',
  sku: 'COF-ESP-250',
  name: 'Espresso Beans',
  price: 12.9,
  currency: 'USD',
};
const mug = { product_id: 'p-2', sku: 'MUG-CER-350', name: 'Ceramic Mug', price: 14, currency: 'USD' };
const tea = { product_id: 'p-3', sku: 'TEA-GRN-100', name: 'Sencha', price: 0.1, currency: 'USD' };
const euroTea = { product_id: 'p-4', sku: 'TEA-EU', name: 'Tea (EU)', price: 5, currency: 'EUR' };

function memoryStorage(): KeyValueStorage & { data: Map<string, string> } {
  const data = new Map<string, string>();
  return {
    data,
    getItem: (key) => data.get(key) ?? null,
    setItem: (key, value) => void data.set(key, value),
    removeItem: (key) => void data.delete(key),
  };
}

describe('cart lines', () => {
  it('When a product is added twice, then it is one line with the quantities summed', () => {
    const cart = addItem(addItem(emptyCart(), espresso, 1), espresso, 2);

    expect(cart.lines).toEqual([
      {
        productId: 'p-1',
        sku: 'COF-ESP-250',
        name: 'Espresso Beans',
        unitPrice: 1290,
        currency: 'USD',
        quantity: 3,
      },
    ]);
    expect(itemCount(cart)).toBe(3);
  });

  it('When a product is added again at a new catalog price, then the line takes the new price', () => {
    const cart = addItem(
      addItem(emptyCart(), espresso, 1),
      { ...espresso, price: 13.5, name: 'Espresso 250 g' },
      1,
    );

    expect(cart.lines[0]).toMatchObject({ unitPrice: 1350, name: 'Espresso 250 g', quantity: 2 });
  });

  it('When quantities are silly (fractions, negative, huge), then they are clamped to whole 0…10000', () => {
    let cart = addItem(emptyCart(), espresso, 2.7);
    expect(cart.lines[0]?.quantity).toBe(2);
    cart = setQuantity(cart, 'p-1', 1e9);
    expect(cart.lines[0]?.quantity).toBe(MAX_QUANTITY);
    expect(addItem(emptyCart(), espresso, -1)).toEqual(emptyCart());
    expect(addItem(emptyCart(), espresso, Number.NaN)).toEqual(emptyCart());
  });

  it('When a quantity is set to 0 or a line removed, then the line is gone and the others stay', () => {
    const cart = addItem(addItem(emptyCart(), espresso), mug, 2);

    expect(setQuantity(cart, 'p-1', 0).lines.map((l) => l.productId)).toEqual(['p-2']);
    expect(removeLine(cart, 'p-2').lines.map((l) => l.productId)).toEqual(['p-1']);
    expect(cart.lines).toHaveLength(2); // immutable
  });

  it('When the cart is full, then one more product is refused with a reason', () => {
    let cart = emptyCart();
    for (let i = 0; i < MAX_LINES; i++) cart = addItem(cart, { ...mug, product_id: `p-${i}` });

    expect(() => addItem(cart, { ...mug, product_id: 'one-more' })).toThrow(/at most 100/);
  });
});

describe('cart totals and checkout payload', () => {
  it('When prices have cents, then totals are exact (cents, not floats)', () => {
    const cart = addItem(addItem(emptyCart(), tea, 3), espresso, 1);

    expect(totals(cart)).toEqual([{ currency: 'USD', amount: 30 + 1290 }]);
    expect(orderPayload(cart).total_amount).toBe(13.2);
  });

  it('When the cart holds one currency, then the payload lists each line with the price seen and the expected total', () => {
    const cart = addItem(addItem(emptyCart(), espresso, 2), mug, 1);

    expect(orderPayload(cart)).toEqual({
      items: [
        { product_id: 'p-1', product_name: 'Espresso Beans', quantity: 2, unit_price: 12.9 },
        { product_id: 'p-2', product_name: 'Ceramic Mug', quantity: 1, unit_price: 14 },
      ],
      total_amount: 39.8,
      currency: 'USD',
    });
  });

  it('When the cart is empty or mixes currencies, then checkout is blocked with a reason', () => {
    const mixed = addItem(addItem(emptyCart(), espresso), euroTea);

    expect(checkoutBlocker(emptyCart())).toBe('Your cart is empty.');
    expect(checkoutBlocker(mixed)).toMatch(/one currency.*USD and EUR/);
    expect(totals(mixed)).toEqual([
      { currency: 'USD', amount: 1290 },
      { currency: 'EUR', amount: 500 },
    ]);
    expect(() => orderPayload(mixed)).toThrow(RangeError);
  });
});

describe('the checkout attempt key (Idempotency-Key)', () => {
  it('When a checkout starts, then a key is made once and every retry of the attempt reuses it', () => {
    let made = 0;
    const makeKey = () => `key-${++made}`;
    const first = withCheckoutKey(addItem(emptyCart(), espresso), makeKey);
    const retry = withCheckoutKey(first, makeKey);
    const afterPriceConfirm = withCheckoutKey(
      acceptServerPrices(retry, [{ product_id: 'p-1', unit_price: 13 }]),
      makeKey,
    );

    expect(first.checkoutKey).toBe('key-1');
    expect(retry.checkoutKey).toBe('key-1');
    expect(afterPriceConfirm.checkoutKey).toBe('key-1');
    expect(made).toBe(1);
  });

  it('When the cart changes during the attempt, then the key is kept (a lost success then answers 422, never a 2nd order)', () => {
    const cart = withCheckoutKey(addItem(emptyCart(), espresso), () => 'k');

    expect(setQuantity(cart, 'p-1', 3).checkoutKey).toBe('k');
    expect(addItem(cart, mug).checkoutKey).toBe('k');
  });

  it('When an order is placed, then the cart is empty and the next checkout gets a new key', () => {
    const placed = afterOrderPlaced();

    expect(placed).toEqual({ lines: [], checkoutKey: null });
    expect(withCheckoutKey(addItem(placed, mug), () => 'new').checkoutKey).toBe('new');
  });
});

describe('answers of a failed checkout', () => {
  it('When the server priced differently (409 price_mismatch), then accepting takes its prices, names and currency', () => {
    const cart = addItem(addItem(emptyCart(), espresso, 2), mug);

    const accepted = acceptServerPrices(
      cart,
      [
        { product_id: 'p-1', product_name: 'Espresso Beans 250 g', unit_price: 13.5 },
        { product_id: 'p-2', product_name: 'Ceramic Mug', unit_price: 14 },
      ],
      'USD',
    );

    expect(accepted.lines.map((l) => [l.name, l.unitPrice])).toEqual([
      ['Espresso Beans 250 g', 1350],
      ['Ceramic Mug', 1400],
    ]);
    expect(orderPayload(accepted).total_amount).toBe(41);
  });

  it('When stock is short (409 insufficient_stock), then short lines shrink to what is left and unavailable ones go', () => {
    const cart = addItem(addItem(addItem(addItem(emptyCart(), espresso, 5), mug, 1), tea, 2), euroTea, 1);

    const fitted = fitToStock(cart, [
      { index: 0, reason: 'insufficient_stock', requested: 5, available: 2 },
      { index: 2, reason: 'inactive', requested: 2 },
      { index: 3, reason: 'insufficient_stock', requested: 1, available: 0 },
    ]);

    expect(fitted.lines.map((l) => [l.productId, l.quantity])).toEqual([
      ['p-1', 2],
      ['p-2', 1],
    ]);
  });
});

describe('cart storage', () => {
  it('When a cart is saved and loaded, then it comes back the same, per store', () => {
    const storage = memoryStorage();
    const cart = withCheckoutKey(addItem(emptyCart(), espresso, 2), () => 'k-1');

    saveCart(storage, 'demo', cart);

    expect(loadCart(storage, 'demo')).toEqual(cart);
    expect(loadCart(storage, 'acme')).toEqual(emptyCart());
    expect([...storage.data.keys()]).toEqual([cartStorageKey('demo')]);
  });

  it('When an empty cart without a key is saved, then nothing is left in storage', () => {
    const storage = memoryStorage();
    saveCart(storage, 'demo', addItem(emptyCart(), mug));

    saveCart(storage, 'demo', emptyCart());

    expect(storage.data.size).toBe(0);
  });

  it('When stored data is broken or hand-edited, then bad lines are dropped and nothing throws', () => {
    const good = { productId: 'p-1', sku: 'A', name: 'A', unitPrice: 100, currency: 'USD', quantity: 1 };
    const text = JSON.stringify({
      lines: [
        good,
        { ...good, quantity: -2, productId: 'p-2' },
        { ...good, unitPrice: 1.5, productId: 'p-3' },
        good,
        null,
        'x',
      ],
      checkoutKey: 42,
    });

    expect(parseCart(text)).toEqual({ lines: [good], checkoutKey: null });
    expect(parseCart('{not json')).toEqual(emptyCart());
    expect(parseCart('null')).toEqual(emptyCart());
    expect(parseCart(null)).toEqual(emptyCart());
  });

  it('When storage is unavailable (private mode, quota), then the cart still works in memory', () => {
    const broken: KeyValueStorage = {
      getItem: () => {
        throw new Error('SecurityError');
      },
      setItem: () => {
        throw new Error('QuotaExceededError');
      },
      removeItem: () => {
        throw new Error('SecurityError');
      },
    };
    const cart: Cart = addItem(emptyCart(), mug);

    expect(loadCart(broken, 'demo')).toEqual(emptyCart());
    expect(() => saveCart(broken, 'demo', cart)).not.toThrow();
  });
});

describe('money', () => {
  it('When amounts convert to cents and back, then two-decimal values survive exactly', () => {
    for (const amount of [0.01, 0.1, 0.29, 12.9, 19.99, 99_999_999.99]) {
      expect(fromMinor(toMinor(amount))).toBe(amount);
    }
  });

  it('When an admin types a price, then only plain numbers with at most two decimals are accepted', () => {
    expect(parsePrice(' 12.5 ')).toBe(12.5);
    expect(parsePrice('12')).toBe(12);
    expect(parsePrice('12.345')).toBeUndefined();
    expect(parsePrice('1,5')).toBeUndefined();
    expect(parsePrice('-1')).toBeUndefined();
    expect(parsePrice('')).toBeUndefined();
  });

  it('When a price is formatted, then it uses the currency, and an unknown code still reads', () => {
    expect(formatMoney(12.9, 'USD', 'en-US')).toBe('$12.90');
    expect(formatMoney(1234.5, 'EUR', 'de-DE').replace(/\s/g, ' ')).toBe('1.234,50 €'); // a no-break space before €
    expect(formatMoney(3, 'ZZZ', 'en-US')).toMatch(/ZZZ.*3\.00|3\.00.*ZZZ/);
  });
});
