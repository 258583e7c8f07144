// Admin: the store's products (active and inactive), create, edit with ETag / If-Match, activate or
// deactivate, delete, and stock adjustments (also conditional: two admins adjusting at once cannot lose
// one another's change).

import { ApiError } from '../api.ts';
import type { AppContext, Route, View } from '../context.ts';
import { confirmDialog, field, h, replace, showFieldErrors } from '../dom.ts';
import { formatMoney, parsePrice } from '../money.ts';
import { relevantErrors } from '../problem.ts';
import type { Product, ProductPage } from '../types.ts';
import {
  emptyState,
  errorBox,
  forbidden,
  link,
  notice,
  pageHeader,
  SORTS,
  select,
  signInFirst,
} from './common.ts';

const versionOf = (product: Product, etag: string | null) => {
  const match = etag ? /"(\d+)"/.exec(etag) : null;
  return match ? Number(match[1]) : product.version;
};

async function setActive(app: AppContext, product: Product, active: boolean) {
  await app.api.request<Product>(`/products/${product.product_id}`, {
    method: 'PUT',
    body: { is_active: active },
    ifMatch: product.version,
  });
  app.flash(
    `${product.name} is now ${active ? 'active (on sale)' : 'inactive (hidden from shoppers)'}.`,
    'success',
  );
}

async function deleteProduct(app: AppContext, product: Product): Promise<boolean> {
  const answer = await confirmDialog({
    title: `Delete ${product.name}?`,
    message:
      'It disappears from the catalog for good. Orders that include it keep their lines. To hide it for a while, deactivate it instead.',
    confirm: 'Delete product',
    danger: true,
  });
  if (!answer.confirmed) return false;
  await app.api.request(`/products/${product.product_id}`, { method: 'DELETE', ifMatch: product.version });
  app.flash(`${product.name} was deleted.`, 'success');
  return true;
}

/** The product list's filters, from the address. */
interface ProductFilters {
  q: string;
  active: string;
  sort: string;
  cursor: string;
}

function filtersOf(route: Route): ProductFilters {
  const query = route.query;
  return {
    q: query.get('q') ?? '',
    active: ['true', 'false'].includes(query.get('active') ?? '') ? query.get('active')! : '',
    sort: SORTS.some(([value]) => value === query.get('sort')) ? query.get('sort')! : 'name',
    cursor: query.get('cursor') ?? '',
  };
}

function productFiltersForm(app: AppContext, { q, active, sort }: ProductFilters): HTMLFormElement {
  const form = h(
    'form',
    { class: 'filters', role: 'search', 'aria-label': 'Find products' },
    h(
      'div',
      { class: 'field grow' },
      h('label', { for: 'admin-q' }, 'Search'),
      h('input', { id: 'admin-q', type: 'search', name: 'q', value: q, placeholder: 'Name or SKU' }),
    ),
    h(
      'div',
      { class: 'field' },
      h('label', { for: 'admin-active' }, 'Status'),
      Object.assign(
        select(
          'active',
          [
            ['', 'All'],
            ['true', 'Active'],
            ['false', 'Inactive'],
          ],
          active,
        ),
        { id: 'admin-active' },
      ),
    ),
    h(
      'div',
      { class: 'field' },
      h('label', { for: 'admin-sort' }, 'Sort by'),
      Object.assign(select('sort', SORTS, sort), { id: 'admin-sort' }),
    ),
    h(
      'div',
      { class: 'field actions' },
      h('button', { type: 'submit', class: 'button secondary' }, 'Filter'),
    ),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const data = new URLSearchParams();
    for (const [name, value] of new FormData(form))
      if (String(value).trim() && !(name === 'sort' && value === 'name'))
        data.set(name, String(value).trim());
    app.navigate(`/admin/products${data.size ? `?${data}` : ''}`);
  });
  for (const control of form.querySelectorAll('select'))
    control.addEventListener('change', () => form.requestSubmit());
  return form;
}

