import { randomUUID } from 'node:crypto';
import { createServiceTokenIssuer } from '@shop/platform';
import type { DevIssuer } from '@shop/platform/dev-issuer';
import { describeWhereInstalled } from '@shop/platform/testing';
import {
  type Json,
  type LoadStep,
  mixedLoad,
  outageViolations,
  Recorder,
  type Reply,
  send,
} from '@shop/reliability/load';
import { waitFor } from '@shop/reliability/net';
import { missingFor, type StoreKind, type StoreProcess, startStore } from '@shop/reliability/store-processes';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  apiOf,
  inBatches,
  newTenant,
  ordersConfig,
  type ProductsService,
  type RunningOrders,
  SERVICE_TOKEN_SECRET,
  seedProduct,
  startIssuer,
  startOrders,
  startProducts,
  tokensOf,
} from '../helpers/harness.ts';

const REQUEST_TIMEOUT_MS = 3000;
/** Every request is answered within this, outage or not: the request timeout plus slack for a busy CI box. */
const ANSWER_BOUND_MS = REQUEST_TIMEOUT_MS + 2500;
const WORKERS = 5;
const CUSTOMERS = 4;
const INITIAL_STOCK = 100_000;

const storeEnv = (kind: StoreKind, store: StoreProcess): Record<string, string> =>
  kind === 'dynamodb'
    ? { ORDERS_STORE: 'dynamodb', DYNAMODB_ENDPOINT: store.url, DYNAMODB_TABLE: 'orders' }
    : { ORDERS_STORE: 'sql', DATABASE_URL: store.url };

