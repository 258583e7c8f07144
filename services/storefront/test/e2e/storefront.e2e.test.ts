// The storefront end to end: headless Chromium against the real `npm start` stack (gateway, products,
// orders on SQLite, dev issuer). A shopper and an admin go through the pages as people do; outcomes are
// then read back through the API. Tests that need their own store get a fresh tenant and serve the page
// a config.json naming it — the same runtime configuration every deployment uses.
import { createHash } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  eventually,
  expectText,
  launchBrowser,
  navLink,
  openSignIn,
  PHONE,
  requireChromium,
  SKIP_BROWSER_TESTS,
  sidewaysOverflow,
  signInDev,
  textOf,
  withContext,
} from './browser.ts';
import { patience } from './patience.ts';
import { createProducts, freshTenant, type Stack, startStack } from './stack.ts';

if (SKIP_BROWSER_TESTS) {
  console.warn('\nSKIP_BROWSER_TESTS=1: THE STOREFRONT BROWSER TESTS ARE SKIPPED.\n');
}

interface OrderJson {
  order_id: string;
  status: string;
  total_amount: number;
  items: Array<{ product_sku: string; quantity: number; unit_price: number }>;
  status_history: Array<{ to: string }>;
}

/** A config.json of deploy/storefront-config.schema.json's shape, for a store of the test's own. */
const localConfig = (tenant: string, auth: object = { mode: 'dev', issuer: '/dev-issuer' }) => ({
  apiBaseUrl: '',
  tenant,
  provider: 'local',
  auth,
});

const unique = (label: string) => `${label}-${Math.random().toString(36).slice(2, 8)}`;

async function cardNames(page: Page): Promise<string[]> {
  return (await page.locator('.product-card .card-title').allTextContents()).map((name) => name.trim());
}

async function fillCheckout(page: Page, name = 'Ada Lovelace') {
  await page.getByLabel('Full name').fill(name);
  await page.getByLabel('Street and number').first().fill('12 Analytical Way');
  await page.getByLabel('ZIP / postal code').first().fill('EC1A 1BB');
  await page.getByLabel('City').first().fill('London');
  await page.getByLabel('Country').first().fill('United Kingdom');
}

