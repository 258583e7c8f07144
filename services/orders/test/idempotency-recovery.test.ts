import { randomUUID } from 'node:crypto';
import { asTenantId, createServiceTokenIssuer } from '@shop/platform';
import type { DevIssuer } from '@shop/platform/dev-issuer';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { requestHashOf } from '../src/domain/idempotency.ts';
import type { IdempotencyRecord } from '../src/domain/ports.ts';
import {
  type Api,
  apiOf,
  newTenant,
  ordersConfig,
  type ProductsService,
  type ProvisionedStore,
  provisionStore,
  type RunningOrders,
  SERVICE_TOKEN_SECRET,
  seedProduct,
  startIssuer,
  startOrders,
  startProducts,
  stockOf,
  tokensOf,
} from './helpers/harness.ts';

/**
 * What an Idempotency-Key does when the first request is still running, died half-way, or is long
 * past: arranged by writing claims straight into the store, then acted on through HTTP.
 */
describe('Idempotency-Key recovery', () => {
  let issuer: DevIssuer;
  let products: ProductsService;
  let productsApi: Api;
  let provisioned: ProvisionedStore;
  let orders: RunningOrders;

  beforeAll(async () => {
    issuer = await startIssuer();
    products = await startProducts(issuer);
    productsApi = apiOf(products.url);
    provisioned = await provisionStore({ engine: 'sqlite', url: undefined }, 'idempotency');
    orders = await startOrders(
      ordersConfig(issuer, products.url, provisioned.env, { IDEMPOTENCY_WAIT_MS: '300' }),
    );
  });

  afterAll(async () => {
    await orders?.close();
    await provisioned?.drop();
    await products?.close();
    await issuer?.close();
  });

  async function openShop() {
    const tenant = newTenant();
    const tokens = tokensOf(issuer);
    const admin = await tokens.admin(tenant, 'admin-1');
    const product = await seedProduct(productsApi, admin, {
      sku: 'IDEM-1',
      name: 'Idem',
      price: 10,
      stock: 10,
    });
    const body = { shipping_address: 'Key St 1', items: [{ product_sku: 'IDEM-1', quantity: 1 }] };
    const claim = (overrides: Partial<IdempotencyRecord>): IdempotencyRecord => ({
      tenantId: asTenantId(tenant),
      customerId: 'alice',
      key: 'checkout-1',
      requestHash: requestHashOf(body),
      claimToken: randomUUID(),
      state: 'in_progress',
      orderId: randomUUID(),
      placed: null,
      createdAt: new Date().toISOString(),
      expiresAt: new Date(Date.now() + 86_400_000).toISOString(),
      ...overrides,
    });
    return {
      tenant,
      admin,
      alice: await tokens.customer(tenant, 'alice'),
      body,
      claim,
      stock: () => stockOf(productsApi, admin, product.product_id),
    };
  }
  type Shop = Awaited<ReturnType<typeof openShop>>;
  const post = (shop: Shop, key = 'checkout-1') =>
    orders.api.post('/orders', { token: shop.alice, body: shop.body, headers: { 'idempotency-key': key } });
  const countOrders = async (shop: Shop) =>
    (await orders.api.get('/orders', { token: shop.admin })).body.count;

  test('When the first request is still running after the wait, then 409 idempotency_in_progress with Retry-After', async () => {
    const shop = await openShop();
    await orders.deps.store.insertIdempotency(shop.claim({}));

    const reply = await post(shop);

    expect(reply.status).toBe(409);
    expect(reply.headers.get('retry-after')).toBe('1');
    expect(reply.body).toEqual(expect.objectContaining({ status: 409, code: 'idempotency_in_progress' }));
    expect(await countOrders(shop)).toBe(0);
    expect(await shop.stock()).toBe(10);
  });

  test('When a request died after writing its order, then a retry answers with that order and creates nothing', async () => {
    const shop = await openShop();
    const written = await orders.api.post('/orders', { token: shop.alice, body: shop.body });
    const longAgo = new Date(Date.now() - 5 * 60_000).toISOString();
    await orders.deps.store.insertIdempotency(
      shop.claim({ orderId: written.body.order.order_id, createdAt: longAgo }),
    );

    const retried = await post(shop);
    const again = await post(shop);

    expect(retried.status).toBe(201);
    expect(retried.body).toEqual(written.body);
    expect(again.body).toEqual(written.body);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(await countOrders(shop)).toBe(1);
    expect(await shop.stock()).toBe(9);
  });

  test('When a completed key holds no snapshot (written before keys held the order), then a retry answers the order as it stands and creates nothing', async () => {
    const shop = await openShop();
    const written = await orders.api.post('/orders', { token: shop.alice, body: shop.body });
    const orderId = written.body.order.order_id;
    await orders.deps.store.insertIdempotency(shop.claim({ orderId, state: 'completed', placed: null }));
    const confirmed = await orders.api.put(`/orders/${orderId}`, {
      token: shop.admin,
      body: { status: 'CONFIRMED' },
    });
    expect(confirmed.status).toBe(200);

    const retried = await post(shop);

    expect(retried.status).toBe(201);
    expect(retried.headers.get('idempotent-replayed')).toBe('true');
    expect(retried.body).toEqual({ message: 'Order created successfully', order: confirmed.body.order });
    expect(await countOrders(shop)).toBe(1);
    expect(await shop.stock()).toBe(9);
  });

  test('When a request died after reserving but before writing, then a retry releases that stock and orders afresh', async () => {
    const shop = await openShop();
    const deadOrderId = randomUUID();
    const serviceToken = await createServiceTokenIssuer({
      secret: SERVICE_TOKEN_SECRET,
      issuer: 'orders',
      audience: 'products',
      scopes: ['stock:reserve'],
    }).tokenFor(shop.tenant);
    const reserved = await productsApi.post('/stock/reservations', {
      token: serviceToken,
      body: { reservation_id: deadOrderId, items: [{ sku: 'IDEM-1', quantity: 3 }] },
    });
    expect(reserved.status).toBe(201);
    const longAgo = new Date(Date.now() - 5 * 60_000).toISOString();
    await orders.deps.store.insertIdempotency(shop.claim({ orderId: deadOrderId, createdAt: longAgo }));

    const retried = await post(shop);

    expect(retried.status).toBe(201);
    expect(retried.body.order.order_id).not.toBe(deadOrderId);
    expect(await countOrders(shop)).toBe(1);
    // 10 − 3 held by the dead request + 3 released − 1 ordered.
    expect(await shop.stock()).toBe(9);
  });

  test('When a key has expired, then it is a new key: the retry orders again', async () => {
    const shop = await openShop();
    const first = await post(shop);
    const stored = await orders.deps.store.getIdempotency(asTenantId(shop.tenant), 'alice', 'checkout-1');
    await orders.deps.store.replaceIdempotency(
      { ...stored!, expiresAt: new Date(Date.now() - 1000).toISOString() },
      stored!.claimToken,
    );

    const later = await post(shop);

    expect([first.status, later.status]).toEqual([201, 201]);
    expect(later.body.order.order_id).not.toBe(first.body.order.order_id);
    expect(await countOrders(shop)).toBe(2);
  });
});
