// The cart: kept in the browser (localStorage), one per store (tenant), immutable updates. It also
// holds the checkout attempt's Idempotency-Key: made on the first "Place order", reused by every
// retry, double click and price confirmation of that attempt, and dropped only when an order is
// created — so a lost response can never turn into a second order. Pure module: storage is injected.

import { fromMinor, toMinor } from './money.ts';

export const MAX_QUANTITY = 10_000;
export const MAX_LINES = 100;

export interface CartLine {
  productId: string;
  sku: string;
  name: string;
  /** The price the shopper saw, in cents: sent as `unit_price` so the server can say if it changed. */
  unitPrice: number;
  currency: string;
  quantity: number;
}

export interface Cart {
  lines: CartLine[];
  /** The Idempotency-Key of the checkout attempt in progress, or null before the first attempt. */
  checkoutKey: string | null;
}

/** What the cart needs of a product (the catalog's JSON). */
export interface ProductRef {
  product_id: string;
  sku: string;
  name: string;
  price: number;
  currency: string;
}

export const emptyCart = (): Cart => ({ lines: [], checkoutKey: null });

const clampQuantity = (quantity: number) =>
  Number.isFinite(quantity) ? Math.min(MAX_QUANTITY, Math.max(0, Math.floor(quantity))) : 0;

/** Adds `quantity` of a product, merging with its line; the catalog's current price and name win. */
export function addItem(cart: Cart, product: ProductRef, quantity = 1): Cart {
  const add = clampQuantity(quantity);
  if (add === 0) return cart;
  const existing = cart.lines.find((line) => line.productId === product.product_id);
  const line: CartLine = {
    productId: product.product_id,
    sku: product.sku,
    name: product.name,
    unitPrice: toMinor(product.price),
    currency: product.currency,
    quantity: clampQuantity((existing?.quantity ?? 0) + add),
  };
  if (existing) {
    return { ...cart, lines: cart.lines.map((l) => (l.productId === line.productId ? line : l)) };
  }
  if (cart.lines.length >= MAX_LINES) throw new RangeError(`A cart holds at most ${MAX_LINES} products.`);
  return { ...cart, lines: [...cart.lines, line] };
}

/** Sets a line's quantity; 0 (or less) removes it. */
export function setQuantity(cart: Cart, productId: string, quantity: number): Cart {
  const next = clampQuantity(quantity);
  if (next === 0) return removeLine(cart, productId);
  return {
    ...cart,
    lines: cart.lines.map((line) => (line.productId === productId ? { ...line, quantity: next } : line)),
  };
}

export function removeLine(cart: Cart, productId: string): Cart {
  return { ...cart, lines: cart.lines.filter((line) => line.productId !== productId) };
}

export const itemCount = (cart: Cart): number => cart.lines.reduce((sum, line) => sum + line.quantity, 0);

export const lineTotal = (line: CartLine): number => line.unitPrice * line.quantity;

/** Totals per currency, in cents, in the order currencies first appear. */
export function totals(cart: Cart): Array<{ currency: string; amount: number }> {
  const sums = new Map<string, number>();
  for (const line of cart.lines) sums.set(line.currency, (sums.get(line.currency) ?? 0) + lineTotal(line));
  return [...sums].map(([currency, amount]) => ({ currency, amount }));
}

/** Why this cart cannot be checked out as it is, or undefined when it can. */
export function checkoutBlocker(cart: Cart): string | undefined {
  if (cart.lines.length === 0) return 'Your cart is empty.';
  const currencies = new Set(cart.lines.map((line) => line.currency));
  if (currencies.size > 1) {
    return `An order is paid in one currency; your cart holds ${[...currencies].join(' and ')}. Order them separately.`;
  }
  return undefined;
}

/** The checkout attempt's key: the one already held, or a new one (`makeKey`, e.g. crypto.randomUUID). */
export function withCheckoutKey(cart: Cart, makeKey: () => string): Cart {
  return cart.checkoutKey ? cart : { ...cart, checkoutKey: makeKey() };
}

/** After an order was created: nothing left to buy, and the next checkout gets a new key. */
export const afterOrderPlaced = (): Cart => emptyCart();

export interface OrderLineInput {
  product_id: string;
  product_name: string;
  quantity: number;
  unit_price: number;
}

