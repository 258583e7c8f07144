// The cart page: quantities, removal, totals per currency, and the way to checkout.

import {
  type CartLine,
  checkoutBlocker,
  itemCount,
  lineTotal,
  MAX_QUANTITY,
  removeLine,
  setQuantity,
  totals,
} from '../cart.ts';
import type { AppContext, View } from '../context.ts';
import { h } from '../dom.ts';
import { formatMinor } from '../money.ts';
import { emptyState, link, notice, pageHeader, productThumb } from './common.ts';

function lineRow(app: AppContext, line: CartLine): HTMLElement {
  const qtyId = `qty-${line.productId}`;
  const quantity = h('input', {
    id: qtyId,
    type: 'number',
    min: 0,
    max: MAX_QUANTITY,
    value: String(line.quantity),
    inputmode: 'numeric',
    class: 'qty-input',
  });
  quantity.addEventListener('change', () => {
    const next = Number(quantity.value);
    if (!Number.isFinite(next) || next < 0) return;
    app.cart.update((cart) => setQuantity(cart, line.productId, next));
    app.announce(next === 0 ? `Removed ${line.name}.` : `${line.name}: quantity ${next}.`);
    app.refresh();
  });
  return h(
    'li',
    { class: 'cart-line' },
    productThumb(line),
    h(
      'div',
      { class: 'cart-line-info' },
      h('h2', { class: 'cart-line-name' }, link(`/products/${line.productId}`, line.name)),
      h('p', { class: 'sku' }, line.sku),
      h('p', { class: 'muted' }, `${formatMinor(line.unitPrice, line.currency)} each`),
    ),
    h(
      'div',
      { class: 'cart-line-qty field' },
      h('label', { for: qtyId }, 'Quantity', h('span', { class: 'visually-hidden' }, ` of ${line.name}`)),
      quantity,
    ),
    h('p', { class: 'cart-line-total' }, formatMinor(lineTotal(line), line.currency)),
    h(
      'button',
      {
        type: 'button',
        class: 'button link danger-text',
        'aria-label': `Remove ${line.name} from the cart`,
        onclick: () => {
          app.cart.update((cart) => removeLine(cart, line.productId));
          app.announce(`Removed ${line.name}.`);
          app.refresh();
        },
      },
      'Remove',
    ),
  );
}

export const cartView: View = async (app) => {
  const cart = app.cart.value;
  if (cart.lines.length === 0) {
    return {
      title: 'Cart',
      node: h(
        'div',
        null,
        pageHeader('Your cart'),
        emptyState(
          'Your cart is empty',
          'Add something from the catalog to get started.',
          link('/', 'Browse the catalog', { class: 'button primary' }),
        ),
      ),
    };
  }
  const blocker = checkoutBlocker(cart);
  const count = itemCount(cart);
  return {
    title: 'Cart',
    node: h(
      'div',
      null,
      pageHeader('Your cart'),
      h(
        'p',
        { class: 'muted' },
        `${count} item${count === 1 ? '' : 's'}. Prices are confirmed when you place the order.`,
      ),
      h(
        'ul',
        { class: 'cart-lines', 'aria-label': 'Items in your cart' },
        cart.lines.map((line) => lineRow(app, line)),
      ),
      h(
        'div',
        { class: 'summary' },
        h(
          'dl',
          { class: 'totals' },
          totals(cart).map(({ currency, amount }) => [
            h('dt', null, totals(cart).length > 1 ? `Total (${currency})` : 'Total'),
            h('dd', { class: 'total-amount' }, formatMinor(amount, currency)),
          ]),
        ),
        blocker ? notice('warning', h('p', null, blocker)) : null,
        h(
          'div',
          { class: 'actions' },
          link('/', 'Continue shopping', { class: 'button secondary' }),
          blocker
            ? null
            : link('/checkout', app.auth.session ? 'Checkout' : 'Sign in to check out', {
                class: 'button primary',
              }),
        ),
      ),
    ),
  };
};