/** One product's row: name and SKU, price, stock, status, and Edit / (De)activate / Delete. */
function productRow(app: AppContext, product: Product, failed: (error: unknown) => void): HTMLElement {
  return h(
    'tr',
    { 'data-sku': product.sku },
    h(
      'th',
      { scope: 'row', 'data-label': 'Product' },
      link(`/admin/products/${product.product_id}`, product.name),
      h('span', { class: 'sku' }, ` ${product.sku}`),
    ),
    h('td', { class: 'num', 'data-label': 'Price' }, formatMoney(product.price, product.currency)),
    h('td', { class: 'num', 'data-label': 'Stock' }, String(product.stock_quantity)),
    h(
      'td',
      { 'data-label': 'Status' },
      h(
        'span',
        { class: `badge ${product.is_active ? 'status-active' : 'status-inactive'}` },
        product.is_active ? 'Active' : 'Inactive',
      ),
    ),
    h(
      'td',
      { class: 'actions-cell' },
      h(
        'div',
        { class: 'row-actions' },
        link(`/admin/products/${product.product_id}`, 'Edit', {
          class: 'button small secondary',
          'aria-label': `Edit ${product.name}`,
        }),
        h(
          'button',
          {
            type: 'button',
            class: 'button small secondary',
            'aria-label': `${product.is_active ? 'Deactivate' : 'Activate'} ${product.name}`,
            onclick: () => setActive(app, product, !product.is_active).then(() => app.refresh(), failed),
          },
          product.is_active ? 'Deactivate' : 'Activate',
        ),
        h(
          'button',
          {
            type: 'button',
            class: 'button small danger',
            'aria-label': `Delete ${product.name}`,
            onclick: () => deleteProduct(app, product).then((done) => done && app.refresh(), failed),
          },
          'Delete',
        ),
      ),
    ),
  );
}

function productsTable(rows: HTMLElement[]): HTMLElement {
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: 'data products-table' },
      h(
        'thead',
        null,
        h(
          'tr',
          null,
          h('th', { scope: 'col' }, 'Product'),
          h('th', { scope: 'col', class: 'num' }, 'Price'),
          h('th', { scope: 'col', class: 'num' }, 'Stock'),
          h('th', { scope: 'col' }, 'Status'),
          h('th', { scope: 'col' }, h('span', { class: 'visually-hidden' }, 'Actions')),
        ),
      ),
      h('tbody', null, rows),
    ),
  );
}

function nextPageLink({ q, active, sort }: ProductFilters, nextCursor: string | null | undefined) {
  if (!nextCursor) return null;
  return h(
    'nav',
    { class: 'pager', 'aria-label': 'Pages' },
    link(
      `/admin/products?${new URLSearchParams({ ...(q ? { q } : {}), ...(active ? { active } : {}), sort, cursor: nextCursor })}`,
      'Next page →',
      { class: 'button secondary' },
    ),
  );
}

export const adminProductsView: View = async (app, route, signal) => {
  if (!app.auth.session) return signInFirst(app, route, 'Sign in as an admin to manage products.');
  if (!app.auth.isAdmin) return forbidden();
  const filters = filtersOf(route);
  const { q, active, sort, cursor } = filters;
  const form = productFiltersForm(app, filters);
  const header = pageHeader(
    'Products',
    link('/admin/products/new', '+ New product', { class: 'button primary' }),
  );
  let page: ProductPage;
  try {
    page = (
      await app.api.get<ProductPage>(
        '/products',
        { q, active: active || undefined, sort, limit: 50, cursor: cursor || undefined },
        signal,
      )
    ).data;
  } catch (error) {
    return { title: 'Products', node: h('div', null, header, form, errorBox(error)) };
  }
  const outcome = h('div', { class: 'outcome' });
  const failed = (error: unknown) => replace(outcome, errorBox(error));
  return {
    title: 'Products',
    node: h(
      'div',
      null,
      header,
      form,
      outcome,
      page.items.length === 0
        ? emptyState(
            'No products',
            q || active ? 'Nothing matches these filters.' : 'Create the first product of this store.',
          )
        : productsTable(page.items.map((product) => productRow(app, product, failed))),
      nextPageLink(filters, page.next_cursor),
    ),
  };
};

interface ProductFormValues {
  sku: string;
  name: string;
  description: string;
  price: string;
  currency: string;
  stock_quantity: string;
  is_active: boolean;
}

