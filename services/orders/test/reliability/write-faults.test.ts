import { createServiceTokenIssuer } from '@shop/platform';
import type { DevIssuer } from '@shop/platform/dev-issuer';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { OrderStore } from '../../src/domain/ports.ts';
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
  type Tokens,
  tokensOf,
} from '../helpers/harness.ts';

/**
 * Writes that a store failure leaves in doubt. A cancel gives an order's stock back; placing an order takes
 * it. Whatever happens meanwhile — the store failing a write, or losing its answer after writing, an admin
 * moving the order on at the same moment — a live order must keep its stock (or it is sold twice), a key
 * must not make two orders, and a failed order must not keep stock for good.
 */

type StatusChange = Parameters<OrderStore['updateStatus']>[3];
type StatusResult = Awaited<ReturnType<OrderStore['updateStatus']>>;

interface Faults {
  /** Runs before each status write: to hold it at a gate, or to fail it. */
  beforeStatusWrite(change: StatusChange): Promise<void>;
  /** Runs after each status write: to lose the store's answer, or to answer something else instead. */
  afterStatusWrite(change: StatusChange): Promise<StatusResult | undefined>;
  /** Runs before the order is written: to fail the write. */
  beforeCreate(): Promise<void>;
  /** Runs after the order is written: to lose the store's answer. */
  afterCreate(): Promise<void>;
  /** Runs before each read of one order: to keep the store away. */
  beforeGet(): Promise<void>;
}

const noFaults = (): Faults => ({
  beforeStatusWrite: async () => {},
  afterStatusWrite: async () => undefined,
  beforeCreate: async () => {},
  afterCreate: async () => {},
  beforeGet: async () => {},
});

