import { AuthConfigSchema, BaseConfigSchema, loadConfig } from '@shop/platform';
import { SQL_URL_PATTERN } from '@shop/platform/sql';
import Type, { type Static } from 'typebox';

/** Every variable the products service reads, in one schema: checked once at start. */
export const ProductsConfigSchema = Type.Object({
  ...BaseConfigSchema.properties,
  ...AuthConfigSchema.properties,
  DATABASE_URL: Type.String({
    pattern: SQL_URL_PATTERN,
    default: 'sqlite:.data/products.sqlite',
    description: 'mysql://… (or mariadb://…), postgresql://… (or postgres://…), or sqlite:<path>.',
  }),
  DB_POOL_MAX: Type.Integer({
    minimum: 1,
    maximum: 100,
    default: 10,
    description: 'Connections per instance; defaults to 2 on Lambda, where each instance serves one request.',
  }),
  DB_ACQUIRE_TIMEOUT_MS: Type.Integer({
    minimum: 50,
    maximum: 60_000,
    default: 5000,
    description:
      'Longest wait for a pooled connection (or a new one) before answering 503: a burst beyond the pool is refused fast instead of queueing until REQUEST_TIMEOUT_MS.',
  }),
  PUBLIC_CATALOG: Type.Boolean({
    default: true,
    description: 'Anonymous visitors may read active products.',
  }),
  DEFAULT_TENANT: Type.String({
    pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$',
    default: 'demo',
    description: 'The store anonymous visitors see when they send no X-Tenant-Id.',
  }),
  CATALOG_CACHE_MAX_AGE_SECONDS: Type.Integer({
    minimum: 0,
    maximum: 86_400,
    default: 30,
    description:
      'Seconds caches (a CDN, a gateway, the browser) may serve an anonymous catalog read without asking again: a product change shows within it (the one request that starts a background revalidation may still get the stale copy, up to CATALOG_CACHE_STALE_SECONDS later). 0: every use revalidates (Cache-Control: no-cache).',
  }),
  CATALOG_CACHE_STALE_SECONDS: Type.Integer({
    minimum: 0,
    maximum: 86_400,
    default: 30,
    description:
      'Seconds after max-age during which a cache may still serve an anonymous catalog read while it revalidates in the background (stale-while-revalidate); 0 leaves the directive out.',
  }),
  MIGRATE_ON_START: Type.Boolean({
    default: false,
    description: 'Apply pending migrations at start: for local runs only; deployments run migrate.ts.',
  }),
});
export type ProductsConfig = Static<typeof ProductsConfigSchema>;

/** Reads the configuration from the environment, or throws a ConfigError naming every bad variable. */
export function loadProductsConfig(env: NodeJS.ProcessEnv = process.env): ProductsConfig {
  const onLambda = Boolean(env.AWS_LAMBDA_FUNCTION_NAME);
  return loadConfig(ProductsConfigSchema, onLambda && !env.DB_POOL_MAX ? { ...env, DB_POOL_MAX: '2' } : env);
}
