import { randomUUID } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, type Logger } from '@shop/platform';
import type { DevIssuer } from '@shop/platform/dev-issuer';
import {
  type Api,
  apiOf,
  type EngineTarget,
  engines,
  listen,
  type UserTokens,
  userTokensOf,
} from '@shop/platform/testing';
import { startService } from '@shop/reliability/service-process';
import { createApp } from '../../src/app.ts';
import { loadOrdersConfig, type OrdersConfig } from '../../src/config.ts';
import { buildDeps, type Deps } from '../../src/deps.ts';
import type { OrderStore } from '../../src/domain/ports.ts';
import { startStubProducts } from './stub-products.ts';

export {
  type Api,
  apiOf,
  newTenant,
  type Reply,
  type RequestOptions,
  startIssuer,
} from '@shop/platform/testing';
export { freePort } from '@shop/reliability/net';

export const SERVICE_TOKEN_SECRET = 'orders-component-tests-service-token-secret';
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
export const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** Every store the suites run on: SQLite always, the others when their TEST_* variable is set. */
export const storeTargets = (): EngineTarget[] => engines(['sqlite', 'mysql', 'postgresql', 'dynamodb']);

/** Test output stays readable; set ORDERS_TEST_LOG=debug to see the service's lines. */
export const testLogger = (): Logger =>
  createLogger({ service: 'orders-test', level: process.env.ORDERS_TEST_LOG ?? 'silent' });

// ---------------------------------------------------------------- products

export interface ProductsService {
  url: string;
  kind: 'real' | 'stub';
  /** Stops the process (or the stub); the url then refuses connections. */
  close(): Promise<void>;
}

/**
 * The real products service as a child process (`node services/products/src/server.ts`) on a free port
 * with its own SQLite file, trusting the same dev issuer and service-token secret. ORDERS_TEST_PRODUCTS=stub
 * swaps in the contract stub (for working on orders while products is broken).
 */
export async function startProducts(issuer: DevIssuer): Promise<ProductsService> {
  if (process.env.ORDERS_TEST_PRODUCTS === 'stub') {
    const stub = await startStubProducts();
    return { url: stub.url, kind: 'stub', close: stub.close };
  }
  const dir = await mkdtemp(join(tmpdir(), 'orders-test-products-'));
  const service = await startService('services/products/src/server.ts', {
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
    DATABASE_URL: `sqlite:${join(dir, 'products.sqlite')}`,
    MIGRATE_ON_START: 'true',
    AUTH_PROVIDER: 'dev',
    AUTH_ISSUER: issuer.issuer,
    AUTH_AUDIENCE: issuer.audience,
    SERVICE_TOKEN_SECRET,
    SERVICE_NAME: 'products',
  });
  return {
    url: service.url,
    kind: 'real',
    close: async () => {
      const { child } = service;
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(service.kill, 5000);
      await service.exited;
      clearTimeout(timer);
    },
  };
}

// ---------------------------------------------------------------- stores

export interface ProvisionedStore {
  engine: string;
  /** Variables selecting and locating the store. */
  env: Record<string, string>;
  /** Drops what `provisionStore` created. */
  drop(): Promise<void>;
}

/**
 * A store of its own for one test file: a fresh SQLite file, a fresh MySQL/PostgreSQL database on the
 * server TEST_*_URL names, or a fresh DynamoDB table. Files run in parallel without sharing schema state.
 */
