// The catalog: search (name or SKU), SKU filter, sort, page size, cursor paging; and the product page.

import { ApiError } from '../api.ts';
import { addItem, MAX_QUANTITY } from '../cart.ts';
import type { AppContext, Route, View } from '../context.ts';
import { h } from '../dom.ts';
import type { Product, ProductPage } from '../types.ts';
import {
  emptyState,
  errorBox,
  link,
  pageHeader,
  price,
  productThumb,
  SORTS,
  select,
  stockText,
} from './common.ts';

const PAGE_SIZES = ['12', '24', '48'];

/**
 * Cursors of the pages before this one, for "Previous": the API pages forward only. Kept per search, in
 * memory; after a reload on page 3 the way back is "First page".
 */
const trail = { key: '', cursors: [] as Array<string | undefined> };

export function addToCart(app: AppContext, product: Product, quantity: number): void {
  try {
    app.cart.update((cart) => addItem(cart, product, quantity));
    app.announce(`Added ${quantity} × ${product.name} to your cart.`, { visible: true });
  } catch (error) {
    app.announce((error as Error).message, { visible: true });
  }
}

function productCard(app: AppContext, product: Product): HTMLElement {
  const stock = stockText(product);
  const titleId = `p-${product.product_id}`;
  return h(
    'li',
    { class: 'card product-card' },
    h(
      'a',
      { href: `#/products/${product.product_id}`, class: 'card-link', 'aria-labelledby': titleId },
      productThumb(product),
    ),
    h(
      'div',
      { class: 'card-body' },
      h('h2', { class: 'card-title', id: titleId }, link(`/products/${product.product_id}`, product.name)),
      h('p', { class: 'sku' }, product.sku),
      h('p', { class: 'card-price' }, price(product.price, product.currency)),
      h('p', { class: `stock stock-${stock.kind}` }, stock.text),
    ),
    h(
      'button',
      {
        type: 'button',
        class: 'button primary block',
        disabled: product.stock_quantity <= 0 || !product.is_active,
        'aria-label': `Add ${product.name} to cart`,
        onclick: () => addToCart(app, product, 1),
      },
      'Add to cart',
    ),
  );
}

/** What the catalog shows, from the address: the search, its order and page size, and where in it. */
interface CatalogSearch {
  q: string;
  sku: string;
  sort: string;
  limit: string;
  cursor: string;
  page: number;
}

function searchOf(route: Route): CatalogSearch {
  const query = route.query;
  return {
    q: query.get('q') ?? '',
    sku: query.get('sku') ?? '',
    sort: SORTS.some(([value]) => value === query.get('sort')) ? query.get('sort')! : 'name',
    limit: PAGE_SIZES.includes(query.get('limit') ?? '') ? query.get('limit')! : '12',
    cursor: query.get('cursor') ?? '',
    page: Math.max(1, Number(query.get('page') ?? '1') || 1),
  };
}

/** The catalog's address with these changes to the search (null removes), defaults left out. */
function catalogHref(search: CatalogSearch, changes: Record<string, string | null>): string {
  const { q, sku, sort, limit } = search;
  const next = new URLSearchParams({ q, sku, sort, limit });
  for (const [name, value] of Object.entries(changes)) {
    if (value === null) next.delete(name);
    else next.set(name, value);
  }
  for (const [name, value] of [...next])
    if (value === '' || (name === 'sort' && value === 'name') || (name === 'limit' && value === '12'))
      next.delete(name);
  const text = next.toString();
  return text ? `/?${text}` : '/';
}

const labelled = (className: string, id: string, label: string, control: HTMLElement) =>
  h('div', { class: className }, h('label', { for: id }, label), control);

