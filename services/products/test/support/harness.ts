import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServiceTokenIssuer } from '@shop/platform';
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
import { expect } from 'vitest';
import { createApp } from '../../src/app.ts';
import { loadProductsConfig, type ProductsConfig } from '../../src/config.ts';
import type { Engine } from '../../src/data-access/database.ts';
import { applyMigrations } from '../../src/data-access/migrations.ts';
import { buildDeps, type Deps } from '../../src/deps.ts';

export {
  type Api,
  apiOf,
  type Json,
  newTenant,
  type Reply,
  type RequestOptions,
  startIssuer,
} from '@shop/platform/testing';

export const SERVICE_TOKEN_SECRET = 'products-component-tests-service-token-secret';

/** SQLite always; MySQL and PostgreSQL when TEST_MYSQL_URL / TEST_POSTGRES_URL are set (loudly reported if not). */
export const sqlEngines = engines(['sqlite', 'mysql', 'postgresql']) as Array<
  EngineTarget & { engine: Engine }
>;

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
export const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

export async function databaseUrlOf(target: EngineTarget): Promise<string> {
  if (target.engine !== 'sqlite') return target.url!;
  return `sqlite:${join(await mkdtemp(join(tmpdir(), 'products-test-db-')), 'products.sqlite')}`;
}

export function testConfig(
  databaseUrl: string,
  issuer: DevIssuer,
  overrides: Record<string, string> = {},
): ProductsConfig {
  return loadProductsConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DATABASE_URL: databaseUrl,
    DB_POOL_MAX: '8',
    AUTH_PROVIDER: 'dev',
    AUTH_ISSUER: issuer.issuer,
    AUTH_AUDIENCE: issuer.audience,
    SERVICE_TOKEN_SECRET,
    SERVICE_NAME: 'products',
    ...overrides,
  });
}

export interface Tokens extends UserTokens {
  /** The orders service's credential: role service, scope stock:reserve. */
  service(tenant: string): Promise<string>;
  serviceWithoutScope(tenant: string): Promise<string>;
}

export function tokensOf(issuer: DevIssuer): Tokens {
  const orders = createServiceTokenIssuer({
    secret: SERVICE_TOKEN_SECRET,
    issuer: 'orders',
    audience: 'products',
    scopes: ['stock:reserve'],
  });
  const unscoped = createServiceTokenIssuer({
    secret: SERVICE_TOKEN_SECRET,
    issuer: 'reports',
    audience: 'products',
    scopes: ['catalog:read'],
  });
  return {
    ...userTokensOf(issuer),
    service: (tenant) => orders.tokenFor(tenant),
    serviceWithoutScope: (tenant) => unscoped.tokenFor(tenant),
  };
}

export interface ProductsUnderTest {
  engine: Engine;
  deps: Deps;
  api: Api;
  databaseUrl: string;
  /** Another app on the same store with other settings (e.g. PUBLIC_CATALOG=false). */
  variant(overrides: Record<string, string>): Promise<Api>;
  close(): Promise<void>;
}

/** The real app over real HTTP on a random port, on a migrated store of the given engine. */
export async function startProducts(
  target: EngineTarget & { engine: Engine },
  issuer: DevIssuer,
): Promise<ProductsUnderTest> {
  const databaseUrl = await databaseUrlOf(target);
  const deps = await buildDeps(testConfig(databaseUrl, issuer));
  await applyMigrations(deps.database);
  const servers = [await listen(createApp(deps).callback())];
  return {
    engine: target.engine,
    deps,
    databaseUrl,
    api: apiOf(servers[0]!.url),
    async variant(overrides) {
      const server = await listen(
        createApp({ ...deps, config: testConfig(databaseUrl, issuer, overrides) }).callback(),
      );
      servers.push(server);
      return apiOf(server.url);
    },
    async close() {
      await Promise.all(servers.map((server) => server.close()));
      await deps.close();
    },
  };
}

let counter = 0;

/** A valid new product; each call a fresh SKU. */
export const aProduct = (overrides: Record<string, unknown> = {}) => ({
  sku: `SKU-${Date.now().toString(36)}-${(counter++).toString(36)}`,
  name: 'Pour-over kettle',
  description: 'Gooseneck, 1 litre.',
  price: 42.5,
  currency: 'EUR',
  stock_quantity: 10,
  is_active: true,
  ...overrides,
});

/** The JSON the API must answer for a product created from `input` in `tenant`. */
export const productShape = (tenant: string, input: Record<string, unknown>, version = 1) => ({
  product_id: expect.stringMatching(UUID),
  tenant_id: tenant,
  sku: input.sku,
  name: input.name,
  description: input.description ?? '',
  price: input.price,
  currency: input.currency ?? 'USD',
  stock_quantity: input.stock_quantity ?? 0,
  is_active: input.is_active ?? true,
  version,
  created_at: expect.stringMatching(ISO_TIME),
  updated_at: expect.stringMatching(ISO_TIME),
});
