// Checkout: contact, shipping and billing address → POST /orders with the attempt's Idempotency-Key.
// A price change (409 price_mismatch) shows the new total and asks to confirm; short stock (409
// insufficient_stock) explains each line and offers to fit the cart; a lost answer is retried with the
// same key, so the shopper never pays twice.

import { ApiError } from '../api.ts';
import {
  acceptServerPrices,
  afterOrderPlaced,
  type Cart,
  checkoutBlocker,
  fitToStock,
  lineTotal,
  type StockProblem,
  totals,
  withCheckoutKey,
} from '../cart.ts';
import { type CheckoutDetails, type CheckoutOutcome, emptyDetails, placeOrder } from '../checkout.ts';
import type { AppContext, View } from '../context.ts';
import { field, h, replace, showFieldErrors } from '../dom.ts';
import { formatMinor, formatMoney, toMinor } from '../money.ts';
import { relevantErrors } from '../problem.ts';
import type { PostalAddress } from '../types.ts';
import { emptyState, errorBox, link, notice, pageHeader, signInFirst } from './common.ts';

const DETAILS_KEY = 'shop.checkout.details.v1';

function loadDetails(app: AppContext): CheckoutDetails {
  const fallback = emptyDetails(app.auth.identity?.email ?? '');
  try {
    const stored = JSON.parse(
      app.sessionStorage.getItem(DETAILS_KEY) ?? 'null',
    ) as Partial<CheckoutDetails> | null;
    return stored ? { ...fallback, ...stored } : fallback;
  } catch {
    return fallback;
  }
}

const input = (name: string, value: string, props: Record<string, string | boolean | number> = {}) =>
  h('input', { name, value, type: 'text', ...props });

function addressFields(
  prefix: 'shipping_address' | 'billing_address',
  value: PostalAddress,
  required: boolean,
) {
  const req = { required, maxlength: 200 };
  return [
    field(
      'Street and number',
      input(`${prefix}.street`, value.street, {
        ...req,
        autocomplete: `${prefix === 'shipping_address' ? 'shipping' : 'billing'} street-address`,
      }),
    ),
    h(
      'div',
      { class: 'row' },
      field(
        'ZIP / postal code',
        input(`${prefix}.zip_code`, value.zip_code, {
          required,
          maxlength: 20,
          autocomplete: `${prefix === 'shipping_address' ? 'shipping' : 'billing'} postal-code`,
        }),
      ),
      field(
        'City',
        input(`${prefix}.city`, value.city, {
          required,
          maxlength: 100,
          autocomplete: `${prefix === 'shipping_address' ? 'shipping' : 'billing'} address-level2`,
        }),
      ),
    ),
    h(
      'div',
      { class: 'row' },
      field(
        'State / region (optional)',
        input(`${prefix}.state`, value.state ?? '', {
          maxlength: 100,
          autocomplete: `${prefix === 'shipping_address' ? 'shipping' : 'billing'} address-level1`,
        }),
      ),
      field(
        'Country',
        input(`${prefix}.country`, value.country, {
          required,
          maxlength: 100,
          autocomplete: `${prefix === 'shipping_address' ? 'shipping' : 'billing'} country-name`,
        }),
      ),
    ),
  ];
}

function readDetails(form: HTMLFormElement): CheckoutDetails {
  const data = new FormData(form);
  const text = (name: string) => String(data.get(name) ?? '');
  const addressOf = (prefix: string): PostalAddress => ({
    street: text(`${prefix}.street`),
    city: text(`${prefix}.city`),
    zip_code: text(`${prefix}.zip_code`),
    country: text(`${prefix}.country`),
    state: text(`${prefix}.state`),
  });
  return {
    name: text('customer_name'),
    email: text('customer_email'),
    phone: text('customer_phone'),
    shipping: addressOf('shipping_address'),
    billingSameAsShipping: data.get('billing_same') === 'on',
    billing: addressOf('billing_address'),
    notes: text('notes'),
  };
}