export async function provisionStore(target: EngineTarget, label: string): Promise<ProvisionedStore> {
  const suffix = `${label.replace(/[^a-z0-9]/gi, '_')}_${randomUUID().slice(0, 8)}`.toLowerCase();
  if (target.engine === 'sqlite') {
    const dir = await mkdtemp(join(tmpdir(), 'orders-test-db-'));
    return {
      engine: 'sqlite',
      env: { ORDERS_STORE: 'sql', DATABASE_URL: `sqlite:${join(dir, 'orders.sqlite')}` },
      drop: async () => {},
    };
  }
  if (target.engine === 'dynamodb') {
    const table = `orders-test-${suffix}`;
    return {
      engine: 'dynamodb',
      env: { ORDERS_STORE: 'dynamodb', DYNAMODB_ENDPOINT: target.url!, DYNAMODB_TABLE: table },
      drop: async () => {
        const { DeleteTableCommand } = await import('@aws-sdk/client-dynamodb');
        const { createDynamoDbClient } = await import('../../src/data-access/dynamodb/client.ts');
        const client = createDynamoDbClient({
          AWS_REGION: 'us-east-1',
          DYNAMODB_ENDPOINT: target.url!,
          REQUEST_TIMEOUT_MS: 5000,
        });
        await client.send(new DeleteTableCommand({ TableName: table })).catch(() => {});
        client.destroy();
      },
    };
  }
  const { openSqlDatabase } = await import('../../src/data-access/sql/sql-database.ts');
  const database = `orders_test_${suffix}`;
  const admin = await openSqlDatabase(target.url!, 1);
  await admin.run(`CREATE DATABASE ${database}`);
  await admin.close();
  const url = new URL(target.url!);
  url.pathname = `/${database}`;
  return {
    engine: target.engine,
    env: { ORDERS_STORE: 'sql', DATABASE_URL: url.toString() },
    drop: async () => {
      const again = await openSqlDatabase(target.url!, 1);
      await again.run(
        target.engine === 'postgresql'
          ? `DROP DATABASE IF EXISTS ${database} WITH (FORCE)`
          : `DROP DATABASE IF EXISTS ${database}`,
      );
      await again.close();
    },
  };
}

// ---------------------------------------------------------------- the orders service

export function ordersConfig(
  issuer: DevIssuer,
  productsUrl: string,
  storeEnv: Record<string, string>,
  overrides: Record<string, string> = {},
): OrdersConfig {
  return loadOrdersConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    AUTH_PROVIDER: 'dev',
    AUTH_ISSUER: issuer.issuer,
    AUTH_AUDIENCE: issuer.audience,
    SERVICE_TOKEN_SECRET,
    SERVICE_NAME: 'orders',
    PRODUCTS_URL: productsUrl,
    PRODUCTS_TIMEOUT_MS: '3000',
    DB_POOL_MAX: '8',
    MIGRATE_ON_START: 'true',
    ...storeEnv,
    ...overrides,
  });
}

export interface RunningOrders {
  api: Api;
  deps: Deps;
  close(): Promise<void>;
}

/** The orders app in-process on a random port, wired like server.ts; `wrapStore` injects faults. */
export async function startOrders(
  config: OrdersConfig,
  options: { wrapStore?: (store: OrderStore) => OrderStore } = {},
): Promise<RunningOrders> {
  const deps = await buildDeps(config, { logger: testLogger() });
  const app = createApp(options.wrapStore ? { ...deps, store: options.wrapStore(deps.store) } : deps);
  const server = await listen(app.callback());
  return {
    api: apiOf(server.url),
    deps,
    close: async () => {
      await server.close();
      await deps.close();
    },
  };
}

// ---------------------------------------------------------------- tokens and HTTP

export type Tokens = UserTokens;

/** Admin and customer tokens (`sub` names the user). */
export const tokensOf = (issuer: DevIssuer): Tokens => userTokensOf(issuer);

/** Runs `work` over `items`, `size` at a time: parallel enough to be quick, gentle enough for 2 cores. */
export async function inBatches<T, R>(
  items: readonly T[],
  size: number,
  work: (item: T, index: number) => Promise<R>,
) {
  const results: R[] = [];
  for (let start = 0; start < items.length; start += size) {
    results.push(
      ...(await Promise.all(items.slice(start, start + size).map((item, i) => work(item, start + i)))),
    );
  }
  return results;
}

// ---------------------------------------------------------------- the catalog, through the products API

export interface SeededProduct {
  product_id: string;
  sku: string;
  name: string;
  price: number;
  currency: string;
}

export async function seedProduct(
  products: Api,
  adminToken: string,
  product: { sku: string; name: string; price: number; stock: number; currency?: string },
): Promise<SeededProduct> {
  const reply = await products.post('/products', {
    token: adminToken,
    body: {
      sku: product.sku,
      name: product.name,
      price: product.price,
      currency: product.currency ?? 'USD',
      stock_quantity: product.stock,
    },
  });
  if (reply.status !== 201)
    throw new Error(`seeding ${product.sku}: ${reply.status} ${JSON.stringify(reply.body)}`);
  return reply.body as SeededProduct;
}

export async function stockOf(products: Api, adminToken: string, productId: string): Promise<number> {
  const reply = await products.get(`/products/${productId}`, { token: adminToken });
  if (reply.status !== 200)
    throw new Error(`reading ${productId}: ${reply.status} ${JSON.stringify(reply.body)}`);
  return reply.body.stock_quantity as number;
}