function productForm(values: ProductFormValues, submitLabel: string, isNew: boolean) {
  const text = (
    name: keyof ProductFormValues,
    value: string,
    props: Record<string, string | number | boolean> = {},
  ) => h('input', { name, value, type: 'text', ...props });
  return h(
    'form',
    { class: 'product-form' },
    h(
      'div',
      { class: 'row' },
      field('Name', text('name', values.name, { required: true, maxlength: 200 })),
      field(
        'SKU',
        text('sku', values.sku, {
          required: true,
          maxlength: 64,
          pattern: '[A-Za-z0-9][A-Za-z0-9._\\-]{0,63}',
          spellcheck: 'false',
          autocomplete: 'off',
        }),
        'Letters, digits, . _ - ; unique in the store',
      ),
    ),
    field(
      'Description',
      h('textarea', { name: 'description', rows: 4, maxlength: 5000 }, values.description),
    ),
    h(
      'div',
      { class: 'row' },
      field(
        'Price',
        text('price', values.price, {
          required: true,
          inputmode: 'decimal',
          pattern: '\\d{1,8}(\\.\\d{1,2})?',
          autocomplete: 'off',
        }),
        'e.g. 12.90',
      ),
      field(
        'Currency',
        text('currency', values.currency, {
          required: true,
          maxlength: 3,
          pattern: '[A-Z]{3}',
          autocapitalize: 'characters',
        }),
        'ISO code, e.g. USD',
      ),
      isNew
        ? field(
            'Stock',
            text('stock_quantity', values.stock_quantity, {
              type: 'number',
              min: 0,
              max: 1_000_000_000,
              required: true,
              inputmode: 'numeric',
            }),
          )
        : null,
    ),
    h(
      'div',
      { class: 'check' },
      h('input', { type: 'checkbox', name: 'is_active', id: 'product-active', checked: values.is_active }),
      h('label', { for: 'product-active' }, 'Active (shown to shoppers)'),
    ),
    h(
      'div',
      { class: 'actions' },
      h('button', { type: 'submit', class: 'button primary' }, submitLabel),
      link('/admin/products', 'Cancel', { class: 'button secondary' }),
    ),
  );
}

function readProductForm(form: HTMLFormElement, isNew: boolean): Record<string, unknown> | string {
  const data = new FormData(form);
  const price = parsePrice(String(data.get('price') ?? ''));
  if (price === undefined || price <= 0)
    return 'Enter a price above zero with at most two decimals, e.g. 12.90.';
  return {
    sku: String(data.get('sku') ?? '').trim(),
    name: String(data.get('name') ?? '').trim(),
    description: String(data.get('description') ?? ''),
    price,
    currency: String(data.get('currency') ?? '')
      .trim()
      .toUpperCase(),
    is_active: data.get('is_active') === 'on',
    ...(isNew ? { stock_quantity: Number(data.get('stock_quantity') ?? 0) } : {}),
  };
}

export const adminNewProductView: View = async (app, route) => {
  if (!app.auth.session) return signInFirst(app, route, 'Sign in as an admin to manage products.');
  if (!app.auth.isAdmin) return forbidden();
  const form = productForm(
    { sku: '', name: '', description: '', price: '', currency: 'USD', stock_quantity: '0', is_active: true },
    'Create product',
    true,
  );
  const outcome = h('div', { class: 'outcome' });
  form.prepend(outcome);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (!form.reportValidity()) return;
    const body = readProductForm(form, true);
    if (typeof body === 'string') return replace(outcome, notice('error', h('p', null, body)));
    const button = form.querySelector<HTMLButtonElement>('button[type="submit"]')!;
    button.disabled = true;
    try {
      const created = (await app.api.request<Product>('/products', { method: 'POST', body })).data;
      app.flash(`${created.name} was created.`, 'success');
      app.navigate(`/admin/products/${created.product_id}`);
    } catch (error) {
      button.disabled = false;
      if (error instanceof ApiError)
        showFieldErrors(
          form,
          error.problem.errors?.length
            ? relevantErrors(error.problem)
            : error.code === 'duplicate'
              ? [{ field: 'sku', message: 'Another product already has this SKU.' }]
              : [],
        );
      replace(outcome, errorBox(error));
    }
  });
  return {
    title: 'New product',
    node: h(
      'div',
      null,
      h(
        'nav',
        { class: 'breadcrumbs', 'aria-label': 'Breadcrumb' },
        link('/admin/products', 'Products'),
        ' / ',
        h('span', { 'aria-current': 'page' }, 'New'),
      ),
      pageHeader('New product'),
      h('section', { class: 'panel narrow-panel', 'aria-label': 'Product details' }, form),
    ),
  };
};