function orderSummary(cart: Cart): HTMLElement {
  const [total] = totals(cart);
  return h(
    'section',
    { class: 'summary order-summary', 'aria-labelledby': 'summary-title' },
    h('h2', { id: 'summary-title' }, 'Order summary'),
    h(
      'ul',
      { class: 'summary-lines' },
      cart.lines.map((line) =>
        h(
          'li',
          null,
          h('span', { class: 'summary-name' }, `${line.quantity} × ${line.name}`),
          h('span', { class: 'summary-amount' }, formatMinor(lineTotal(line), line.currency)),
        ),
      ),
    ),
    total
      ? h(
          'p',
          { class: 'summary-total' },
          h('span', null, 'Total'),
          h('strong', { class: 'total-amount' }, formatMinor(total.amount, total.currency)),
        )
      : null,
    h('p', null, link('/cart', 'Edit cart')),
  );
}

const stockSentence = (name: string, problem: StockProblem) => {
  if (problem.reason === 'insufficient_stock') {
    return (problem.available ?? 0) > 0
      ? `${name}: only ${problem.available} left (you asked for ${problem.requested}).`
      : `${name}: out of stock.`;
  }
  return `${name}: no longer available.`;
};

type Outcome<K extends CheckoutOutcome['kind']> = Extract<CheckoutOutcome, { kind: K }>;

/** The checkout page's parts that its outcomes update. */
interface CheckoutPage {
  app: AppContext;
  form: HTMLFormElement;
  outcome: HTMLElement;
  submit: HTMLButtonElement;
  summarySlot: HTMLElement;
  /** Places the order (again). */
  send: () => Promise<void>;
}

/** Nothing to check out, or a cart that cannot be checked out as it is: the page says so instead. */
function checkoutUnavailable(cart: Cart) {
  if (cart.lines.length === 0) {
    return {
      title: 'Checkout',
      node: h(
        'div',
        null,
        pageHeader('Checkout'),
        emptyState(
          'Your cart is empty',
          'There is nothing to check out yet.',
          link('/', 'Browse the catalog', { class: 'button primary' }),
        ),
      ),
    };
  }
  const blocker = checkoutBlocker(cart);
  if (!blocker) return undefined;
  return {
    title: 'Checkout',
    node: h(
      'div',
      null,
      pageHeader('Checkout'),
      notice('warning', h('p', null, blocker)),
      link('/cart', 'Back to the cart', { class: 'button secondary' }),
    ),
  };
}

function contactFieldset(details: CheckoutDetails): HTMLElement {
  return h(
    'fieldset',
    null,
    h('legend', null, 'Contact'),
    field(
      'Full name',
      input('customer_name', details.name, { required: true, maxlength: 200, autocomplete: 'name' }),
    ),
    h(
      'div',
      { class: 'row' },
      field(
        'Email',
        input('customer_email', details.email, {
          type: 'email',
          required: true,
          maxlength: 320,
          autocomplete: 'email',
        }),
      ),
      field(
        'Phone (optional)',
        input('customer_phone', details.phone, {
          type: 'tel',
          maxlength: 32,
          autocomplete: 'tel',
          pattern: '\\+?[0-9][0-9 \\(\\)\\.\\-]{2,31}',
        }),
        'Digits, spaces, + ( ) . -',
      ),
    ),
  );
}

/** "Same as shipping" and the billing address it hides (its fields required only when shown). */
function billingSection(details: CheckoutDetails): [checkbox: HTMLElement, fieldset: HTMLElement] {
  const billingSame = h('input', {
    type: 'checkbox',
    name: 'billing_same',
    id: 'billing-same',
    checked: details.billingSameAsShipping,
  });
  const billing = h(
    'fieldset',
    { class: 'billing', hidden: details.billingSameAsShipping },
    h('legend', null, 'Billing address'),
    addressFields('billing_address', details.billing, !details.billingSameAsShipping),
  );
  billingSame.addEventListener('change', () => {
    billing.hidden = billingSame.checked;
    for (const control of billing.querySelectorAll<HTMLInputElement>('input:not([name$=".state"])'))
      control.required = !billingSame.checked;
  });
  const checkbox = h(
    'div',
    { class: 'check' },
    billingSame,
    h('label', { for: 'billing-same' }, 'Billing address is the same as shipping'),
  );
  return [checkbox, billing];
}

function checkoutForm(details: CheckoutDetails, outcome: HTMLElement, submit: HTMLElement): HTMLFormElement {
  return h(
    'form',
    { class: 'checkout-form' },
    contactFieldset(details),
    h(
      'fieldset',
      null,
      h('legend', null, 'Shipping address'),
      addressFields('shipping_address', details.shipping, true),
    ),
    ...billingSection(details),
    field(
      'Notes for the shop (optional)',
      h('textarea', { name: 'notes', rows: 3, maxlength: 2000 }, details.notes),
    ),
    outcome,
    submit,
  );
}