function filtersForm(app: AppContext, search: CatalogSearch): HTMLFormElement {
  const { q, sku, sort, limit } = search;
  const form = h(
    'form',
    { class: 'filters', role: 'search', 'aria-label': 'Search the catalog' },
    labelled(
      'field grow',
      'catalog-q',
      'Search',
      h('input', {
        id: 'catalog-q',
        type: 'search',
        name: 'q',
        value: q,
        placeholder: 'Name or SKU',
        autocomplete: 'off',
      }),
    ),
    labelled(
      'field',
      'catalog-sort',
      'Sort by',
      Object.assign(select('sort', SORTS, sort), { id: 'catalog-sort' }),
    ),
    h(
      'details',
      { class: 'more-filters', open: sku !== '' || limit !== '12' },
      h('summary', null, 'More filters'),
      h(
        'div',
        { class: 'row' },
        labelled(
          'field',
          'catalog-sku',
          'Exact SKU',
          h('input', {
            id: 'catalog-sku',
            name: 'sku',
            value: sku,
            autocomplete: 'off',
            spellcheck: 'false',
          }),
        ),
        labelled(
          'field',
          'catalog-limit',
          'Per page',
          Object.assign(
            select(
              'limit',
              PAGE_SIZES.map((n) => [n, n]),
              limit,
            ),
            { id: 'catalog-limit' },
          ),
        ),
      ),
    ),
    h('div', { class: 'field actions' }, h('button', { type: 'submit', class: 'button primary' }, 'Search')),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const data = new FormData(form);
    app.navigate(
      catalogHref(search, {
        q: String(data.get('q') ?? '').trim(),
        sku: String(data.get('sku') ?? '').trim(),
        sort: String(data.get('sort') ?? 'name'),
        limit: String(data.get('limit') ?? '12'),
        cursor: null,
        page: null,
      }),
    );
  });
  form.querySelector('select[name="sort"]')?.addEventListener('change', () => form.requestSubmit());
  return form;
}

function resultCount(result: ProductPage, page: number, filtered: boolean): HTMLElement {
  const count = result.items.length;
  return h(
    'p',
    { class: 'result-count', role: 'status' },
    count === 0
      ? ''
      : `Page ${page}: ${count} product${count === 1 ? '' : 's'}${filtered ? ' matching your search' : ''}.`,
  );
}

/** "Previous" (or "First page" when the way back is not known), the page number, "Next". */
function pager(search: CatalogSearch, result: ProductPage): HTMLElement {
  const { page } = search;
  // Remember how this page was reached, so that "Previous" from the next one can come back to it.
  trail.cursors.length = Math.min(trail.cursors.length, page);
  trail.cursors[page - 1] = search.cursor;
  const previous = page > 1 ? trail.cursors[page - 2] : undefined;
  const back =
    previous !== undefined
      ? h(
          'a',
          {
            class: 'button secondary',
            rel: 'prev',
            href: `#${catalogHref(search, { cursor: previous || null, page: page > 2 ? String(page - 1) : null })}`,
          },
          '← Previous',
        )
      : h(
          'a',
          { class: 'button secondary', href: `#${catalogHref(search, { cursor: null, page: null })}` },
          '« First page',
        );
  return h(
    'nav',
    { class: 'pager', 'aria-label': 'Pages' },
    page > 1 ? back : null,
    h('span', { class: 'page-number' }, `Page ${page}`),
    result.next_cursor
      ? h(
          'a',
          {
            class: 'button secondary',
            href: `#${catalogHref(search, { cursor: result.next_cursor, page: String(page + 1) })}`,
            rel: 'next',
          },
          'Next →',
        )
      : null,
  );
}

function productList(app: AppContext, result: ProductPage, filtered: boolean): HTMLElement {
  if (result.items.length === 0) {
    return emptyState(
      filtered ? 'No products match' : 'No products yet',
      filtered
        ? 'Try another word, or clear the filters.'
        : 'This store has nothing for sale yet. Come back soon.',
      filtered ? link('/', 'Clear the search', { class: 'button secondary' }) : null,
    );
  }
  return h(
    'ul',
    { class: 'grid products', 'aria-label': 'Products' },
    result.items.map((product) => productCard(app, product)),
  );
}