async function orderIdFromUrl(page: Page): Promise<string> {
  await page.waitForURL(/#\/orders\/[0-9a-f-]{36}/);
  return page.url().split('#/orders/')[1]!.split('?')[0]!;
}

// A test waits for the page several times: its own bound grows with the machine's load like each wait's.
describe.skipIf(SKIP_BROWSER_TESTS)('storefront in headless Chromium', { timeout: patience(120_000) }, () => {
  let stack: Stack;
  let browser: Browser;

  beforeAll(async () => {
    requireChromium();
    [stack, browser] = await Promise.all([startStack(), launchBrowser()]);
  }, patience(120_000));

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  it('When a visitor browses anonymously, then the demo catalog can be searched, sorted and opened', () =>
    withContext(browser, stack, {}, async (_context, newPage) => {
      const page = await newPage();
      await page.goto('/');
      await page.locator('.product-card').first().waitFor();

      expect(await cardNames(page)).toContain('Espresso Beans 250 g');
      await expectText(page, '.who', 'demo');
      await expectText(page, 'h1', 'Catalog');

      await page.getByLabel('Search', { exact: true }).fill('mug');
      await page.getByRole('button', { name: 'Search', exact: true }).click();
      await eventually(async () => expect(await cardNames(page)).toEqual(['Ceramic Mug 350 ml']));
      await expectText(page, '.result-count', '1 product matching your search');

      await page.getByLabel('Search', { exact: true }).fill('no such thing');
      await page.keyboard.press('Enter');
      await expectText(page, '.empty', 'No products match');

      await page.getByRole('link', { name: 'Clear the search' }).click();
      await eventually(async () => expect(await cardNames(page)).toContain('Espresso Beans 250 g'));
      await page.getByLabel('Sort by').selectOption({ label: 'Price (high to low)' });
      await eventually(async () => {
        const prices = (await page.locator('.card-price').allTextContents()).map((text) =>
          Number(text.replace(/[^0-9.]/g, '')),
        );
        expect(prices.length).toBeGreaterThan(5);
        expect(prices).toEqual([...prices].sort((a, b) => b - a));
      });

      await page.getByRole('link', { name: 'Hand Burr Grinder' }).first().click();
      await expectText(page, 'h1', 'Hand Burr Grinder');
      await expectText(page, '.big-price', '$79.00');
      await expectText(page, '.product-page .stock', 'In stock');

      await page.goto('/#/products/00000000-0000-4000-8000-000000000000');
      await expectText(page, 'h1', 'Product not found');
    }));

  it('When a store has more products than a page holds, then Next and Previous walk the pages', async () => {
    const tenant = freshTenant('paging');
    const admin = await stack.token(tenant, 'admin');
    await createProducts(
      stack,
      admin,
      Array.from({ length: 14 }, (_, i) => ({
        sku: `ITEM-${String(i + 1).padStart(2, '0')}`,
        name: `Item ${String(i + 1).padStart(2, '0')}`,
        price: 1 + i,
      })),
    );

    await withContext(browser, stack, { config: localConfig(tenant) }, async (_context, newPage) => {
      const page = await newPage();
      await page.goto('/');
      await eventually(async () => expect(await cardNames(page)).toHaveLength(12));
      expect((await cardNames(page))[0]).toBe('Item 01');

      await page.getByRole('link', { name: 'Next →' }).click();
      await eventually(async () => expect(await cardNames(page)).toEqual(['Item 13', 'Item 14']));
      await expectText(page, '.page-number', 'Page 2');

      await page.getByRole('link', { name: '← Previous' }).click();
      await eventually(async () => expect(await cardNames(page)).toHaveLength(12));
      expect((await cardNames(page))[0]).toBe('Item 01');

      await page.locator('summary', { hasText: 'More filters' }).click();
      await page.getByLabel('Per page').selectOption('24');
      await page.getByRole('button', { name: 'Search', exact: true }).click();
      await eventually(async () => expect(await cardNames(page)).toHaveLength(14));
      expect(await page.getByRole('link', { name: 'Next →' }).count()).toBe(0);
    });
  });

  it('When a customer buys through the page, then exactly one order is made (double click), the admin ships it and the customer sees SHIPPED', async () => {
    const customer = unique('ada');
    let orderId = '';

    await withContext(browser, stack, {}, async (_context, newPage) => {
      const page = await newPage();
      await page.goto('/');
      await page.getByRole('button', { name: 'Add Espresso Beans 250 g to cart' }).click();
      await expectText(page, '#cart-count', '1');
      await expectText(page, '#announcer', 'Added 1 × Espresso Beans 250 g to your cart.');

      await page.getByRole('link', { name: 'Ceramic Mug 350 ml' }).first().click();
      await page.getByLabel('Quantity').fill('2');
      await page.getByRole('button', { name: 'Add to cart' }).click();
      await expectText(page, '#cart-count', '3');

      await navLink(page, /^Cart/).click();
      await eventually(async () => expect(await page.locator('.cart-line').count()).toBe(2));
      await expectText(page, '.totals', '$40.90');

      await page.getByRole('link', { name: 'Sign in to check out' }).click();
      await expectText(page, '.notice', 'Sign in to check out. Your cart is kept.');
      await signInDev(page, { role: 'customer', sub: customer, email: `${customer}@example.test` });
      await expectText(page, 'h1', 'Checkout');
      await expectText(page, '#who', `${customer}@example.test`);
      await expectText(page, '#who', 'demo');
      await expectText(page, '#who', 'customer');
      expect(await page.getByLabel('Email').inputValue()).toBe(`${customer}@example.test`);

      await fillCheckout(page);
      await page.locator('#place-order').dblclick();

      orderId = await orderIdFromUrl(page);
      await expectText(page, '.notice.success', 'Thank you! Your order was placed.');
      await expectText(page, '#order-status', 'Pending');
      await expectText(page, '#cart-count', '0');

      await navLink(page, 'My orders').click();
      await eventually(async () => expect(await page.locator('tr[data-order-id]').count()).toBe(1));
      expect(await page.locator('tr[data-order-id]').getAttribute('data-order-id')).toBe(orderId);
      await expectText(page, `tr[data-order-id="${orderId}"]`, 'Pending');
    });

    const token = await stack.token('demo', 'customer', customer);
    const mine = await stack.api<{ orders: OrderJson[]; count: number }>('/orders', { token });
    expect(mine.body.count).toBe(1);
    expect(mine.body.orders[0]).toMatchObject({ order_id: orderId, status: 'PENDING', total_amount: 40.9 });
    expect(mine.body.orders[0]?.items.map((line) => [line.product_sku, line.quantity])).toEqual([
      ['COF-ESP-250', 1],
      ['MUG-CER-350', 2],
    ]);

    await withContext(browser, stack, {}, async (_context, newPage) => {
      const page = await newPage();
      await page.goto('/');
      await openSignIn(page);
      await signInDev(page, { tenant: 'demo', role: 'admin', sub: unique('boss') });
      await navLink(page, 'Orders').click();
      await page.getByLabel('Status').selectOption({ label: 'Pending' });
      await page.locator(`tr[data-order-id="${orderId}"] a`).click();
      await expectText(page, '#order-status', 'Pending');

      await page.getByRole('button', { name: 'Confirm order' }).click();
      await expectText(page, '#order-status', 'Confirmed');
      await page.getByRole('button', { name: 'Mark as shipped' }).click();
      await expectText(page, '#order-status', 'Shipped');
      await expectText(page, '.notice.success', 'is now shipped');
    });

    await withContext(browser, stack, {}, async (_context, newPage) => {
      const page = await newPage();
      await page.goto('/');
      await openSignIn(page);
      await signInDev(page, { role: 'customer', sub: customer });
      await navLink(page, 'My orders').click();
      await expectText(page, `tr[data-order-id="${orderId}"]`, 'Shipped');
      await page.locator(`tr[data-order-id="${orderId}"] a`).click();
      await expectText(page, '#order-status', 'Shipped');
      expect(
        await page
          .locator('.timeline li')
          .evaluateAll((items) => items.map((item) => item.getAttribute('data-to'))),
      ).toEqual(['PENDING', 'CONFIRMED', 'SHIPPED']);
      expect(await page.locator('[data-move]').count()).toBe(0); // nothing a customer may do to a shipped order
    });
  });

  it('When the answer to "Place order" is lost, then the retry carries the same Idempotency-Key and one order exists', async () => {
    const tenant = freshTenant('replay');
    const admin = await stack.token(tenant, 'admin');
    await createProducts(stack, admin, [{ sku: 'KETTLE-1', name: 'Kettle', price: 30 }]);
    const customer = unique('grace');
    const posts: Array<{ key: string | undefined; body: string | null }> = [];

    await withContext(browser, stack, { config: localConfig(tenant) }, async (_context, newPage) => {
      const page = await newPage();
      await page.route(/\/orders$/, async (route) => {
        const request = route.request();
        if (request.method() !== 'POST') return route.continue();
        posts.push({ key: request.headers()['idempotency-key'], body: request.postData() });
        if (posts.length > 1) return route.continue();
        await route.fetch(); // the order is created…
        return route.abort('connectionreset'); // …and its answer never arrives
      });
      await page.goto('/');
      await page.getByRole('button', { name: 'Add Kettle to cart' }).click();
      await navLink(page, /^Cart/).click();
      await page.getByRole('link', { name: 'Sign in to check out' }).click();
      await signInDev(page, { role: 'customer', sub: customer });
      await fillCheckout(page);
      await page.locator('#place-order').click();

      await orderIdFromUrl(page);
      await expectText(page, '.notice.success', 'Your order was placed');
    });

    expect(posts).toHaveLength(2);
    expect(posts[0]?.key).toMatch(/^[0-9a-f-]{36}$/);
    expect(posts[1]?.key).toBe(posts[0]?.key);
    const token = await stack.token(tenant, 'customer', customer);
    const list = await stack.api<{ orders: OrderJson[]; count: number }>('/orders', { token });
    expect(list.body.count).toBe(1);

    // The same request replayed by hand: the first order again, nothing new.
    const replay = await stack.api<{ order: OrderJson }>('/orders', {
      method: 'POST',
      token,
      headers: { 'idempotency-key': posts[0]!.key! },
      body: JSON.parse(posts[0]!.body!),
    });
    expect(replay.status).toBe(201);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.body.order.order_id).toBe(list.body.orders[0]?.order_id);
    expect((await stack.api<{ count: number }>('/orders', { token })).body.count).toBe(1);
  });

  it('When a price changes after the item went into the cart, then checkout shows the new total and orders once confirmed', async () => {
    const tenant = freshTenant('price');
    const admin = await stack.token(tenant, 'admin');
    const [blend] = await createProducts(stack, admin, [{ sku: 'BLEND-1', name: 'House Blend', price: 10 }]);
    const customer = unique('linus');

    await withContext(browser, stack, { config: localConfig(tenant) }, async (_context, newPage) => {
      const page = await newPage();
      await page.goto('/');
      await page.getByRole('button', { name: 'Add House Blend to cart' }).click();
      await page.getByRole('button', { name: 'Add House Blend to cart' }).click();
      await expectText(page, '#cart-count', '2');
      const repriced = await stack.api(`/products/${blend!.product_id}`, {
        method: 'PUT',
        token: admin,
        body: { price: 12.5 },
      });
      expect(repriced.status).toBe(200);

      await navLink(page, /^Cart/).click();
      await expectText(page, '.totals', '$20.00');
      await page.getByRole('link', { name: 'Sign in to check out' }).click();
      await signInDev(page, { role: 'customer', sub: customer });
      await fillCheckout(page);
      await page.locator('#place-order').click();

      await expectText(page, '#checkout-outcome', 'Prices have changed');
      await expectText(page, '#new-total', '$25.00');
      await expectText(page, '.new-total', '(was $20.00)');
      await page.locator('#confirm-new-total').click();

      await orderIdFromUrl(page);
      await expectText(page, '.meta .total-amount', '$25.00');
    });

    const token = await stack.token(tenant, 'customer', customer);
    const list = await stack.api<{ orders: OrderJson[]; count: number }>('/orders', { token });
    expect(list.body.count).toBe(1);
    expect(list.body.orders[0]).toMatchObject({
      total_amount: 25,
      items: [{ product_sku: 'BLEND-1', quantity: 2, unit_price: 12.5 }],
    });
  });

  it('When stock runs short before checkout, then each line is explained and the cart can be fitted to what is left', async () => {
    const tenant = freshTenant('stock');
    const admin = await stack.token(tenant, 'admin');
    const [beans, filters] = await createProducts(stack, admin, [
      { sku: 'BEANS-1', name: 'Beans', price: 8, stock_quantity: 3 },
      { sku: 'FILTERS-1', name: 'Filters', price: 4, stock_quantity: 10 },
    ]);
    const customer = unique('ken');

    await withContext(browser, stack, { config: localConfig(tenant) }, async (_context, newPage) => {
      const page = await newPage();
      await page.goto(`/#/products/${beans!.product_id}`);
      await page.getByLabel('Quantity').fill('3');
      await page.getByRole('button', { name: 'Add to cart' }).click();
      await expectText(page, '#cart-count', '3');
      await page.goto('/#/');
      await page.getByRole('button', { name: 'Add Filters to cart' }).click();
      await expectText(page, '#cart-count', '4');

      // Meanwhile: someone else buys beans, and the filters are withdrawn.
      await stack.api(`/products/${beans!.product_id}`, {
        method: 'PUT',
        token: admin,
        body: { stock_quantity: 1 },
      });
      await stack.api(`/products/${filters!.product_id}`, {
        method: 'PUT',
        token: admin,
        body: { is_active: false },
      });

      await page.goto('/#/checkout');
      await signInDev(page, { role: 'customer', sub: customer });
      await fillCheckout(page);
      await page.locator('#place-order').click();

      await expectText(page, '#checkout-outcome', 'Not enough stock');
      await expectText(page, '.stock-problems', 'Beans: only 1 left (you asked for 3).');
      await expectText(page, '.stock-problems', 'Filters: no longer available.');
      await page.locator('#fit-to-stock').click();
      await expectText(page, '.order-summary', '1 × Beans');
      expect(await textOf(page, '.order-summary')).not.toContain('Filters');
      await page.locator('#place-order').click();

      await orderIdFromUrl(page);
      await expectText(page, '#order-status', 'Pending');
    });

    const token = await stack.token(tenant, 'customer', customer);
    const list = await stack.api<{ orders: OrderJson[] }>('/orders', { token });
    expect(
      list.body.orders.map((order) => order.items.map((line) => [line.product_sku, line.quantity])),
    ).toEqual([[['BEANS-1', 1]]]);
    expect(
      (await stack.api<{ stock_quantity: number }>(`/products/${beans!.product_id}`, { token: admin })).body
        .stock_quantity,
    ).toBe(0);
  });

  it('When a customer of another store signs in, then they see neither the demo products nor a demo order', async () => {
    const demoCustomer = await stack.token('demo', 'customer', unique('demo-shopper'));
    const placed = await stack.api<{ order: OrderJson }>('/orders', {
      method: 'POST',
      token: demoCustomer,
      headers: { 'idempotency-key': unique('iso') },
      body: {
        shipping_address: '1 Demo Street, Demo City',
        items: [{ product_sku: 'COF-ESP-250', quantity: 1 }],
      },
    });
    expect(placed.status).toBe(201);
    const demoOrderId = placed.body.order.order_id;
    const espresso = await stack.api<{ items: Array<{ product_id: string }> }>('/products?sku=COF-ESP-250');
    const espressoId = espresso.body.items[0]!.product_id;

    const other = freshTenant('other');
    await createProducts(stack, await stack.token(other, 'admin'), [
      { sku: 'OTHER-TEA', name: 'Other Store Tea', price: 3 },
    ]);

    await withContext(browser, stack, {}, async (_context, newPage) => {
      const page = await newPage();
      await page.goto('/');
      await openSignIn(page);
      await signInDev(page, { tenant: other, role: 'customer', sub: 'rival' });
      await expectText(page, '#who', other);

      await navLink(page, 'Catalog').click();
      await eventually(async () => expect(await cardNames(page)).toEqual(['Other Store Tea']));

      await navLink(page, 'My orders').click();
      await expectText(page, '.empty', 'You have no orders yet');

      await page.goto(`/#/orders/${demoOrderId}`);
      await expectText(page, 'h1', 'Order not found');
      await page.goto(`/#/products/${espressoId}`);
      await expectText(page, 'h1', 'Product not found');
    });

    const rival = await stack.token(other, 'customer', 'rival');
    expect((await stack.api(`/orders/${demoOrderId}`, { token: rival })).status).toBe(404);
  });

  it('When an admin creates, edits, restocks, deactivates and deletes a product, then the catalog follows (and a stale edit is refused)', async () => {
    const tenant = freshTenant('admin');
    const config = localConfig(tenant);

    await withContext(browser, stack, { config }, async (_context, newPage) => {
      const page = await newPage();
      // A shopper in another browser (own storage, signed out), looking at the catalog meanwhile.
      const shopperContext = await browser.newContext({ baseURL: stack.url });
      await shopperContext.route(/\/config\.json$/, (route) => route.fulfill({ json: config }));
      const shopper = await shopperContext.newPage();
      await page.goto('/');
      await openSignIn(page);
      await signInDev(page, { role: 'admin', sub: 'store-admin' });
      await navLink(page, 'Products').click();
      await expectText(page, '.empty', 'No products');

      await page.getByRole('link', { name: '+ New product' }).click();
      await page.getByLabel('Name').fill('Cold Brew Kit');
      await page.getByLabel('SKU').fill('CB-KIT-1');
      await page.getByLabel('Description').fill('Everything for cold brew.');
      await page.getByLabel('Price').fill('24');
      await page.getByLabel('Stock').fill('10');
      await page.getByRole('button', { name: 'Create product' }).click();
      await expectText(page, '.notice.success', 'Cold Brew Kit was created.');
      const productId = page.url().split('#/admin/products/')[1]!;

      await page.getByLabel('Name').fill('Cold Brew Kit Deluxe');
      await page.getByLabel('Price').fill('27.50');
      await page.getByRole('button', { name: 'Save changes' }).click();
      await expectText(page, '.notice.success', 'Saved Cold Brew Kit Deluxe.');

      await page.getByLabel('Change by').fill('5');
      await page.getByRole('button', { name: 'Adjust stock' }).click();
      await expectText(page, '#stock-now', '15');

      await shopper.goto('/');
      await eventually(async () => expect(await cardNames(shopper)).toEqual(['Cold Brew Kit Deluxe']));
      await expectText(shopper, '.card-price', '$27.50');

      // Another admin changes it meanwhile: this page's If-Match is now stale.
      await stack.api(`/products/${productId}`, {
        method: 'PUT',
        token: await stack.token(tenant, 'admin'),
        body: { name: 'Cold Brew Kit (2025)' },
      });
      await page.getByLabel('Price').fill('30');
      await page.getByRole('button', { name: 'Save changes' }).click();
      await expectText(page, '#product-outcome', 'Someone changed this product since you opened it');
      await page.getByRole('button', { name: 'Reload the product' }).click();
      await eventually(async () =>
        expect(await page.getByLabel('Name').inputValue()).toBe('Cold Brew Kit (2025)'),
      );
      expect(await page.getByLabel('Price').inputValue()).toBe('27.50');

      await page.getByRole('button', { name: 'Deactivate' }).click();
      await expectText(page, '.notice.success', 'is now inactive');
      await shopper.reload();
      await expectText(shopper, '.empty', 'No products yet');

      await navLink(page, 'Products').click();
      await expectText(page, 'tr[data-sku="CB-KIT-1"]', 'Inactive');
      await page.getByRole('button', { name: 'Delete Cold Brew Kit (2025)' }).click();
      await page.locator('dialog').getByRole('button', { name: 'Delete product' }).click();
      await expectText(page, '.notice.success', 'was deleted');
      await expectText(page, '.empty', 'No products');

      expect(
        (await stack.api(`/products/${productId}`, { token: await stack.token(tenant, 'admin') })).status,
      ).toBe(404);
      await shopperContext.close();
    });
  });

  it('When a product is created with a SKU that exists, then the form says so on the SKU field', async () => {
    const tenant = freshTenant('dup');
    await createProducts(stack, await stack.token(tenant, 'admin'), [
      { sku: 'DUP-1', name: 'First', price: 1 },
    ]);

    await withContext(browser, stack, { config: localConfig(tenant) }, async (_context, newPage) => {
      const page = await newPage();
      await page.goto('/#/signin');
      await signInDev(page, { role: 'admin', sub: 'admin' });
      await page.goto('/#/admin/products/new');
      await page.getByLabel('Name').fill('Second');
      await page.getByLabel('SKU').fill('DUP-1');
      await page.getByLabel('Price').fill('2');
      await page.getByRole('button', { name: 'Create product' }).click();

      await expectText(page, '.notice.error', /SKU|already/i);
      await eventually(async () =>
        expect(await page.getByLabel('SKU').getAttribute('aria-invalid')).toBe('true'),
      );
    });
  });

  it('When a customer cancels a pending order, then it is cancelled with the reason in its history', async () => {
    const tenant = freshTenant('cancel');
    await createProducts(stack, await stack.token(tenant, 'admin'), [
      { sku: 'MUG-1', name: 'Mug', price: 9 },
    ]);
    const customer = unique('joan');
    const token = await stack.token(tenant, 'customer', customer);
    const placed = await stack.api<{ order: OrderJson }>('/orders', {
      method: 'POST',
      token,
      headers: { 'idempotency-key': unique('k') },
      body: { shipping_address: '3 Side St', items: [{ product_sku: 'MUG-1', quantity: 1 }] },
    });

    await withContext(browser, stack, { config: localConfig(tenant) }, async (_context, newPage) => {
      const page = await newPage();
      await page.goto('/');
      await openSignIn(page);
      await signInDev(page, { role: 'customer', sub: customer });
      await navLink(page, 'My orders').click();
      await page.locator(`tr[data-order-id="${placed.body.order.order_id}"] a`).click();
      await page.getByRole('button', { name: 'Cancel order' }).click();
      const dialog = page.locator('dialog');
      await dialog.getByLabel('Reason (optional)').fill('Ordered the wrong size');
      await dialog.getByRole('button', { name: 'Cancel order' }).click();

      await expectText(page, '#order-status', 'Cancelled');
      await expectText(page, '.timeline', 'Reason: Ordered the wrong size');
      expect(await page.locator('[data-move]').count()).toBe(0);
    });

    expect((await stack.api<OrderJson>(`/orders/${placed.body.order.order_id}`, { token })).body.status).toBe(
      'CANCELLED',
    );
  });

  it('When the shop is used on a phone-sized screen, then nothing overflows sideways and every control is labelled', async () => {
    const customer = unique('phone');
    await withContext(browser, stack, { viewport: PHONE }, async (_context, newPage) => {
      const page = await newPage();
      const unlabelled = () =>
        page.evaluate<string[]>(
          `[...document.querySelectorAll('input:not([type=hidden]), select, textarea, button')]
            .filter((el) => !(el.labels && el.labels.length) && !el.getAttribute('aria-label') && !(el.textContent || '').trim())
            .map((el) => el.outerHTML.slice(0, 80))`,
        );
      await page.goto('/');
      await page.locator('.product-card').first().waitFor();
      expect(await sidewaysOverflow(page)).toBe(0);
      expect(await unlabelled()).toEqual([]);

      await page.getByRole('button', { name: 'Add Sencha Green Tea 100 g to cart' }).click();
      await navLink(page, /^Cart/).click();
      await page.locator('.cart-line').waitFor();
      expect(await sidewaysOverflow(page)).toBe(0);
      expect(await unlabelled()).toEqual([]);

      await page.getByRole('link', { name: 'Sign in to check out' }).click();
      await signInDev(page, { role: 'customer', sub: customer });
      await expectText(page, 'h1', 'Checkout');
      expect(await sidewaysOverflow(page)).toBe(0);
      expect(await unlabelled()).toEqual([]);

      await fillCheckout(page);
      await page.locator('#place-order').click();
      await orderIdFromUrl(page);
      expect(await sidewaysOverflow(page)).toBe(0);
      await navLink(page, 'My orders').click();
      await page.locator('tr[data-order-id]').first().waitFor();
      expect(await sidewaysOverflow(page)).toBe(0);
    });
  });

  it('When sign-in is OpenID Connect, then the code flow with PKCE signs in, a 401 refreshes, a refused refresh asks to sign in again', async () => {
    const tenant = freshTenant('oidc');
    const idp = 'https://idp.example.test';
    const idToken = await stack.token(tenant, 'customer', 'oidc-user', 'oidc.user@example.test');
    const cors = { 'access-control-allow-origin': '*' };
    const tokenRequests: URLSearchParams[] = [];
    let authorize: URLSearchParams | undefined;
    let refreshWorks = true;
    let logout: URLSearchParams | undefined;
    const config = localConfig(tenant, {
      mode: 'oidc',
      authority: idp,
      clientId: 'storefront-spa',
      scopes: ['openid', 'email', 'profile'],
      redirectUri: `${stack.url}/`,
      tokenType: 'id_token',
    });

    await withContext(browser, stack, { config }, async (context, newPage) => {
      await context.route(`${idp}/**`, async (route) => {
        const request = route.request();
        const url = new URL(request.url());
        if (request.method() === 'OPTIONS')
          return route.fulfill({ status: 204, headers: { ...cors, 'access-control-allow-headers': '*' } });
        switch (url.pathname) {
          case '/.well-known/openid-configuration':
            return route.fulfill({
              headers: cors,
              json: {
                issuer: idp,
                authorization_endpoint: `${idp}/authorize`,
                token_endpoint: `${idp}/token`,
                end_session_endpoint: `${idp}/logout`,
              },
            });
          case '/authorize':
            authorize = url.searchParams;
            return route.fulfill({
              status: 302,
              headers: {
                location: `${url.searchParams.get('redirect_uri')}?code=code-123&state=${url.searchParams.get('state')}`,
              },
            });
          case '/token': {
            const form = new URLSearchParams(request.postData() ?? '');
            tokenRequests.push(form);
            if (form.get('grant_type') === 'refresh_token' && !refreshWorks) {
              return route.fulfill({ status: 400, headers: cors, json: { error: 'invalid_grant' } });
            }
            return route.fulfill({
              headers: cors,
              json: {
                id_token: idToken,
                access_token: 'opaque',
                refresh_token: 'refresh-1',
                expires_in: 3600,
                token_type: 'Bearer',
              },
            });
          }
          case '/logout':
            logout = url.searchParams;
            return route.fulfill({
              status: 302,
              headers: { location: url.searchParams.get('post_logout_redirect_uri') ?? '/' },
            });
          default:
            return route.fulfill({ status: 404 });
        }
      });
      const page = await newPage();
      await page.goto('/#/orders');
      await page.getByRole('button', { name: 'Continue to sign in' }).click();

      await page.locator('#who').waitFor();
      await expectText(page, '#who', 'oidc.user@example.test');
      await expectText(page, '#who', tenant);
      await expectText(page, 'h1', 'My orders');
      expect(page.url()).toBe(`${stack.url}/#/orders`);
      expect(Object.fromEntries(authorize!)).toMatchObject({
        response_type: 'code',
        client_id: 'storefront-spa',
        redirect_uri: `${stack.url}/`,
        scope: 'openid email profile',
        code_challenge_method: 'S256',
      });
      const exchange = tokenRequests[0]!;
      expect(exchange.get('grant_type')).toBe('authorization_code');
      expect(exchange.get('code')).toBe('code-123');
      expect(exchange.get('redirect_uri')).toBe(`${stack.url}/`);
      const challenge = createHash('sha256').update(exchange.get('code_verifier')!).digest('base64url');
      expect(challenge).toBe(authorize!.get('code_challenge'));

      // The API refuses the token once: the app refreshes and retries by itself.
      let refusals = 1;
      await page.route(/\/orders\?/, (route) =>
        refusals-- > 0
          ? route.fulfill({
              status: 401,
              contentType: 'application/problem+json',
              json: { status: 401, code: 'unauthenticated', detail: 'expired' },
            })
          : route.continue(),
      );
      await navLink(page, 'Catalog').click();
      await navLink(page, 'My orders').click();
      await expectText(page, '.empty', 'You have no orders yet');
      expect(tokenRequests.map((form) => [form.get('grant_type'), form.get('refresh_token')])).toEqual([
        ['authorization_code', null],
        ['refresh_token', 'refresh-1'],
      ]);

      // When even the refresh is refused, the user is asked to sign in again and comes back afterwards.
      refreshWorks = false;
      refusals = 1;
      await navLink(page, 'Catalog').click();
      await navLink(page, 'My orders').click();
      await expectText(page, '.notice', 'Your session has ended. Please sign in again.');
      await expectText(page, 'h1', 'Sign in');
      expect(await page.locator('#who').count()).toBe(0);

      refreshWorks = true;
      await page.getByRole('button', { name: 'Continue to sign in' }).click();
      await page.locator('#who').waitFor();
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.getByRole('link', { name: 'Sign in', exact: true }).waitFor();
      expect(logout?.get('client_id')).toBe('storefront-spa');
      expect(logout?.get('id_token_hint')).toBe(idToken);
    });
  });

  it('When sign-in is Firebase / Identity Platform, then email and password sign in over REST with the tenant, and 401 refreshes via securetoken', async () => {
    const tenant = freshTenant('firebase');
    const idToken = await stack.token(tenant, 'customer', 'fb-user', 'fb.user@example.test');
    const cors = {
      'access-control-allow-origin': '*',
      'access-control-allow-headers': 'content-type',
      'access-control-allow-methods': 'POST',
    };
    const signIns: Array<Record<string, unknown>> = [];
    const refreshes: URLSearchParams[] = [];
    const config = localConfig(tenant, {
      mode: 'firebase',
      apiKey: 'test-api-key',
      authDomain: 'shop-test.firebaseapp.com',
      projectId: 'shop-test',
      tenantId: 'shop-tenant-x',
    });

    await withContext(browser, stack, { config }, async (context, newPage) => {
      await context.route('https://identitytoolkit.googleapis.com/**', async (route) => {
        const request = route.request();
        if (request.method() === 'OPTIONS') return route.fulfill({ status: 204, headers: cors });
        expect(request.url()).toBe(
          'https://identitytoolkit.googleapis.com/v1/accounts:signInWithPassword?key=test-api-key',
        );
        const body = request.postDataJSON() as Record<string, unknown>;
        signIns.push(body);
        if (body.password !== 'correct horse') {
          return route.fulfill({
            status: 400,
            headers: cors,
            json: { error: { code: 400, message: 'INVALID_LOGIN_CREDENTIALS' } },
          });
        }
        return route.fulfill({
          headers: cors,
          json: {
            idToken,
            refreshToken: 'fb-refresh-1',
            expiresIn: '3600',
            localId: 'fb-user',
            email: body.email,
          },
        });
      });
      await context.route('https://securetoken.googleapis.com/**', async (route) => {
        const request = route.request();
        if (request.method() === 'OPTIONS') return route.fulfill({ status: 204, headers: cors });
        refreshes.push(new URLSearchParams(request.postData() ?? ''));
        return route.fulfill({
          headers: cors,
          json: { id_token: idToken, refresh_token: 'fb-refresh-2', expires_in: '3600', user_id: 'fb-user' },
        });
      });

      const page = await newPage();
      await page.goto('/#/signin?next=/orders');
      await page.getByLabel('Email').fill('fb.user@example.test');
      await page.getByLabel('Password').fill('wrong password');
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
      await expectText(page, '.notice.error', 'That email and password do not match an account.');

      await page.getByLabel('Password').fill('correct horse');
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
      await page.locator('#who').waitFor();
      await expectText(page, '#who', 'fb.user@example.test');
      await expectText(page, '#who', tenant);
      await expectText(page, 'h1', 'My orders');
      expect(signIns.at(-1)).toEqual({
        email: 'fb.user@example.test',
        password: 'correct horse',
        returnSecureToken: true,
        tenantId: 'shop-tenant-x',
      });

      let refusals = 1;
      await page.route(/\/orders\?/, (route) =>
        refusals-- > 0
          ? route.fulfill({ status: 401, json: { status: 401, code: 'unauthenticated' } })
          : route.continue(),
      );
      await navLink(page, 'Catalog').click();
      await navLink(page, 'My orders').click();
      await expectText(page, '.empty', 'You have no orders yet');
      expect(refreshes.map((form) => [form.get('grant_type'), form.get('refresh_token')])).toEqual([
        ['refresh_token', 'fb-refresh-1'],
      ]);
    });
  });
});
