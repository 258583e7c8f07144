// Orders: a shopper's own (newest first), the tenant's for admins (status filter), and one order with
// its status history and the moves the viewer may make (customers cancel a PENDING order; admins move it
// through the lifecycle), each sent with If-Match so a stale page cannot overwrite a newer change.

import { ApiError } from '../api.ts';
import type { AppContext, Route, View } from '../context.ts';
import { type Child, confirmDialog, formatDate, h, type Props, replace } from '../dom.ts';
import { formatMoney } from '../money.ts';
import { NEXT_STATUSES, ORDER_STATUSES, type Order, type OrderPage, type OrderStatus } from '../types.ts';
import {
  addressText,
  emptyState,
  errorBox,
  forbidden,
  link,
  notice,
  pageHeader,
  select,
  shortId,
  signInFirst,
  statusBadge,
  statusLabel,
} from './common.ts';

const PAGE_SIZE = 20;

function ordersTable(orders: Order[], admin: boolean): HTMLElement {
  return h(
    'table',
    { class: 'data orders-table' },
    h(
      'thead',
      null,
      h(
        'tr',
        null,
        h('th', { scope: 'col' }, 'Order'),
        h('th', { scope: 'col' }, 'Placed'),
        admin ? h('th', { scope: 'col' }, 'Customer') : null,
        h('th', { scope: 'col' }, 'Items'),
        h('th', { scope: 'col', class: 'num' }, 'Total'),
        h('th', { scope: 'col' }, 'Status'),
      ),
    ),
    h(
      'tbody',
      null,
      orders.map((order) => orderRow(order, admin)),
    ),
  );
}

function orderRow(order: Order, admin: boolean): HTMLElement {
  const items = order.items.reduce((sum, line) => sum + line.quantity, 0);
  return h(
    'tr',
    { 'data-order-id': order.order_id },
    h(
      'th',
      { scope: 'row', 'data-label': 'Order' },
      link(`${admin ? '/admin' : ''}/orders/${order.order_id}`, `#${shortId(order.order_id)}`, {
        'aria-label': `Order ${shortId(order.order_id)}`,
      }),
    ),
    h('td', { 'data-label': 'Placed' }, formatDate(order.created_at)),
    admin
      ? h(
          'td',
          { 'data-label': 'Customer' },
          order.customer_name ?? order.customer_email ?? order.customer_id,
        )
      : null,
    h('td', { 'data-label': 'Items' }, String(items)),
    h('td', { class: 'num', 'data-label': 'Total' }, formatMoney(order.total_amount, order.currency)),
    h('td', { 'data-label': 'Status' }, statusBadge(order.status)),
  );
}

/** A page of orders with a status filter and "Load more" (cursor paging, appended). */
async function ordersList(app: AppContext, route: Route, signal: AbortSignal, admin: boolean) {
  const title = admin ? 'Orders' : 'My orders';
  if (!app.auth.session) return signInFirst(app, route, 'Sign in to see your orders.');
  const status = (ORDER_STATUSES as readonly string[]).includes(route.query.get('status') ?? '')
    ? (route.query.get('status') as OrderStatus)
    : '';
  const base = admin ? '/admin/orders' : '/orders';
  const filter = select(
    'status',
    [['', 'All statuses'], ...ORDER_STATUSES.map((s): [string, string] => [s, statusLabel(s)])],
    status,
  );
  filter.id = 'orders-status';
  filter.addEventListener('change', () =>
    app.navigate(filter.value ? `${base}?status=${filter.value}` : base),
  );
  const filters = h(
    'div',
    { class: 'filters compact' },
    h('div', { class: 'field' }, h('label', { for: 'orders-status' }, 'Status'), filter),
  );

  const query = {
    limit: PAGE_SIZE,
    status: status || undefined,
    ...(!admin && app.auth.isAdmin ? { my_orders: true } : {}),
  };
  let page: OrderPage;
  try {
    page = (await app.api.get<OrderPage>('/orders', query, signal)).data;
  } catch (error) {
    return { title, node: h('div', null, pageHeader(title), filters, errorBox(error)) };
  }
  if (page.orders.length === 0) {
    return {
      title,
      node: h(
        'div',
        null,
        pageHeader(title),
        filters,
        status
          ? emptyState(`No ${statusLabel(status).toLowerCase()} orders`, 'Try another status.')
          : admin
            ? emptyState('No orders yet', 'Orders placed in this store will show here.')
            : emptyState(
                'You have no orders yet',
                'When you place an order it shows up here.',
                link('/', 'Browse the catalog', { class: 'button primary' }),
              ),
      ),
    };
  }
  const table = ordersTable(page.orders, admin);
  const tbody = table.querySelector('tbody')!;
  const more = h('div', { class: 'load-more' });
  const countText = h('p', { class: 'result-count', role: 'status' });
  let shown = page.orders.length;
  const setCount = () => {
    countText.textContent = `${shown} order${shown === 1 ? '' : 's'}${status ? ` ${statusLabel(status).toLowerCase()}` : ''}, newest first.`;
  };
  setCount();
  let cursor = page.next_cursor;
  const renderMore = () => {
    if (!cursor) return replace(more);
    const button = h('button', { type: 'button', class: 'button secondary' }, 'Load more orders');
    button.addEventListener('click', async () => {
      button.disabled = true;
      button.textContent = 'Loading…';
      try {
        const next = (await app.api.get<OrderPage>('/orders', { ...query, cursor }, undefined)).data;
        for (const order of next.orders) tbody.append(orderRow(order, admin));
        shown += next.orders.length;
        cursor = next.next_cursor;
        setCount();
        renderMore();
      } catch (error) {
        replace(more, errorBox(error));
      }
    });
    replace(more, button);
  };
  renderMore();
  return {
    title,
    node: h(
      'div',
      null,
      pageHeader(title),
      filters,
      countText,
      h('div', { class: 'table-wrap' }, table),
      more,
    ),
  };
}

