import {
  AppError,
  type FieldError,
  fromMinor,
  hasAtMostTwoDecimals,
  type Minor,
  toMinor,
} from '@shop/platform';
import type { Address, OrderLine } from './order.ts';
import type { CreateOrderBody } from './schemas.ts';

/** A product named by id or by SKU, as the products service's reservation takes it. */
export type ProductRef = { productId: string } | { sku: string };

export interface RequestedLine {
  product: ProductRef;
  quantity: number;
  /** What the client expects to pay per unit, and under which field name it said so. */
  expectedUnitPrice: { value: Minor; field: 'unit_price' | 'price_per_unit' } | undefined;
}

/** A create-order body of either seed shape, checked and turned into one command. */
export interface PlaceOrderCommand {
  customerName: string | null;
  customerEmail: string | null;
  customerPhone: string | null;
  shippingAddress: Address;
  billingAddress: Address | null;
  notes: string | null;
  expectedCurrency: string | undefined;
  expectedTotal: Minor | undefined;
  lines: RequestedLine[];
}

/**
 * The checks a schema cannot say: one product reference per line, one client price field per line, and
 * amounts with at most two decimals. Every problem is reported at once, naming its field.
 */
export function toPlaceOrderCommand(body: CreateOrderBody): PlaceOrderCommand {
  const errors: FieldError[] = [];
  const money = (value: number | undefined, field: string): Minor | undefined => {
    if (value === undefined) return undefined;
    if (!hasAtMostTwoDecimals(value)) {
      errors.push({ in: 'body', field, message: 'must have at most two decimal places' });
      return undefined;
    }
    return toMinor(value);
  };

  const lines = body.items.map((item, index): RequestedLine => {
    const at = `items[${index}]`;
    if (item.product_id !== undefined && item.product_sku !== undefined) {
      errors.push({
        in: 'body',
        field: `${at}.product_sku`,
        message: 'give product_id or product_sku, not both',
      });
    } else if (item.product_id === undefined && item.product_sku === undefined) {
      errors.push({ in: 'body', field: `${at}.product_id`, message: 'give product_id or product_sku' });
    }
    if (item.unit_price !== undefined && item.price_per_unit !== undefined) {
      errors.push({
        in: 'body',
        field: `${at}.price_per_unit`,
        message: 'give unit_price or price_per_unit, not both',
      });
    }
    const field = item.price_per_unit !== undefined ? 'price_per_unit' : 'unit_price';
    const expected = money(item.price_per_unit ?? item.unit_price, `${at}.${field}`);
    return {
      product:
        item.product_id !== undefined
          ? { productId: item.product_id.toLowerCase() }
          : { sku: item.product_sku ?? '' },
      quantity: item.quantity,
      expectedUnitPrice: expected === undefined ? undefined : { value: expected, field },
    };
  });
  const expectedTotal = money(body.total_amount, 'total_amount');
  if (errors.length) throw AppError.validation(errors);

  return {
    customerName: body.customer_name ?? null,
    customerEmail: body.customer_email ?? null,
    customerPhone: body.customer_phone ?? null,
    shippingAddress: body.shipping_address,
    billingAddress: body.billing_address ?? null,
    notes: body.notes ?? null,
    expectedCurrency: body.currency,
    expectedTotal,
    lines,
  };
}

/** The largest order total the stores hold (DECIMAL(15,2)), far inside exact integer cents. */
export const MAX_ORDER_TOTAL: Minor = 9_999_999_999_999_99;

/** One line of a stock reservation, as the products service prices it. */
export interface ReservedLine {
  productId: string;
  sku: string;
  name: string;
  quantity: number;
  unitPrice: Minor;
  currency: string;
}

export interface PriceMismatch {
  field: string;
  client: number | string;
  server: number | string;
}

export interface PricedOrder {
  items: OrderLine[];
  total: Minor;
  currency: string;
  mismatches: PriceMismatch[];
}

/**
 * Prices the order from the reservation (the catalog's prices, never the client's) and lists every
 * place where the client's expectation differs from it. Lines correspond by position.
 */
export function priceOrder(command: PlaceOrderCommand, reserved: readonly ReservedLine[]): PricedOrder {
  if (reserved.length !== command.lines.length) {
    throw new Error(`reservation has ${reserved.length} lines for ${command.lines.length} requested`);
  }
  const currencies = new Set(reserved.map((line) => line.currency));
  if (currencies.size > 1) {
    throw AppError.conflict(
      'conflict',
      'The items are priced in different currencies; order them separately.',
      {
        currencies: [...currencies].sort(),
      },
    );
  }
  const currency = reserved[0]?.currency ?? '';
  const mismatches: PriceMismatch[] = [];
  const items = reserved.map((line, index): OrderLine => {
    const expected = command.lines[index]?.expectedUnitPrice;
    if (expected && expected.value !== line.unitPrice) {
      mismatches.push({
        field: `items[${index}].${expected.field}`,
        client: fromMinor(expected.value),
        server: fromMinor(line.unitPrice),
      });
    }
    return {
      productId: line.productId,
      productSku: line.sku,
      productName: line.name,
      quantity: line.quantity,
      unitPrice: line.unitPrice,
      lineTotal: line.unitPrice * line.quantity,
    };
  });
  const total = items.reduce((sum, item) => sum + item.lineTotal, 0);
  if (total > MAX_ORDER_TOTAL) {
    throw AppError.validation([
      { in: 'body', field: 'items', message: `the order total may not exceed ${fromMinor(MAX_ORDER_TOTAL)}` },
    ]);
  }
  if (command.expectedTotal !== undefined && command.expectedTotal !== total) {
    mismatches.push({
      field: 'total_amount',
      client: fromMinor(command.expectedTotal),
      server: fromMinor(total),
    });
  }
  if (command.expectedCurrency !== undefined && command.expectedCurrency !== currency) {
    mismatches.push({ field: 'currency', client: command.expectedCurrency, server: currency });
  }
  return { items, total, currency, mismatches };
}
