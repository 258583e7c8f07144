// Pieces several views share: error boxes, empty states, status badges, product thumbnails, prices.

import { ApiError } from '../api.ts';
import { AuthError } from '../auth/http.ts';
import type { AppContext, Route } from '../context.ts';
import { type Child, h } from '../dom.ts';
import { formatMoney } from '../money.ts';
import { fieldMessages, problemSummary } from '../problem.ts';
import type { Address, OrderStatus, Product } from '../types.ts';

/** An error as a message box: the problem's detail and each field error, announced (role=alert). */
export function errorBox(error: unknown, extra?: Child): HTMLElement {
  let summary = 'Something went wrong. Please try again.';
  let fields: string[] = [];
  if (error instanceof ApiError) {
    summary = problemSummary(error.problem);
    fields = fieldMessages(error.problem);
  } else if (error instanceof AuthError) {
    summary = error.message;
  }
  return h(
    'div',
    { class: 'notice error', role: 'alert' },
    h('p', null, summary),
    fields.length
      ? h(
          'ul',
          null,
          fields.map((message) => h('li', null, message)),
        )
      : null,
    extra,
  );
}

export const notice = (kind: 'success' | 'info' | 'error' | 'warning', ...children: Child[]) =>
  h('div', { class: `notice ${kind}`, role: kind === 'error' ? 'alert' : 'status' }, ...children);

export function emptyState(title: string, text: string, action?: Child): HTMLElement {
  return h('div', { class: 'empty' }, h('h2', null, title), h('p', null, text), action);
}

export function pageHeader(title: string, ...aside: Child[]): HTMLElement {
  return h(
    'div',
    { class: 'page-header' },
    h('h1', { tabindex: '-1' }, title),
    aside.length ? h('div', { class: 'page-actions' }, aside) : null,
  );
}

const statusText: Record<OrderStatus, string> = {
  PENDING: 'Pending',
  CONFIRMED: 'Confirmed',
  SHIPPED: 'Shipped',
  DELIVERED: 'Delivered',
  CANCELLED: 'Cancelled',
};

export const statusLabel = (status: OrderStatus) => statusText[status] ?? status;

export const statusBadge = (status: OrderStatus) =>
  h('span', { class: `badge status-${status.toLowerCase()}`, 'data-status': status }, statusLabel(status));

export const price = (amount: number, currency: string) =>
  h('span', { class: 'price' }, formatMoney(amount, currency));

function hue(text: string): number {
  let hash = 0;
  for (const char of text) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return hash % 360;
}

/** A product has no images in this API: a coloured tile with its initials stands in (decorative). */
export function productThumb(
  product: Pick<Product, 'name' | 'sku'>,
  size: 'small' | 'large' = 'small',
): HTMLElement {
  const initials = product.name
    .split(/\s+/)
    .filter((word) => /^[\p{L}\p{N}]/u.test(word))
    .slice(0, 2)
    .map((word) => word[0]!.toUpperCase())
    .join('');
  const base = hue(product.sku);
  return h(
    'div',
    {
      class: `thumb thumb-${size}`,
      'aria-hidden': 'true',
      style: `--h1:${base};--h2:${(base + 40) % 360}`,
    },
    initials || '•',
  );
}

export function stockText(product: Pick<Product, 'stock_quantity' | 'is_active'>): {
  text: string;
  kind: string;
} {
  if (!product.is_active) return { text: 'Not available', kind: 'out' };
  if (product.stock_quantity <= 0) return { text: 'Out of stock', kind: 'out' };
  if (product.stock_quantity <= 5) return { text: `Only ${product.stock_quantity} left`, kind: 'low' };
  return { text: 'In stock', kind: 'in' };
}

export function addressText(address: Address | null): string {
  if (!address) return '—';
  if (typeof address === 'string') return address;
  return [address.street, [address.zip_code, address.city].join(' '), address.state, address.country]
    .filter(Boolean)
    .join(', ');
}

/** Sends the visitor to sign in (and back here afterwards); returns a placeholder view. */
export function signInFirst(app: AppContext, route: Route, why: string) {
  app.flash(why, 'info');
  app.navigate(`/signin?next=${encodeURIComponent(route.href)}`, { replace: true });
  return { title: 'Sign in', node: h('p', null, 'Redirecting to sign in…') };
}

export const shortId = (id: string) => id.slice(0, 8).toUpperCase();

export function link(href: string, text: Child, props: Record<string, string> = {}) {
  return h('a', { href: `#${href}`, ...props }, text);
}

/** A <select> of options; `value` selected. */
export function select(name: string, options: Array<[value: string, label: string]>, value: string) {
  return h(
    'select',
    { name },
    options.map(([optionValue, label]) =>
      h('option', { value: optionValue, selected: optionValue === value }, label),
    ),
  );
}

/** The catalog's orders, for shoppers and admins alike. */
export const SORTS: Array<[string, string]> = [
  ['name', 'Name (A–Z)'],
  ['-name', 'Name (Z–A)'],
  ['price', 'Price (low to high)'],
  ['-price', 'Price (high to low)'],
  ['-created_at', 'Newest first'],
];

/** A page only admins may see, shown to a signed-in customer. */
export function forbidden() {
  return {
    title: 'Admins only',
    node: h(
      'div',
      null,
      pageHeader('Admins only'),
      emptyState(
        'This page is for shop admins',
        'Your account is a customer account of this store.',
        link('/', 'Back to the catalog', { class: 'button secondary' }),
      ),
    ),
  };
}