function faulty(store: OrderStore, faults: () => Faults): OrderStore {
  return new Proxy(store, {
    get(target, property) {
      const value = Reflect.get(target, property, target);
      if (property === 'updateStatus') {
        return async (...args: Parameters<OrderStore['updateStatus']>) => {
          await faults().beforeStatusWrite(args[3]);
          const result = await target.updateStatus(...args);
          const instead = await faults().afterStatusWrite(args[3]);
          if (instead) return instead;
          return result;
        };
      }
      if (property === 'create') {
        return async (...args: Parameters<OrderStore['create']>) => {
          await faults().beforeCreate();
          await target.create(...args);
          await faults().afterCreate();
        };
      }
      if (property === 'get') {
        return async (...args: Parameters<OrderStore['get']>) => {
          await faults().beforeGet();
          return target.get(...args);
        };
      }
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

const storeDown = () =>
  Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:3306'), { code: 'ECONNREFUSED' });
const connectionLost = () =>
  Object.assign(new Error('Connection lost: The server closed the connection.'), {
    code: 'PROTOCOL_CONNECTION_LOST',
  });

let issuer: DevIssuer;
let tokens: Tokens;
let products: ProductsService;
let productsApi: Api;
let store: ProvisionedStore;
let faults: Faults = noFaults();
let orders: RunningOrders;

beforeAll(async () => {
  issuer = await startIssuer();
  tokens = tokensOf(issuer);
  products = await startProducts(issuer);
  productsApi = apiOf(products.url);
  store = await provisionStore({ engine: 'sqlite', url: undefined }, 'cancel');
  orders = await startOrders(ordersConfig(issuer, products.url, store.env, { IDEMPOTENCY_WAIT_MS: '200' }), {
    wrapStore: (real) => faulty(real, () => faults),
  });
});

beforeEach(() => {
  faults = noFaults();
});

afterAll(async () => {
  await orders?.close();
  await products?.close();
  await store?.drop();
  await issuer?.close();
});

/** A fresh tenant with one product (10 in stock), as seen by its admin, its customer and the orders service. */
async function openStore() {
  const tenant = newTenant();
  const admin = await tokens.admin(tenant);
  const customer = await tokens.customer(tenant, 'alice');
  const product = await seedProduct(productsApi, admin, { sku: 'MUG-1', name: 'Mug', price: 12, stock: 10 });
  const service = createServiceTokenIssuer({
    secret: SERVICE_TOKEN_SECRET,
    issuer: 'orders',
    audience: 'products',
    scopes: ['stock:reserve'],
  });
  const serviceToken = await service.tokenFor(tenant);
  return {
    admin,
    customer,
    orderBody: {
      shipping_address: { street: '1 Main St', city: 'Springfield', zip_code: '12345', country: 'USA' },
      items: [{ product_id: product.product_id, quantity: 3 }],
    },
    stock: () => stockOf(productsApi, admin, product.product_id),
    reservationOf: async (orderId: string) =>
      (await productsApi.get(`/stock/reservations/${orderId}`, { token: serviceToken })).body.status,
    orders: async () => (await orders.api.get('/orders', { token: admin })).body.orders,
  };
}

/** The same, with one PENDING order of 3 placed by the customer. */
async function openShop() {
  const shop = await openStore();
  const placed = await orders.api.post('/orders', { token: shop.customer, body: shop.orderBody });
  expect(placed.status).toBe(201);
  return {
    ...shop,
    order: placed.body.order,
    reservation: () => shop.reservationOf(placed.body.order.order_id),
  };
}

describe('placing under faults', () => {
  it('When the store loses its answer after writing the order but answers the check, then 201 with that order and its stock held', async () => {
    const shop = await openStore();
    faults.afterCreate = async () => {
      throw connectionLost();
    };

    const reply = await orders.api.post('/orders', { token: shop.customer, body: shop.orderBody });
    faults = noFaults();

    expect(reply.status).toBe(201);
    expect(await shop.orders()).toEqual([reply.body.order]);
    expect(await shop.reservationOf(reply.body.order.order_id)).toBe('active');
    expect(await shop.stock()).toBe(7);
  });

  it('When the store loses its answer after writing the order and stays away, then 503; the order keeps its stock and a retry with the key makes no second order', async () => {
    const shop = await openStore();
    faults.afterCreate = async () => {
      throw connectionLost();
    };
    faults.beforeGet = async () => {
      throw storeDown();
    };
    const key = { 'idempotency-key': 'lost-answer' };

    const reply = await orders.api.post('/orders', {
      token: shop.customer,
      body: shop.orderBody,
      headers: key,
    });
    faults = noFaults();
    const retried = await orders.api.post('/orders', {
      token: shop.customer,
      body: shop.orderBody,
      headers: key,
    });

    expect(reply.status).toBe(503);
    expect(Number(reply.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(retried.status).toBe(409);
    expect(retried.body).toMatchObject({ code: 'idempotency_in_progress' });
    const [written] = await shop.orders();
    expect(await shop.orders()).toHaveLength(1);
    expect(await shop.reservationOf(written.order_id)).toBe('active');
    expect(await shop.stock()).toBe(7);
  });

  it('When a driver retries a write that had landed and the store refuses the retry as a duplicate, then 201 with that order and its stock held', async () => {
    const shop = await openStore();
    faults.afterCreate = async () => {
      throw Object.assign(new Error('The conditional request failed'), {
        name: 'ConditionalCheckFailedException',
      });
    };

    const reply = await orders.api.post('/orders', { token: shop.customer, body: shop.orderBody });
    faults = noFaults();

    expect(reply.status).toBe(201);
    expect(await shop.orders()).toEqual([reply.body.order]);
    expect(await shop.reservationOf(reply.body.order.order_id)).toBe('active');
    expect(await shop.stock()).toBe(7);
  });

  it('When the store fails the write and stays away for the check, then 503 with the stock held, and once the store says nothing was written the stock comes back', async () => {
    const shop = await openStore();
    let storeBack = false;
    faults.beforeCreate = async () => {
      throw connectionLost();
    };
    faults.beforeGet = async () => {
      if (!storeBack) throw storeDown();
    };

    const reply = await orders.api.post('/orders', { token: shop.customer, body: shop.orderBody });
    const heldMeanwhile = await shop.stock();
    storeBack = true;

    expect(reply.status).toBe(503);
    expect(heldMeanwhile).toBe(7);
    await expect.poll(() => shop.stock(), { timeout: 10_000, interval: 200 }).toBe(10);
    faults = noFaults();
    expect(await shop.orders()).toEqual([]);
  });
});

describe('cancelling under faults', () => {
  it('When the store fails the cancel’s status write, then 503 and the order stays live with its stock held', async () => {
    const shop = await openShop();
    faults.beforeStatusWrite = async (change) => {
      if (change.to === 'CANCELLED') throw storeDown();
    };

    const reply = await orders.api.put(`/orders/${shop.order.order_id}`, {
      token: shop.customer,
      body: { status: 'CANCELLED' },
    });
    faults = noFaults();

    expect(reply.status).toBe(503);
    expect(Number(reply.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await orders.api.get(`/orders/${shop.order.order_id}`, { token: shop.customer })).body).toEqual(
      shop.order,
    );
    expect(await shop.reservation()).toBe('active');
    expect(await shop.stock()).toBe(7);
  });

  it('When the store cancels the order but loses its answer, then 503, and the stock comes back once the store can say the order is cancelled', async () => {
    const shop = await openShop();
    faults.afterStatusWrite = async (change) => {
      if (change.to === 'CANCELLED') throw connectionLost();
    };

    const reply = await orders.api.put(`/orders/${shop.order.order_id}`, {
      token: shop.customer,
      body: { status: 'CANCELLED' },
    });
    faults = noFaults();

    expect(reply.status).toBe(503);
    expect(
      (await orders.api.get(`/orders/${shop.order.order_id}`, { token: shop.customer })).body.status,
    ).toBe('CANCELLED');
    await expect.poll(() => shop.stock(), { timeout: 10_000, interval: 200 }).toBe(10);
    expect(await shop.reservation()).toBe('released');
  });

  it('When a driver retries a cancel that had landed and the store answers the retry with a version conflict, then 409 (already cancelled) and the stock comes back', async () => {
    const shop = await openShop();
    faults.afterStatusWrite = async (change) =>
      change.to === 'CANCELLED' ? { outcome: 'version_conflict' } : undefined;

    const reply = await orders.api.put(`/orders/${shop.order.order_id}`, {
      token: shop.customer,
      body: { status: 'CANCELLED' },
    });
    faults = noFaults();

    expect(reply.status).toBe(409);
    expect(reply.body).toMatchObject({ code: 'invalid_transition', from: 'CANCELLED', to: 'CANCELLED' });
    expect(await shop.reservation()).toBe('released');
    expect(await shop.stock()).toBe(10);
  });

  it('When a customer cancels while an admin confirms, then the confirmed order keeps its stock', async () => {
    const shop = await openShop();
    let arrived: () => void = () => {};
    const cancelArrived = new Promise<void>((resolve) => {
      arrived = resolve;
    });
    let proceed: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      proceed = resolve;
    });
    faults.beforeStatusWrite = async (change) => {
      if (change.to !== 'CANCELLED') return;
      arrived();
      await gate;
    };

    const cancelling = orders.api.put(`/orders/${shop.order.order_id}`, {
      token: shop.customer,
      body: { status: 'CANCELLED' },
    });
    await cancelArrived;
    const confirmed = await orders.api.put(`/orders/${shop.order.order_id}`, {
      token: shop.admin,
      body: { status: 'CONFIRMED' },
    });
    proceed();
    const cancelled = await cancelling;
    faults = noFaults();

    expect(confirmed.status).toBe(200);
    expect(cancelled.status).toBe(403);
    expect((await orders.api.get(`/orders/${shop.order.order_id}`, { token: shop.admin })).body.status).toBe(
      'CONFIRMED',
    );
    expect(await shop.reservation()).toBe('active');
    expect(await shop.stock()).toBe(7);
  });

  it('When an admin cancels while another admin cancels, then the stock comes back once', async () => {
    const shop = await openShop();

    const replies = await Promise.all([
      orders.api.put(`/orders/${shop.order.order_id}`, { token: shop.admin, body: { status: 'CANCELLED' } }),
      orders.api.put(`/orders/${shop.order.order_id}`, { token: shop.admin, body: { status: 'CANCELLED' } }),
    ]);

    expect(replies.map((reply) => reply.status).sort()).toEqual([200, 409]);
    expect(await shop.reservation()).toBe('released');
    expect(await shop.stock()).toBe(10);
  });
});
