import { randomUUID } from 'node:crypto';
import type { DevIssuer } from '@shop/platform/dev-issuer';
import { engines } from '@shop/platform/testing';
import { lockWaiters, openSqlSession, type SqlSession } from '@shop/reliability/sql-session';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  newTenant,
  ordersConfig,
  type ProvisionedStore,
  provisionStore,
  type RunningOrders,
  startIssuer,
  startOrders,
  tokensOf,
} from '../helpers/harness.ts';

/** The pool may keep a request waiting this long for a connection; then 503, well before the request timeout. */
const ACQUIRE_TIMEOUT_MS = 300;
/** How long a burst request may take to be refused: the acquire bound plus generous slack for a busy CI box. */
const ANSWER_BOUND_MS = 2500;
/** Without the bound the burst would wait for the lock: it is released after this, so such a test fails, not hangs. */
const LOCK_HELD_AT_MOST_MS = 5000;
/** Nothing here calls products: a port nobody listens on. */
const NO_PRODUCTS = 'http://127.0.0.1:9';

const servers = engines(['mysql', 'postgresql']);
if (!servers.length) {
  console.warn(
    '!!! pool exhaustion (orders): neither TEST_MYSQL_URL nor TEST_POSTGRES_URL is set: NOT running',
  );
  describe.skip('orders pool exhaustion: needs TEST_MYSQL_URL or TEST_POSTGRES_URL', () => {
    it('runs when a MySQL or PostgreSQL server is configured', () => {});
  });
}

for (const target of servers) {
  describe(`orders pool exhaustion on ${target.engine}`, () => {
    let issuer: DevIssuer;
    let store: ProvisionedStore;
    let orders: RunningOrders;
    let locker: SqlSession;
    let watcher: SqlSession;

    beforeAll(async () => {
      issuer = await startIssuer();
      store = await provisionStore(target, 'pool');
      // Migrate on a pool of the usual size, then serve on a pool of one connection.
      const migrated = await startOrders(ordersConfig(issuer, NO_PRODUCTS, store.env));
      await migrated.close();
      orders = await startOrders(
        ordersConfig(issuer, NO_PRODUCTS, store.env, {
          MIGRATE_ON_START: 'false',
          DB_POOL_MAX: '1',
          DB_ACQUIRE_TIMEOUT_MS: String(ACQUIRE_TIMEOUT_MS),
          REQUEST_TIMEOUT_MS: '20000',
        }),
      );
      locker = await openSqlSession(store.env.DATABASE_URL!);
      watcher = await openSqlSession(store.env.DATABASE_URL!);
    });

    afterAll(async () => {
      await locker?.close();
      await watcher?.close();
      await orders?.close();
      await store?.drop();
      await issuer?.close();
    });

    it('When a request holds the only pooled connection while it waits for a lock, then a burst is refused fast with 503 and Retry-After, readiness fails, and the service serves again once the lock is gone', async () => {
      const tenant = newTenant();
      const admin = await tokensOf(issuer).admin(tenant);
      const customer = await tokensOf(issuer).customer(tenant);

      // Another client locks the orders table; the service's one connection waits for it inside a request.
      if (target.engine === 'mysql') await locker.query('lock tables orders write');
      else {
        await locker.query('begin');
        await locker.query('lock table orders in access exclusive mode');
      }
      const blocked = orders.api.get('/orders?limit=5', { token: admin });
      await expect.poll(() => lockWaiters(watcher), { timeout: 5000 }).toBeGreaterThan(0);

      const burst = Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          timed(() =>
            i % 2
              ? orders.api.get('/orders?limit=5', { token: customer })
              : orders.api.get(`/orders/${randomUUID()}`, { token: admin }),
          ),
        ),
      );
      const settled = await Promise.race([burst, bound(LOCK_HELD_AT_MOST_MS)]);
      const readiness = await orders.api.get('/readyz');
      if (target.engine === 'mysql') await locker.query('unlock tables');
      else await locker.query('commit');
      const replies = settled ?? (await burst);

      expect(replies.map(({ reply }) => reply.status)).toEqual(Array(10).fill(503));
      for (const { reply, ms } of replies) {
        expect(reply.body).toMatchObject({ status: 503, code: 'dependency_unavailable' });
        expect(Number(reply.headers.get('retry-after'))).toBeGreaterThan(0);
        expect(ms).toBeLessThan(ANSWER_BOUND_MS);
      }
      expect(readiness.status).toBe(503);
      expect((await blocked).status).toBe(200);
      expect((await orders.api.get('/orders?limit=5', { token: admin })).body).toEqual({
        orders: [],
        next_cursor: null,
        count: 0,
      });
    });
  });
}

/** Resolves to undefined after `ms`: a ceiling on a wait, so a missing protection fails the test instead of hanging it. */
const bound = (ms: number) =>
  new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), ms).unref());

async function timed<T>(call: () => Promise<T>): Promise<{ reply: T; ms: number }> {
  const started = performance.now();
  const reply = await call();
  return { reply, ms: performance.now() - started };
}