/** The order lines and the expected total, as `POST /orders` takes them (the server checks both). */
export function orderPayload(cart: Cart): {
  items: OrderLineInput[];
  total_amount: number;
  currency: string;
} {
  const blocker = checkoutBlocker(cart);
  if (blocker) throw new RangeError(blocker);
  return {
    items: cart.lines.map((line) => ({
      product_id: line.productId,
      product_name: line.name.slice(0, 200),
      quantity: line.quantity,
      unit_price: fromMinor(line.unitPrice),
    })),
    total_amount: fromMinor(cart.lines.reduce((sum, line) => sum + lineTotal(line), 0)),
    currency: cart.lines[0]!.currency,
  };
}

export interface ServerLine {
  product_id: string;
  product_name?: string;
  unit_price: number;
}

/** The shopper accepted the server's prices (409 price_mismatch `server.items`): take them, and its currency. */
export function acceptServerPrices(cart: Cart, serverItems: ServerLine[], currency?: string): Cart {
  const prices = new Map(serverItems.map((item) => [item.product_id, item]));
  return {
    ...cart,
    lines: cart.lines.map((line) => {
      const server = prices.get(line.productId);
      if (!server) return line;
      return {
        ...line,
        unitPrice: toMinor(server.unit_price),
        name: server.product_name ?? line.name,
        currency: currency ?? line.currency,
      };
    }),
  };
}

/** A line the products service could not serve (409 insufficient_stock `lines`); `index` is the order line's. */
export interface StockProblem {
  index: number;
  reason: 'not_found' | 'inactive' | 'insufficient_stock' | string;
  requested: number;
  available?: number;
}

/** Lowers each short line to what is available and drops the ones that cannot be bought at all. */
export function fitToStock(cart: Cart, problems: StockProblem[]): Cart {
  const byIndex = new Map(problems.map((problem) => [problem.index, problem]));
  const lines = cart.lines.flatMap((line, index): CartLine[] => {
    const problem = byIndex.get(index);
    if (!problem) return [line];
    const available = problem.reason === 'insufficient_stock' ? clampQuantity(problem.available ?? 0) : 0;
    return available > 0 ? [{ ...line, quantity: Math.min(line.quantity, available) }] : [];
  });
  return { ...cart, lines };
}

// ---- persistence ----

/** The part of the Web Storage API the cart uses (localStorage in the browser, a Map in tests). */
export interface KeyValueStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

export const cartStorageKey = (tenant: string) => `shop.cart.v1.${tenant}`;

const isLine = (value: unknown): value is CartLine => {
  const line = value as Partial<CartLine> | null;
  return (
    typeof line === 'object' &&
    line !== null &&
    typeof line.productId === 'string' &&
    typeof line.sku === 'string' &&
    typeof line.name === 'string' &&
    typeof line.currency === 'string' &&
    Number.isInteger(line.unitPrice) &&
    (line.unitPrice ?? -1) >= 0 &&
    Number.isInteger(line.quantity) &&
    (line.quantity ?? 0) > 0 &&
    (line.quantity ?? 0) <= MAX_QUANTITY
  );
};

/** A stored cart; anything unreadable (another version, a hand edit) is dropped, never thrown. */
export function parseCart(text: string | null): Cart {
  if (!text) return emptyCart();
  try {
    const value = JSON.parse(text) as Partial<Cart> | null;
    const lines = Array.isArray(value?.lines) ? value.lines.filter(isLine).slice(0, MAX_LINES) : [];
    const unique = lines.filter((line, i) => lines.findIndex((l) => l.productId === line.productId) === i);
    const key = value?.checkoutKey;
    return { lines: unique, checkoutKey: typeof key === 'string' && key.length > 0 ? key : null };
  } catch {
    return emptyCart();
  }
}

export function loadCart(storage: KeyValueStorage, tenant: string): Cart {
  try {
    return parseCart(storage.getItem(cartStorageKey(tenant)));
  } catch {
    return emptyCart(); // storage disabled (private mode, quota): an in-memory cart still works
  }
}

export function saveCart(storage: KeyValueStorage, tenant: string, cart: Cart): void {
  try {
    if (cart.lines.length === 0 && !cart.checkoutKey) storage.removeItem(cartStorageKey(tenant));
    else storage.setItem(cartStorageKey(tenant), JSON.stringify(cart));
  } catch {
    // Quota or disabled storage: the cart lives on in memory for this page.
  }
}
