import { minorToDecimal, type TenantId } from '@shop/platform';
import type { ProductPageRequest } from '../domain/product.ts';

/**
 * The catalog's pages as plain SQL: one statement text per query shape (sort, direction and which
 * filters are present), written the first time the shape is asked for and kept, so a page costs the
 * values of its parameters and nothing else — no query builder, no compilation per request (bench/fixes.md:
 * list-without-query-builder). The same text runs on MySQL/MariaDB, PostgreSQL and SQLite (`?`
 * placeholders; Database.readAll numbers them for pg). Named columns, not `*`, so a column a later
 * migration adds changes no page.
 */
export const PRODUCT_COLUMNS =
  'product_id, tenant_id, sku, name, description, price, currency, stock_quantity, is_active, version, created_at, updated_at';

const SORT_COLUMNS = { name: 'name', price: 'price', created_at: 'created_at' } as const;
type SortField = keyof typeof SORT_COLUMNS;

/** SKUs are ASCII by rule: other text cannot match one, and MySQL refuses to compare it with ASCII columns. */
const ASCII = /^[\x20-\x7e]*$/;

/** `like` pattern for "contains", with `!` escaping the wildcards (the one escape all three engines accept). */
const containsPattern = (text: string) => `%${text.toLowerCase().replace(/[!%_]/g, (c) => `!${c}`)}%`;

interface Shape {
  field: SortField;
  descending: boolean;
  active: boolean;
  sku: boolean;
  /** none, name only, or name and SKU. */
  text: 0 | 1 | 2;
  after: boolean;
}

const shapeOf = (page: ProductPageRequest): Shape => {
  const descending = page.sort.startsWith('-');
  return {
    field: (descending ? page.sort.slice(1) : page.sort) as SortField,
    descending,
    active: page.active !== undefined,
    sku: page.sku !== undefined,
    text: page.q === undefined ? 0 : ASCII.test(page.q) ? 2 : 1,
    after: page.after !== undefined,
  };
};

const keyOf = (shape: Shape) =>
  `${shape.field}|${shape.descending}|${shape.active}|${shape.sku}|${shape.text}|${shape.after}`;

function textOf(shape: Shape): string {
  const column = SORT_COLUMNS[shape.field];
  const direction = shape.descending ? 'desc' : 'asc';
  const beyond = shape.descending ? '<' : '>';
  const where = ['tenant_id = ?'];
  if (shape.active) where.push('is_active = ?');
  if (shape.sku) where.push('sku = ?');
  if (shape.text === 1) where.push("lower(name) like ? escape '!'");
  if (shape.text === 2) where.push("(lower(name) like ? escape '!' or lower(sku) like ? escape '!')");
  if (shape.after) where.push(`(${column} ${beyond} ? or (${column} = ? and product_id ${beyond} ?))`);
  return (
    `select ${PRODUCT_COLUMNS} from products where ${where.join(' and ')} ` +
    `order by ${column} ${direction}, product_id ${direction} limit ?`
  );
}

/** The cursor's sort key as the column holds it (price as a decimal string, created_at as a date). */
function keyValue(field: SortField, key: string | number): unknown {
  if (field === 'price') return minorToDecimal(Number(key));
  if (field === 'created_at') return new Date(Number(key));
  return String(key);
}

/** The statement for a page and its parameters, in placeholder order; texts are made once per shape. */
export class ProductListStatements {
  readonly #texts = new Map<string, string>();

  of(tenant: TenantId, page: ProductPageRequest): { sql: string; params: unknown[] } {
    const shape = shapeOf(page);
    const key = keyOf(shape);
    let sql = this.#texts.get(key);
    if (sql === undefined) {
      sql = textOf(shape);
      this.#texts.set(key, sql);
    }
    const params: unknown[] = [tenant];
    if (page.active !== undefined) params.push(page.active);
    if (page.sku !== undefined) params.push(page.sku);
    if (page.q !== undefined) {
      const pattern = containsPattern(page.q);
      params.push(pattern);
      if (shape.text === 2) params.push(pattern);
    }
    if (page.after) {
      const value = keyValue(shape.field, page.after.key);
      params.push(value, value, page.after.productId);
    }
    params.push(page.limit + 1);
    return { sql, params };
  }
}