/** The product moved on since it was read (412): nothing was saved; reload to see it. */
const staleNotice = (app: AppContext, current?: number) =>
  notice(
    'warning',
    h(
      'p',
      null,
      `Someone changed this product since you opened it${current ? ` (it is now at version ${current})` : ''}. Your change was not saved.`,
    ),
    h(
      'button',
      { type: 'button', class: 'button secondary', onclick: () => app.refresh() },
      'Reload the product',
    ),
  );

/** The field errors to mark on the form: the problem's own, or the SKU when it is a duplicate. */
function fieldErrorsOf(error: ApiError) {
  if (error.problem.errors?.length) return relevantErrors(error.problem);
  return error.code === 'duplicate'
    ? [{ field: 'sku', message: 'Another product already has this SKU.' }]
    : [];
}

/** A failed save or stock change, shown in the outcome box (and on the form's fields when there is one). */
function showSaveError(app: AppContext, outcome: HTMLElement, form: HTMLFormElement | null, error: unknown) {
  if (error instanceof ApiError && error.status === 412) {
    const current = error.problem.current_version;
    replace(outcome, staleNotice(app, typeof current === 'number' ? current : undefined));
  } else {
    if (form && error instanceof ApiError) showFieldErrors(form, fieldErrorsOf(error));
    replace(outcome, errorBox(error));
  }
  outcome.scrollIntoView({ block: 'nearest' });
}

/** What the product editor's parts share: the product as read, its version, and where outcomes show. */
interface ProductEdit {
  app: AppContext;
  product: Product;
  version: number;
  outcome: HTMLElement;
  onError: (form: HTMLFormElement | null) => (error: unknown) => void;
}

/** The product's details, saved with If-Match on the version read. */
function detailsForm({ app, product, version, outcome, onError }: ProductEdit): HTMLFormElement {
  const form = productForm(
    {
      sku: product.sku,
      name: product.name,
      description: product.description,
      price: product.price.toFixed(2),
      currency: product.currency,
      stock_quantity: String(product.stock_quantity),
      is_active: product.is_active,
    },
    'Save changes',
    false,
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (!form.reportValidity()) return;
    const body = readProductForm(form, false);
    if (typeof body === 'string') return replace(outcome, notice('error', h('p', null, body)));
    const button = form.querySelector<HTMLButtonElement>('button[type="submit"]')!;
    button.disabled = true;
    try {
      const saved = (
        await app.api.request<Product>(`/products/${product.product_id}`, {
          method: 'PUT',
          body,
          ifMatch: version,
        })
      ).data;
      app.flash(`Saved ${saved.name}.`, 'success');
      app.refresh();
    } catch (error) {
      button.disabled = false;
      onError(form)(error);
    }
  });
  return form;
}