function showPlaced(page: CheckoutPage, result: Outcome<'placed'>) {
  const { app } = page;
  app.cart.update(() => afterOrderPlaced());
  app.flash(
    result.replayed
      ? 'Your order was placed (we confirmed it after a connection hiccup).'
      : 'Thank you! Your order was placed.',
    'success',
  );
  app.navigate(`/orders/${result.order.order_id}`);
}

/** Each line's price when it was added against the shop's price now. */
function priceChanges(cart: Cart, result: Outcome<'price_changed'>): HTMLElement {
  const byId = new Map(result.items.map((item) => [item.product_id, item]));
  return h(
    'table',
    { class: 'compact' },
    h(
      'thead',
      null,
      h(
        'tr',
        null,
        h('th', { scope: 'col' }, 'Item'),
        h('th', { scope: 'col' }, 'Was'),
        h('th', { scope: 'col' }, 'Now'),
      ),
    ),
    h(
      'tbody',
      null,
      cart.lines.map((line) => {
        const server = byId.get(line.productId);
        const changed = server && toMinor(server.unit_price) !== line.unitPrice;
        return h(
          'tr',
          { class: changed ? 'changed' : '' },
          h('th', { scope: 'row' }, line.name),
          h('td', null, formatMinor(line.unitPrice, line.currency)),
          h('td', null, server ? formatMoney(server.unit_price, result.currency) : '—'),
        );
      }),
    ),
  );
}

function showPriceChanged(page: CheckoutPage, result: Outcome<'price_changed'>) {
  const { app, outcome, summarySlot } = page;
  const current = app.cart.value;
  const was = totals(current)[0];
  const confirm = h(
    'button',
    { type: 'button', class: 'button primary', id: 'confirm-new-total' },
    `Place order for ${formatMoney(result.total, result.currency)}`,
  );
  confirm.addEventListener('click', () => {
    app.cart.update((cart) => acceptServerPrices(cart, result.items, result.currency));
    replace(summarySlot, orderSummary(app.cart.value));
    void page.send();
  });
  replace(
    outcome,
    notice(
      'warning',
      h('h2', null, 'Prices have changed'),
      h('p', null, 'Some prices changed since you added these items. Nothing was ordered yet.'),
      priceChanges(current, result),
      h(
        'p',
        { class: 'new-total' },
        'New total: ',
        h('strong', { id: 'new-total' }, formatMoney(result.total, result.currency)),
        was ? ` (was ${formatMinor(was.amount, was.currency)})` : '',
      ),
      h(
        'div',
        { class: 'actions' },
        confirm,
        link('/cart', 'Review the cart', { class: 'button secondary' }),
      ),
    ),
  );
  confirm.focus();
  app.announce(
    `Prices have changed. The new total is ${formatMoney(result.total, result.currency)}. Confirm to place the order.`,
  );
}

/** After "Update my cart to what is available": what is left, or that nothing is. */
function fitToStockNotice(cart: Cart): HTMLElement {
  return cart.lines.length
    ? notice('info', h('p', null, 'Your cart was updated. Check the summary, then place the order.'))
    : notice(
        'info',
        h('p', null, 'Nothing in your cart is available right now.'),
        link('/', 'Back to the catalog'),
      );
}

function showOutOfStock(page: CheckoutPage, result: Outcome<'out_of_stock'>) {
  const { app, outcome, summarySlot, submit } = page;
  const current = app.cart.value;
  const fit = h(
    'button',
    { type: 'button', class: 'button primary', id: 'fit-to-stock' },
    'Update my cart to what is available',
  );
  fit.addEventListener('click', () => {
    const cart = app.cart.update((c) => fitToStock(c, result.lines));
    replace(outcome, fitToStockNotice(cart));
    replace(summarySlot, orderSummary(cart));
    submit.hidden = cart.lines.length === 0;
    app.announce('Your cart was updated to what is available.');
  });
  replace(
    outcome,
    notice(
      'warning',
      h('h2', null, 'Not enough stock'),
      h('p', null, 'Some items are not available in the quantity you asked for. Nothing was ordered yet.'),
      h(
        'ul',
        { class: 'stock-problems' },
        result.lines.map((line) =>
          h('li', null, stockSentence(current.lines[line.index]?.name ?? `Item ${line.index + 1}`, line)),
        ),
      ),
      h('div', { class: 'actions' }, fit, link('/cart', 'Review the cart', { class: 'button secondary' })),
    ),
  );
  fit.focus();
}