for (const kind of ['dynamodb', 'postgresql', 'mariadb'] as const) {
  describeWhereInstalled(`orders when its ${kind} goes away mid-load`, missingFor(kind), () => {
    let store: StoreProcess;
    let issuer: DevIssuer;
    let products: ProductsService;
    let orders: RunningOrders;

    beforeAll(async () => {
      // A persistent DynamoDB Local (-dbPath): its tables survive the kill, as a real outage's would.
      [store, issuer] = await Promise.all([startStore(kind, { persistent: true }), startIssuer()]);
      products = await startProducts(issuer);
      orders = await startOrders(
        ordersConfig(issuer, products.url, storeEnv(kind, store), {
          REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
          // Small, so a connection lost for good to the outage would show.
          DB_POOL_MAX: '2',
          DB_ACQUIRE_TIMEOUT_MS: '1000',
        }),
      );
    });

    afterAll(async () => {
      // Every step, each bounded, whatever the one before did: no process of the test outlives it.
      for (const step of [
        () => orders?.close(),
        () => products?.close(),
        () => issuer?.close(),
        () => store?.destroy(),
      ]) {
        await Promise.race([
          Promise.resolve()
            .then(step)
            .catch(() => {}),
          bound(10_000),
        ]);
      }
    });

    it('When the store is killed while orders are placed, cancelled and read, and comes back, then every request is answered in time with 503 + Retry-After at worst, /readyz follows, the service recovers without a restart, every 201 order is kept, no key makes two orders, and stock matches the live orders', async () => {
      const base = orders.api.url;
      const tenant = newTenant();
      const tokens = tokensOf(issuer);
      const admin = await tokens.admin(tenant);
      const customers = await Promise.all(
        Array.from({ length: CUSTOMERS }, (_, i) => tokens.customer(tenant, `customer-${i}`)),
      );
      const catalog = await Promise.all(
        ['A', 'B', 'C'].map((letter) =>
          seedProduct(apiOf(products.url), admin, {
            sku: `FAULT-${letter}`,
            name: `Product ${letter}`,
            price: 10,
            stock: INITIAL_STOCK,
          }),
        ),
      );

      const recorder = new Recorder();
      interface Attempt {
        key: string;
        token: string;
        body: Json;
        orderId?: string;
      }
      const attempts: Attempt[] = [];
      const placed: Array<{ orderId: string; token: string }> = [];
      let stopped = false;
      const pick = <T>(items: readonly T[]) => items[Math.floor(Math.random() * items.length)]!;
      const cancel = (order: { orderId: string; token: string }) =>
        recorder.record('cancel', () =>
          send(base, 'PUT', `/orders/${order.orderId}`, {
            token: order.token,
            body: { status: 'CANCELLED' },
          }),
        );
      const placeOne = async () => {
        const token = pick(customers);
        const attempt: Attempt = {
          key: randomUUID(),
          token,
          body: {
            shipping_address: { street: '1 Main St', city: 'Springfield', zip_code: '12345', country: 'USA' },
            items: [{ product_id: pick(catalog).product_id, quantity: 1 + Math.floor(Math.random() * 3) }],
          },
        };
        attempts.push(attempt);
        const reply = await recorder.record('place', () =>
          send(base, 'POST', '/orders', {
            token,
            body: attempt.body,
            headers: { 'idempotency-key': attempt.key },
          }),
        );
        if (reply?.status === 201) {
          attempt.orderId = reply.body.order.order_id;
          placed.push({ orderId: attempt.orderId!, token });
        }
      };
      // The admin confirms any order, also one its customer is cancelling at the same moment.
      const confirmOne = () => {
        const order = pick(placed);
        return recorder.record('confirm', () =>
          send(base, 'PUT', `/orders/${order.orderId}`, { token: admin, body: { status: 'CONFIRMED' } }),
        );
      };
      const readOne = () => {
        const order = pick(placed);
        return recorder.record('read', () =>
          send(base, 'GET', `/orders/${order.orderId}`, { token: order.token }),
        );
      };
      const listSome = () =>
        recorder.record('list', () => send(base, 'GET', '/orders?limit=10', { token: pick(customers) }));
      // Until an order exists every roll places one: the other calls act on placed orders.
      const hasPlaced = () => placed.length > 0;
      const mix: LoadStep[] = [
        { below: 0.45, run: placeOne },
        { below: 0.6, when: hasPlaced, run: () => cancel(pick(placed)) },
        { below: 0.7, when: hasPlaced, run: confirmOne },
        { below: 0.9, when: hasPlaced, run: readOne },
        { below: 1, when: hasPlaced, run: listSome },
      ];
      const worker = () => mixedLoad(mix, recorder, () => stopped);
      const createdSince = (since: number) =>
        recorder.outcomes.filter((o) => o.op === 'place' && o.status === 201 && o.at >= since).length;
      const readiness = async () =>
        (await send(base, 'GET', '/readyz', { timeoutMs: ANSWER_BOUND_MS })).status;

      const workers = Array.from({ length: WORKERS }, worker);
      try {
        await waitFor('15 orders before the outage', () => createdSince(0) >= 15, { withinMs: 20_000 });

        await store.kill();
        const killedAt = recorder.outcomes.length;
        await waitFor('/readyz to say 503', async () => (await readiness()) === 503, { withinMs: 10_000 });
        await waitFor(
          'requests to meet the outage',
          () => recorder.outcomes.slice(killedAt).filter((o) => o.status === 503).length >= 10,
          { withinMs: 10_000 },
        );

        await store.restart();
        await waitFor('/readyz to say 200 again', async () => (await readiness()) === 200, {
          withinMs: 20_000,
        });
        const recoveredAt = recorder.elapsed();
        await waitFor('15 orders after recovery', () => createdSince(recoveredAt) >= 15, {
          withinMs: 20_000,
        });
      } finally {
        stopped = true;
        await Promise.all(workers);
      }

      expect(outageViolations(recorder.outcomes, ANSWER_BOUND_MS)).toEqual([]);
      expect(recorder.outcomes.filter((o) => o.status === 503).length).toBeGreaterThan(0);

      // Every order answered 201 is still there, for its customer.
      for (const attempt of attempts.filter((a) => a.orderId)) {
        const reply = await send(base, 'GET', `/orders/${attempt.orderId}`, { token: attempt.token });
        expect({ order: attempt.orderId, status: reply.status }).toEqual({
          order: attempt.orderId,
          status: 200,
        });
      }

      // Each key gives one order: a retry answers the order its key already made, or makes the one it failed to.
      const replays = await inBatches(attempts, 16, (attempt) =>
        send(base, 'POST', '/orders', {
          token: attempt.token,
          body: attempt.body,
          headers: { 'idempotency-key': attempt.key },
          timeoutMs: ANSWER_BOUND_MS,
        }),
      );
      const orderOfKey = new Map<string, string>();
      attempts.forEach((attempt, i) => {
        const replay = replays[i]!;
        // A key whose claim the outage left open stays busy (409, or 503 when the wait outlasts the request)
        // until the claim goes stale; it never makes a second order.
        expect([201, 409, 503]).toContain(replay.status);
        if (replay.status !== 201) return;
        if (attempt.orderId) expect(replay.body.order.order_id).toBe(attempt.orderId);
        orderOfKey.set(attempt.key, replay.body.order.order_id);
      });
      expect(new Set(orderOfKey.values()).size).toBe(orderOfKey.size);

      // The tenant's orders: no more than one per key; a live order holds its reservation, a cancelled one not;
      // and stock is the initial stock minus what the live orders hold.
      const service = createServiceTokenIssuer({
        secret: SERVICE_TOKEN_SECRET,
        issuer: 'orders',
        audience: 'products',
        scopes: ['stock:reserve'],
      });
      const serviceToken = await service.tokenFor(tenant);
      await waitFor(
        'stock to equal the initial stock minus the live orders',
        async () => {
          const all = await allOrders(base, admin);
          expect(all.length).toBeLessThanOrEqual(attempts.length);
          expect(all.map((order) => order.order_id)).toEqual(
            expect.arrayContaining([...orderOfKey.values()]),
          );
          const wrong: string[] = [];
          for (const order of all) {
            const reservation = await send(products.url, 'GET', `/stock/reservations/${order.order_id}`, {
              token: serviceToken,
            });
            if ((reservation.body.status === 'active') !== (order.status !== 'CANCELLED')) {
              wrong.push(`${order.order_id} is ${order.status}, its reservation ${reservation.body.status}`);
            }
          }
          for (const product of catalog) {
            const held = all
              .filter((order) => order.status !== 'CANCELLED')
              .flatMap((order) => order.items)
              .filter((item: Json) => item.product_id === product.product_id)
              .reduce((sum: number, item: Json) => sum + item.quantity, 0);
            const stock = (
              await send(products.url, 'GET', `/products/${product.product_id}`, { token: admin })
            ).body;
            if (stock.stock_quantity !== INITIAL_STOCK - held) {
              wrong.push(
                `${product.sku}: stock ${stock.stock_quantity}, live orders hold ${held} of ${INITIAL_STOCK}`,
              );
            }
          }
          if (wrong.length) throw new Error(wrong.join('; '));
          return true;
        },
        { withinMs: 10_000, everyMs: 500 },
      );
    }, 90_000);
  });
}

/** Every order of the tenant, through the admin's paged list. */
async function allOrders(base: string, admin: string): Promise<Json[]> {
  const all: Json[] = [];
  let cursor: string | null = null;
  do {
    const page: Reply = await send(
      base,
      'GET',
      `/orders?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      {
        token: admin,
      },
    );
    expect(page.status).toBe(200);
    all.push(...page.body.orders);
    cursor = page.body.next_cursor;
  } while (cursor);
  return all;
}

/** Resolves to undefined after `ms`: a ceiling on a wait, so a missing protection fails instead of hanging. */
const bound = (ms: number) =>
  new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), ms).unref());