/** Stock changed by a delta (a delivery, a count), never below zero. */
function stockAdjustForm({ app, product, version, outcome, onError }: ProductEdit): HTMLElement {
  const delta = h('input', {
    id: 'stock-delta',
    type: 'number',
    name: 'delta',
    step: 1,
    value: '',
    inputmode: 'numeric',
    required: true,
    placeholder: '+10 or -2',
  });
  const stockForm = h(
    'form',
    { class: 'stock-form', 'aria-labelledby': 'stock-title' },
    h('h2', { id: 'stock-title' }, 'Stock'),
    h('p', null, 'In stock now: ', h('strong', { id: 'stock-now' }, String(product.stock_quantity))),
    h(
      'div',
      { class: 'row' },
      field('Change by', delta, 'Positive to add (a delivery), negative to remove (damage, a count).'),
      h(
        'div',
        { class: 'field actions' },
        h('button', { type: 'submit', class: 'button secondary' }, 'Adjust stock'),
      ),
    ),
  );
  stockForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    const change = Number(delta.value);
    if (!Number.isInteger(change) || change === 0)
      return replace(
        outcome,
        notice('error', h('p', null, 'Enter a whole number other than zero, e.g. 10 or -2.')),
      );
    const next = product.stock_quantity + change;
    if (next < 0)
      return replace(
        outcome,
        notice('error', h('p', null, `Stock cannot go below zero: there are ${product.stock_quantity}.`)),
      );
    try {
      await app.api.request<Product>(`/products/${product.product_id}`, {
        method: 'PUT',
        body: { stock_quantity: next },
        ifMatch: version,
      });
      app.flash(`Stock of ${product.name} is now ${next}.`, 'success');
      app.refresh();
    } catch (error) {
      onError(null)(error);
    }
  });
  return stockForm;
}

/** Activate or deactivate, and delete. */
function availabilityZone({ app, product, version, onError }: ProductEdit): HTMLElement {
  return h(
    'section',
    { class: 'danger-zone', 'aria-labelledby': 'danger-title' },
    h('h2', { id: 'danger-title' }, 'Availability'),
    h(
      'p',
      null,
      product.is_active ? 'Shoppers can see and buy this product.' : 'This product is hidden from shoppers.',
    ),
    h(
      'div',
      { class: 'actions' },
      h(
        'button',
        {
          type: 'button',
          class: 'button secondary',
          onclick: () =>
            setActive(app, { ...product, version }, !product.is_active).then(
              () => app.refresh(),
              onError(null),
            ),
        },
        product.is_active ? 'Deactivate' : 'Activate',
      ),
      h(
        'button',
        {
          type: 'button',
          class: 'button danger',
          onclick: () =>
            deleteProduct(app, { ...product, version }).then(
              (done) => done && app.navigate('/admin/products'),
              onError(null),
            ),
        },
        'Delete product',
      ),
    ),
  );
}

export const adminEditProductView: View = async (app, route, signal) => {
  if (!app.auth.session) return signInFirst(app, route, 'Sign in as an admin to manage products.');
  if (!app.auth.isAdmin) return forbidden();
  let product: Product;
  let version: number;
  try {
    const response = await app.api.get<Product>(
      `/products/${encodeURIComponent(route.params.id!)}`,
      undefined,
      signal,
    );
    product = response.data;
    version = versionOf(product, response.etag);
  } catch (error) {
    return {
      title: 'Product',
      node: h(
        'div',
        null,
        pageHeader('Product'),
        errorBox(error),
        link('/admin/products', 'Back to products', { class: 'button secondary' }),
      ),
    };
  }

  const outcome = h('div', { class: 'outcome', id: 'product-outcome' });
  const edit: ProductEdit = {
    app,
    product,
    version,
    outcome,
    onError: (form) => (error) => showSaveError(app, outcome, form, error),
  };
  const form = detailsForm(edit);
  const stockForm = stockAdjustForm(edit);
  const dangerZone = availabilityZone(edit);

  return {
    title: `Edit ${product.name}`,
    node: h(
      'div',
      null,
      h(
        'nav',
        { class: 'breadcrumbs', 'aria-label': 'Breadcrumb' },
        link('/admin/products', 'Products'),
        h('span', { 'aria-hidden': 'true' }, ' / '),
        h('span', { 'aria-current': 'page' }, product.name),
      ),
      pageHeader(
        product.name,
        product.is_active
          ? link(`/products/${product.product_id}`, 'View in shop', { class: 'button secondary' })
          : null,
      ),
      h(
        'p',
        { class: 'muted small' },
        `Version ${version} · updated ${new Date(product.updated_at).toLocaleString()}`,
      ),
      outcome,
      h(
        'div',
        { class: 'admin-layout' },
        h('section', { 'aria-label': 'Details', class: 'panel' }, form),
        h(
          'div',
          { class: 'side' },
          h('div', { class: 'panel' }, stockForm),
          h('div', { class: 'panel' }, dangerZone),
        ),
      ),
    ),
  };
};