function showAlreadyPlaced(page: CheckoutPage) {
  // The first attempt did create an order; its answer was lost. Keep the cart, but a new attempt gets a new key.
  page.app.cart.update((cart) => ({ ...cart, checkoutKey: null }));
  replace(
    page.outcome,
    notice(
      'warning',
      h('h2', null, 'You already placed this order'),
      h(
        'p',
        null,
        'An earlier attempt of this checkout went through, with different details. Check My orders before ordering again.',
      ),
      link('/orders', 'See my orders', { class: 'button secondary' }),
    ),
  );
}

function showFailed(page: CheckoutPage, result: Outcome<'failed'>) {
  const { form, outcome } = page;
  const error = result.error;
  if (error instanceof ApiError && error.problem.errors?.length)
    showFieldErrors(form, relevantErrors(error.problem));
  const network = error instanceof ApiError && error.status === 0;
  replace(
    outcome,
    errorBox(
      error,
      network
        ? h(
            'p',
            null,
            'We could not confirm your order. Pressing “Place order” again is safe: it will never order twice.',
          )
        : null,
    ),
  );
  (form.querySelector('[aria-invalid="true"]') as HTMLElement | null)?.focus();
}

function showOutcome(page: CheckoutPage, result: CheckoutOutcome) {
  showFieldErrors(page.form, []);
  // While a price or stock question is open, its own buttons are the way on.
  page.submit.hidden = result.kind === 'price_changed' || result.kind === 'out_of_stock';
  switch (result.kind) {
    case 'placed':
      return showPlaced(page, result);
    case 'price_changed':
      return showPriceChanged(page, result);
    case 'out_of_stock':
      return showOutOfStock(page, result);
    case 'already_placed':
      return showAlreadyPlaced(page);
    case 'failed':
      return showFailed(page, result);
  }
}

export const checkoutView: View = async (app, route) => {
  if (!app.auth.session) return signInFirst(app, route, 'Sign in to check out. Your cart is kept.');
  const cart = app.cart.value;
  const unavailable = checkoutUnavailable(cart);
  if (unavailable) return unavailable;

  const details = loadDetails(app);
  const summarySlot = h('div', { class: 'summary-slot' }, orderSummary(cart));
  const outcome = h('div', { class: 'outcome', id: 'checkout-outcome' });
  const submit = h(
    'button',
    { type: 'submit', class: 'button primary large block', id: 'place-order' },
    'Place order',
  );
  const form = checkoutForm(details, outcome, submit);
  form.addEventListener('input', () => {
    app.sessionStorage.setItem(DETAILS_KEY, JSON.stringify(readDetails(form)));
  });

  let busy = false;
  const setBusy = (value: boolean, label = 'Place order') => {
    busy = value;
    submit.disabled = value;
    submit.setAttribute('aria-busy', String(value));
    submit.textContent = value ? 'Placing your order…' : label;
  };
  const page: CheckoutPage = { app, form, outcome, submit, summarySlot, send };

  async function send() {
    if (busy) return; // a double click sends once; a repeat after a failure reuses the key anyway
    const entered = readDetails(form);
    app.sessionStorage.setItem(DETAILS_KEY, JSON.stringify(entered));
    const attempt = app.cart.update((current) => withCheckoutKey(current, () => crypto.randomUUID()));
    setBusy(true);
    replace(outcome);
    app.announce('Placing your order…');
    let result: CheckoutOutcome;
    try {
      result = await placeOrder(app.api, attempt, entered);
    } finally {
      setBusy(false);
    }
    showOutcome(page, result);
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (!form.reportValidity()) return;
    void send();
  });

  return {
    title: 'Checkout',
    node: h(
      'div',
      null,
      pageHeader('Checkout'),
      h('div', { class: 'checkout-layout' }, form, summarySlot),
      h(
        'p',
        { class: 'muted small' },
        'Orders are priced by the shop when placed; you will be asked to confirm if a price changed.',
      ),
    ),
  };
};