export const myOrdersView: View = (app, route, signal) => ordersList(app, route, signal, false);
export const adminOrdersView: View = (app, route, signal) => {
  if (app.auth.session && !app.auth.isAdmin) return Promise.resolve(forbidden());
  return ordersList(app, route, signal, true);
};

const moveLabels: Record<OrderStatus, string> = {
  PENDING: 'Back to pending',
  CONFIRMED: 'Confirm order',
  SHIPPED: 'Mark as shipped',
  DELIVERED: 'Mark as delivered',
  CANCELLED: 'Cancel order',
};

function orderNotFound(error: unknown) {
  const missing = error instanceof ApiError && (error.status === 404 || error.status === 400);
  return {
    title: 'Order not found',
    node: h(
      'div',
      null,
      pageHeader('Order not found'),
      missing
        ? emptyState(
            'We cannot find this order',
            'It does not exist, or it is not yours to see.',
            link('/orders', 'My orders', { class: 'button secondary' }),
          )
        : errorBox(error),
    ),
  };
}

/** Moves the order to `to` (a cancel asks first, with an optional reason); a failure is shown in `outcome`. */
async function moveOrder(
  app: AppContext,
  order: Order,
  to: OrderStatus,
  button: HTMLButtonElement,
  outcome: HTMLElement,
) {
  const cancelling = to === 'CANCELLED';
  const answer = cancelling
    ? await confirmDialog({
        title: 'Cancel this order?',
        message: 'The items go back on sale. This cannot be undone.',
        confirm: 'Cancel order',
        cancel: 'Keep order',
        danger: true,
        input: { label: 'Reason (optional)', maxLength: 500 },
      })
    : { confirmed: true, text: '' };
  if (!answer.confirmed) return;
  button.disabled = true;
  button.setAttribute('aria-busy', 'true');
  try {
    await app.api.request(`/orders/${order.order_id}`, {
      method: 'PUT',
      body: { status: to, ...(answer.text ? { reason: answer.text } : {}) },
      ifMatch: order.version,
    });
    app.flash(`Order ${shortId(order.order_id)} is now ${statusLabel(to).toLowerCase()}.`, 'success');
    app.refresh();
  } catch (error) {
    button.disabled = false;
    button.removeAttribute('aria-busy');
    const stale = error instanceof ApiError && error.status === 412;
    replace(
      outcome,
      stale
        ? notice(
            'warning',
            h('p', null, 'This order was changed by someone else meanwhile.'),
            h(
              'button',
              { type: 'button', class: 'button secondary', onclick: () => app.refresh() },
              'Reload the order',
            ),
          )
        : errorBox(error),
    );
  }
}

/** The status moves this user may make: an admin any next status, a customer only cancelling a pending order. */
function orderActions(app: AppContext, order: Order): HTMLElement | null {
  const admin = app.auth.isAdmin;
  const moves = NEXT_STATUSES[order.status].filter(
    (to) => admin || (to === 'CANCELLED' && order.status === 'PENDING'),
  );
  if (!moves.length) return null;
  const outcome = h('div', { class: 'outcome' });
  return h(
    'section',
    { class: 'order-actions', 'aria-labelledby': 'order-actions-title' },
    h('h2', { id: 'order-actions-title' }, admin ? 'Move this order' : 'Change your mind?'),
    h(
      'div',
      { class: 'actions' },
      moves.map((to) => {
        const button = h(
          'button',
          {
            type: 'button',
            class: to === 'CANCELLED' ? 'button danger' : 'button primary',
            'data-move': to,
          },
          moveLabels[to],
        );
        button.addEventListener('click', () => void moveOrder(app, order, to, button, outcome));
        return button;
      }),
    ),
    outcome,
  );
}