export const catalogView: View = async (app, route, signal) => {
  const search = searchOf(route);
  const { q, sku, sort, limit, cursor, page } = search;
  const searchKey = JSON.stringify([app.tenant(), q, sku, sort, limit]);
  if (trail.key !== searchKey) {
    trail.key = searchKey;
    trail.cursors = [];
  }
  const form = filtersForm(app, search);

  let result: ProductPage;
  try {
    result = (
      await app.api.get<ProductPage>(
        '/products',
        // Admins could list inactive products too; the shop shows them what shoppers see.
        { q, sku, sort, limit, cursor: cursor || undefined, active: app.auth.isAdmin ? true : undefined },
        signal,
      )
    ).data;
  } catch (error) {
    if (error instanceof ApiError && error.status === 400 && cursor) {
      // A cursor of another store or sort (e.g. after signing in elsewhere): start again.
      app.navigate(catalogHref(search, { cursor: null, page: null }), { replace: true });
    }
    return { title: 'Catalog', node: h('div', null, pageHeader('Catalog'), form, errorBox(error)) };
  }

  const filtered = q !== '' || sku !== '';
  const status = resultCount(result, page, filtered);
  const nav = pager(search, result);
  return {
    title: q ? `Search: ${q}` : 'Catalog',
    node: h(
      'div',
      null,
      pageHeader('Catalog'),
      form,
      status,
      productList(app, result, filtered),
      result.next_cursor || page > 1 ? nav : null,
    ),
  };
};

export const productView: View = async (app, route, signal) => {
  let product: Product;
  try {
    product = (
      await app.api.get<Product>(`/products/${encodeURIComponent(route.params.id!)}`, undefined, signal)
    ).data;
  } catch (error) {
    const missing = error instanceof ApiError && (error.status === 404 || error.status === 400);
    return {
      title: 'Product not found',
      node: h(
        'div',
        null,
        pageHeader(missing ? 'Product not found' : 'Product'),
        missing
          ? emptyState(
              'This product is not in the store',
              'It may have been removed, or the link is wrong.',
              link('/', 'Back to the catalog', { class: 'button secondary' }),
            )
          : errorBox(error),
      ),
    };
  }
  const stock = stockText(product);
  const available = product.is_active && product.stock_quantity > 0;
  const quantity = h('input', {
    id: 'product-qty',
    type: 'number',
    name: 'quantity',
    min: 1,
    max: Math.min(MAX_QUANTITY, Math.max(1, product.stock_quantity)),
    value: '1',
    inputmode: 'numeric',
    required: true,
  });
  const form = h(
    'form',
    { class: 'buy' },
    h('div', { class: 'field qty' }, h('label', { for: 'product-qty' }, 'Quantity'), quantity),
    h('button', { type: 'submit', class: 'button primary', disabled: !available }, 'Add to cart'),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (!form.reportValidity()) return;
    addToCart(app, product, Number(quantity.value));
  });
  return {
    title: product.name,
    node: h(
      'article',
      { class: 'product-page' },
      h(
        'nav',
        { class: 'breadcrumbs', 'aria-label': 'Breadcrumb' },
        link('/', 'Catalog'),
        h('span', { 'aria-hidden': 'true' }, ' / '),
        h('span', { 'aria-current': 'page' }, product.name),
      ),
      h(
        'div',
        { class: 'product-layout' },
        productThumb(product, 'large'),
        h(
          'div',
          { class: 'product-info' },
          h('h1', { tabindex: '-1' }, product.name),
          h('p', { class: 'sku' }, `SKU ${product.sku}`),
          h('p', { class: 'big-price' }, price(product.price, product.currency)),
          h('p', { class: `stock stock-${stock.kind}` }, stock.text),
          product.description ? h('p', { class: 'description' }, product.description) : null,
          form,
          app.auth.isAdmin
            ? h(
                'p',
                null,
                link(`/admin/products/${product.product_id}`, 'Edit this product', {
                  class: 'button secondary',
                }),
              )
            : null,
        ),
      ),
    ),
  };
};

export type { Route };
