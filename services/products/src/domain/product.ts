import { hasAtMostTwoDecimals, MAX_AMOUNT, StrictObject } from '@shop/platform';
import Type, { type Static } from 'typebox';

export const SKU_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$';
export const CURRENCY_PATTERN = '^[A-Z]{3}$';
export const MAX_STOCK = 1_000_000_000;

export const ProductId = Type.String({ format: 'uuid', description: 'Product id (UUID).' });
export const Sku = Type.String({
  pattern: SKU_PATTERN,
  description:
    'Stock keeping unit, unique per tenant: letters, digits, dot, underscore, dash; 1–64 characters.',
});
export const ProductName = Type.String({ minLength: 1, maxLength: 200, pattern: '\\S' });
export const Description = Type.String({ maxLength: 5000 });
export const Price = Type.Refine(
  Type.Number({
    exclusiveMinimum: 0,
    maximum: MAX_AMOUNT,
    description: 'Unit price in the currency, more than 0, at most 99999999.99, at most two decimal places.',
  }),
  hasAtMostTwoDecimals,
  () => 'must have at most 2 decimal places',
);
export const Currency = Type.String({ pattern: CURRENCY_PATTERN, description: 'ISO 4217 code, e.g. EUR.' });
export const StockQuantity = Type.Integer({ minimum: 0, maximum: MAX_STOCK });

/** POST /products: what an admin may set. Ids, tenant, version and timestamps are the server's. */
export const NewProductBody = StrictObject({
  sku: Sku,
  name: ProductName,
  description: Type.Optional(Description),
  price: Price,
  currency: Type.Optional(Currency),
  stock_quantity: Type.Optional(StockQuantity),
  is_active: Type.Optional(Type.Boolean()),
});
export type NewProductBody = Static<typeof NewProductBody>;

/** PUT /products/{id}: any subset of the writable fields (a full body replaces them all). */
export const ProductChangesBody = StrictObject(
  {
    sku: Type.Optional(Sku),
    name: Type.Optional(ProductName),
    description: Type.Optional(Description),
    price: Type.Optional(Price),
    currency: Type.Optional(Currency),
    stock_quantity: Type.Optional(StockQuantity),
    is_active: Type.Optional(Type.Boolean()),
  },
  { minProperties: 1 },
);
export type ProductChangesBody = Static<typeof ProductChangesBody>;

export const ProductJson = Type.Object({
  product_id: ProductId,
  tenant_id: Type.String(),
  sku: Sku,
  name: Type.String(),
  description: Type.String(),
  price: Type.Number(),
  currency: Currency,
  stock_quantity: Type.Integer(),
  is_active: Type.Boolean(),
  version: Type.Integer({ description: 'Bumped on every change; the ETag is its quoted value.' }),
  created_at: Type.String({ format: 'date-time' }),
  updated_at: Type.String({ format: 'date-time' }),
});
export type ProductJson = Static<typeof ProductJson>;

export const SORTS = ['name', '-name', 'price', '-price', 'created_at', '-created_at'] as const;
export type ProductSort = (typeof SORTS)[number];

export const ProductListQuery = StrictObject({
  limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
  cursor: Type.Optional(
    Type.String({ minLength: 1, maxLength: 4096, description: 'next_cursor of the previous page.' }),
  ),
  q: Type.Optional(
    Type.String({ minLength: 1, maxLength: 200, description: 'Case-insensitive text in name or SKU.' }),
  ),
  active: Type.Optional(Type.Boolean()),
  sku: Type.Optional(Sku),
  sort: Type.Union(
    SORTS.map((sort) => Type.Literal(sort)),
    { default: 'name', description: 'Sort key; a leading dash sorts descending. Ties break on product_id.' },
  ),
});
export type ProductListQuery = Static<typeof ProductListQuery>;

export const ProductPage = Type.Object({
  items: Type.Array(ProductJson),
  next_cursor: Type.Union([Type.String(), Type.Null()]),
});

/** A product as the service holds it: money in minor units, timestamps as dates. */
export interface Product {
  productId: string;
  tenantId: string;
  sku: string;
  name: string;
  description: string;
  priceMinor: number;
  currency: string;
  stockQuantity: number;
  isActive: boolean;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

export interface NewProduct {
  sku: string;
  name: string;
  description: string;
  priceMinor: number;
  currency: string;
  stockQuantity: number;
  isActive: boolean;
}

export type ProductChanges = Partial<NewProduct>;

export const DEFAULT_CURRENCY = 'USD';

/** The value a page is ordered by, as it is carried in a cursor. */
export type SortKey = string | number;

export interface ProductPageRequest {
  limit: number;
  sort: ProductSort;
  q?: string | undefined;
  sku?: string | undefined;
  /** undefined: active and inactive (admins only); true/false: only those. */
  active?: boolean | undefined;
  /** Start after this row (keyset pagination). */
  after?: { key: SortKey; productId: string } | undefined;
}

/** The value of `product` that `sort` orders by, in cursor form (name, price in minor units, epoch ms). */
export function sortKeyOf(product: Product, sort: ProductSort): SortKey {
  switch (sort.replace(/^-/, '')) {
    case 'price':
      return product.priceMinor;
    case 'created_at':
      return product.createdAt.getTime();
    default:
      return product.name;
  }
}

/** Admins manage the whole catalog; everyone else (anonymous, customers, services) sees active products. */
export const seesInactiveProducts = (roles: readonly string[] | undefined): boolean =>
  roles?.includes('admin') ?? false;

/** Plain code-unit order, the same on every engine and locale: the order stock rows are locked in. */
export const byCodeUnits = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
