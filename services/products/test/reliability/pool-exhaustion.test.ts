import type { DevIssuer } from '@shop/platform/dev-issuer';
import { listen, type TestServer } from '@shop/platform/testing';
import { openSqlSession, type SqlSession } from '@shop/reliability/sql-session';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import { applyMigrations } from '../../src/data-access/migrations.ts';
import { buildDeps, type Deps } from '../../src/deps.ts';
import {
  type Api,
  aProduct,
  apiOf,
  newTenant,
  sqlEngines,
  startIssuer,
  testConfig,
  tokensOf,
} from '../support/harness.ts';

/** The pool may keep a request waiting this long for a connection; then 503, well before the request timeout. */
const ACQUIRE_TIMEOUT_MS = 300;
/** How long a burst request may take to be refused: the acquire bound plus generous slack for a busy CI box. */
const ANSWER_BOUND_MS = 2500;
/** The held connection's query: longer than the answer bound, so a request that waits for it fails the test. */
const SLOW_QUERY_SECONDS = 3;

const servers = sqlEngines.filter((target) => target.engine !== 'sqlite');
if (!servers.length) {
  console.warn(
    '!!! pool exhaustion (products): neither TEST_MYSQL_URL nor TEST_POSTGRES_URL is set: NOT running',
  );
  describe.skip('products pool exhaustion: needs TEST_MYSQL_URL or TEST_POSTGRES_URL', () => {
    it('runs when a MySQL or PostgreSQL server is configured', () => {});
  });
}

for (const target of servers) {
  describe(`products pool exhaustion on ${target.engine}`, () => {
    let issuer: DevIssuer;
    let deps: Deps;
    let server: TestServer;
    let api: Api;
    let watcher: SqlSession;

    beforeAll(async () => {
      issuer = await startIssuer();
      // Migrations take two connections (the lock and the migrator): run them on a pool of the usual size.
      const migrator = await buildDeps(testConfig(target.url!, issuer));
      await applyMigrations(migrator.database);
      await migrator.close();
      deps = await buildDeps(
        testConfig(target.url!, issuer, {
          DB_POOL_MAX: '1',
          DB_ACQUIRE_TIMEOUT_MS: String(ACQUIRE_TIMEOUT_MS),
          REQUEST_TIMEOUT_MS: '20000',
        }),
      );
      server = await listen(createApp(deps).callback());
      api = apiOf(server.url);
      watcher = await openSqlSession(target.url!);
    });

    afterAll(async () => {
      await server?.close();
      await deps?.close();
      await watcher?.close();
      await issuer?.close();
    });

    it('When a slow query holds the only pooled connection, then a burst is refused fast with 503 and Retry-After, readiness fails, and the service serves again once it is free', async () => {
      const tenant = newTenant();
      const created = await api.post('/products', {
        token: await tokensOf(issuer).admin(tenant),
        body: aProduct(),
      });
      expect(created.status).toBe(201);
      const path = `/products/${created.body.product_id}`;
      const anonymous = { headers: { 'x-tenant-id': tenant } };

      // The service's own pool (size 1) runs a query that sleeps: the database is busy, not down.
      const sleep =
        target.engine === 'mysql'
          ? `select sleep(${SLOW_QUERY_SECONDS})`
          : `select pg_sleep(${SLOW_QUERY_SECONDS})`;
      const slow = deps.database.em().getConnection().execute(sleep);
      await expect
        .poll(async () => Number((await watcher.query(sleepingQueries(target.engine)))[0].n), {
          timeout: 5000,
        })
        .toBeGreaterThan(0);

      const burst = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          timed(() => api.get(i % 2 ? path : '/products?limit=5', anonymous)),
        ),
      );
      const readiness = await api.get('/readyz');

      expect(burst.map(({ reply }) => reply.status)).toEqual(Array(10).fill(503));
      for (const { reply, ms } of burst) {
        expect(reply.body).toMatchObject({ status: 503, code: 'dependency_unavailable' });
        expect(Number(reply.headers.get('retry-after'))).toBeGreaterThan(0);
        expect(ms).toBeLessThan(ANSWER_BOUND_MS);
      }
      expect(readiness.status).toBe(503);

      await slow;
      const after = await api.get(path, anonymous);
      expect(after.status).toBe(200);
      expect(after.body.product_id).toBe(created.body.product_id);
    });
  });
}

const sleepingQueries = (engine: string) =>
  engine === 'mysql'
    ? `select count(*) as n from information_schema.processlist where info like 'select sleep(%'`
    : `select count(*) as n from pg_stat_activity where query like 'select pg_sleep(%' and state = 'active'`;

async function timed<T>(call: () => Promise<T>): Promise<{ reply: T; ms: number }> {
  const started = performance.now();
  const reply = await call();
  return { reply, ms: performance.now() - started };
}
