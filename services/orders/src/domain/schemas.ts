import { MAX_AMOUNT, StrictObject } from '@shop/platform';
import Type, { type Static } from 'typebox';
import { ORDER_STATUSES } from './order.ts';

/**
 * Request and response schemas. They validate requests (unknown fields are refused: no tenant_id,
 * customer_id, status, created_by or order_id can be smuggled in a body) and generate /openapi.json.
 */

const Money = (description: string) =>
  Type.Number({ minimum: 0, maximum: MAX_AMOUNT, description: `${description} At most two decimals.` });

const Uuid = Type.String({ format: 'uuid', maxLength: 36 });
/** As the products service defines a SKU: letters, digits, dot, underscore, dash; 1–64 characters. */
const Sku = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$' });
const Currency = Type.String({ pattern: '^[A-Z]{3}$', description: 'ISO 4217 code, e.g. USD.' });
const Status = Type.Union(
  ORDER_STATUSES.map((status) => Type.Literal(status)),
  { description: 'PENDING → CONFIRMED → SHIPPED → DELIVERED; CANCELLED from PENDING or CONFIRMED.' },
);

export const PostalAddress = StrictObject({
  street: Type.String({ minLength: 1, maxLength: 200 }),
  city: Type.String({ minLength: 1, maxLength: 100 }),
  zip_code: Type.String({ minLength: 1, maxLength: 20 }),
  country: Type.String({ minLength: 1, maxLength: 100 }),
  state: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
});

const AddressSchema = Type.Union([Type.String({ minLength: 1, maxLength: 500 }), PostalAddress], {
  description: 'One free-text line (seed 001) or a postal address object (seed 004).',
});

/** An order line. Name the product by `product_id` or `product_sku` (exactly one). */
export const OrderItemBody = StrictObject({
  product_id: Type.Optional(Uuid),
  product_sku: Type.Optional(Sku),
  product_name: Type.Optional(
    Type.String({ minLength: 1, maxLength: 200, description: 'Informative only: the catalog name wins.' }),
  ),
  quantity: Type.Integer({ minimum: 1, maximum: 10_000 }),
  unit_price: Type.Optional(
    Money('What the client expects to pay per unit (seed 001); checked, never trusted.'),
  ),
  price_per_unit: Type.Optional(
    Money('What the client expects to pay per unit (seed 004); checked, never trusted.'),
  ),
});

/**
 * One body for both seed payloads: seed 001 (multi-cloud: contact fields, free-text addresses, `total_amount`,
 * `unit_price`) and seed 004 (FastAPI: address object, `price_per_unit`). Customer and tenant come from the
 * caller's token, never from here.
 */
export const CreateOrderBody = StrictObject(
  {
    customer_name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    customer_email: Type.Optional(Type.String({ format: 'email', maxLength: 320 })),
    customer_phone: Type.Optional(Type.String({ pattern: '^\\+?[0-9][0-9 ().-]{2,31}$', maxLength: 32 })),
    shipping_address: AddressSchema,
    billing_address: Type.Optional(AddressSchema),
    currency: Type.Optional(Currency),
    total_amount: Type.Optional(Money('What the client expects the order to cost; checked, never trusted.')),
    notes: Type.Optional(Type.String({ maxLength: 2000 })),
    items: Type.Array(OrderItemBody, { minItems: 1, maxItems: 100 }),
  },
  {
    description: 'Seed 001 or seed 004 order payload.',
    examples: [
      {
        customer_name: 'John Doe',
        customer_email: 'john.doe@example.com',
        customer_phone: '+1-555-0123',
        shipping_address: '123 Main St, Anytown, ST 12345',
        billing_address: '123 Main St, Anytown, ST 12345',
        currency: 'USD',
        total_amount: 99.97,
        items: [
          { product_name: 'Widget A', product_sku: 'WIDGET-A-001', quantity: 2, unit_price: 29.99 },
          { product_name: 'Widget B', product_sku: 'WIDGET-B-002', quantity: 1, unit_price: 39.99 },
        ],
      },
      {
        shipping_address: { street: '123 Main St', city: 'Springfield', zip_code: '12345', country: 'USA' },
        items: [{ product_id: '0b8f3c1e-5a4d-4c55-9d0e-0f4b2f8a9c11', quantity: 2, price_per_unit: 19.99 }],
      },
    ],
  },
);
export type CreateOrderBody = Static<typeof CreateOrderBody>;

export const UpdateOrderBody = StrictObject({
  status: Status,
  reason: Type.Optional(Type.String({ minLength: 1, maxLength: 500 })),
});
export type UpdateOrderBody = Static<typeof UpdateOrderBody>;

export const OrderParams = StrictObject({ order_id: Uuid });

export const CustomerParams = StrictObject({
  customer_id: Type.String({ minLength: 1, maxLength: 255 }),
});

export const GetOrderQuery = StrictObject({
  customer_id: Type.Optional(
    Type.String({ minLength: 1, maxLength: 255, description: 'Seed 004: must be the order’s customer.' }),
  ),
});

const pageQuery = {
  limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
  cursor: Type.Optional(
    Type.String({ minLength: 1, maxLength: 512, description: 'next_cursor of the last page.' }),
  ),
  offset: Type.Integer({
    minimum: 0,
    maximum: 10_000,
    default: 0,
    description: 'Orders to skip (after cursor).',
  }),
  status: Type.Optional(Status),
};

export const ListOrdersQuery = StrictObject({
  ...pageQuery,
  my_orders: Type.Boolean({ default: false, description: 'Admins: only the orders they placed themselves.' }),
});
export type ListOrdersQuery = Static<typeof ListOrdersQuery>;

export const CustomerOrdersQuery = StrictObject(pageQuery);
export type CustomerOrdersQuery = Static<typeof CustomerOrdersQuery>;

// ---- responses (documentation) ----

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) =>
  Type.Union([schema, Type.Null()]);

export const OrderItemJson = Type.Object({
  product_id: Uuid,
  product_sku: Type.String(),
  product_name: Type.String(),
  quantity: Type.Integer(),
  unit_price: Type.Number(),
  line_total: Type.Number(),
});

export const StatusChangeJson = Type.Object({
  from: Nullable(Status),
  to: Status,
  at: Type.String({ format: 'date-time' }),
  by: Type.String(),
  by_email: Nullable(Type.String()),
  reason: Nullable(Type.String()),
});

export const OrderJson = Type.Object({
  order_id: Uuid,
  tenant_id: Type.String(),
  customer_id: Type.String(),
  customer_name: Nullable(Type.String()),
  customer_email: Nullable(Type.String()),
  customer_phone: Nullable(Type.String()),
  shipping_address: AddressSchema,
  billing_address: Nullable(AddressSchema),
  notes: Nullable(Type.String()),
  status: Status,
  order_status: Status,
  items: Type.Array(OrderItemJson),
  total_amount: Type.Number(),
  currency: Type.String(),
  created_at: Type.String({ format: 'date-time' }),
  updated_at: Type.String({ format: 'date-time' }),
  order_date: Type.String({ format: 'date-time' }),
  created_by: Type.String(),
  created_by_email: Nullable(Type.String()),
  version: Type.Integer(),
  status_history: Type.Array(StatusChangeJson),
});

export const OrderEnvelopeJson = Type.Object({ message: Type.String(), order: OrderJson });

export const OrderPage = Type.Object({
  orders: Type.Array(OrderJson),
  next_cursor: Nullable(Type.String()),
  count: Type.Integer(),
});