const metaRow = (term: string, value: Child, props: Props | null = null) =>
  h('div', null, h('dt', null, term), h('dd', props, value));

function orderMeta(order: Order): HTMLElement {
  return h(
    'dl',
    { class: 'meta' },
    metaRow('Placed', formatDate(order.created_at)),
    metaRow('Total', formatMoney(order.total_amount, order.currency), { class: 'total-amount' }),
    metaRow(
      'Customer',
      [order.customer_name, order.customer_email].filter(Boolean).join(' · ') || order.customer_id,
    ),
    order.customer_phone ? metaRow('Phone', order.customer_phone) : null,
    metaRow('Ships to', addressText(order.shipping_address)),
    metaRow('Billing', addressText(order.billing_address)),
    order.notes ? metaRow('Notes', order.notes) : null,
  );
}

function orderItems(order: Order): HTMLElement {
  return h(
    'section',
    { 'aria-labelledby': 'items-title' },
    h('h2', { id: 'items-title' }, 'Items'),
    h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        { class: 'data' },
        h(
          'thead',
          null,
          h(
            'tr',
            null,
            h('th', { scope: 'col' }, 'Product'),
            h('th', { scope: 'col', class: 'num' }, 'Qty'),
            h('th', { scope: 'col', class: 'num' }, 'Unit price'),
            h('th', { scope: 'col', class: 'num' }, 'Line total'),
          ),
        ),
        h(
          'tbody',
          null,
          order.items.map((line) =>
            h(
              'tr',
              null,
              h(
                'th',
                { scope: 'row', 'data-label': 'Product' },
                line.product_name,
                h('span', { class: 'sku' }, ` ${line.product_sku}`),
              ),
              h('td', { class: 'num', 'data-label': 'Qty' }, String(line.quantity)),
              h(
                'td',
                { class: 'num', 'data-label': 'Unit price' },
                formatMoney(line.unit_price, order.currency),
              ),
              h(
                'td',
                { class: 'num', 'data-label': 'Line total' },
                formatMoney(line.line_total, order.currency),
              ),
            ),
          ),
        ),
        h(
          'tfoot',
          null,
          h(
            'tr',
            null,
            h('th', { scope: 'row', colspan: 3 }, 'Total'),
            h('td', { class: 'num total-amount' }, formatMoney(order.total_amount, order.currency)),
          ),
        ),
      ),
    ),
  );
}

function statusHistory(order: Order): HTMLElement {
  return h(
    'section',
    { 'aria-labelledby': 'history-title' },
    h('h2', { id: 'history-title' }, 'Status history'),
    h(
      'ol',
      { class: 'timeline' },
      order.status_history.map((change) =>
        h(
          'li',
          { 'data-to': change.to },
          h(
            'p',
            { class: 'timeline-status' },
            change.from
              ? [statusLabel(change.from), ' → ', h('strong', null, statusLabel(change.to))]
              : [h('strong', null, statusLabel(change.to)), ' (order placed)'],
          ),
          h(
            'p',
            { class: 'muted small' },
            h('time', { datetime: change.at }, formatDate(change.at)),
            ` · by ${change.by_email ?? change.by}`,
          ),
          change.reason ? h('p', { class: 'small' }, `Reason: ${change.reason}`) : null,
        ),
      ),
    ),
  );
}

export const orderView: View = async (app, route, signal) => {
  if (!app.auth.session) return signInFirst(app, route, 'Sign in to see this order.');
  const id = route.params.id!;
  let order: Order;
  try {
    order = (await app.api.get<Order>(`/orders/${encodeURIComponent(id)}`, undefined, signal)).data;
  } catch (error) {
    return orderNotFound(error);
  }
  return {
    title: `Order ${shortId(order.order_id)}`,
    node: h(
      'article',
      { class: 'order-page' },
      h(
        'nav',
        { class: 'breadcrumbs', 'aria-label': 'Breadcrumb' },
        route.path.startsWith('/admin/') ? link('/admin/orders', 'Orders') : link('/orders', 'My orders'),
        h('span', { 'aria-hidden': 'true' }, ' / '),
        h('span', { 'aria-current': 'page' }, `#${shortId(order.order_id)}`),
      ),
      pageHeader(
        `Order #${shortId(order.order_id)}`,
        h('span', { class: 'order-status', id: 'order-status' }, statusBadge(order.status)),
      ),
      orderMeta(order),
      orderActions(app, order),
      orderItems(order),
      statusHistory(order),
    ),
  };
};
