// The fixture every scenario runs against: the bundles as the images hold them, fresh databases on
// MariaDB and PostgreSQL, a DynamoDB Local, a dev issuer, migrations, a seeded catalogue, tokens, and
// the environments the services and their raw baselines start with.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { type DevIssuer, startDevIssuer } from '@shop/platform/dev-issuer';
import type { BenchOptions, Harness, StartScript } from './harness.ts';
import { freePort, root } from './perf/proc.ts';
import { folderBytes } from './perf/sizes.ts';
import { type Service, type StagedApp, stageImages } from './perf/stage.ts';
import {
  createDatabase,
  type DynamoLocal,
  dropDatabase,
  migrate,
  type SeededProduct,
  type SqlEngine,
  seedProducts,
  startDynamoLocal,
} from './perf/stores.ts';

/** Same pool on both sides of every comparison. */
export const POOL = 10;
export const TENANT = 'bench';
const SECRET = 'bench-service-token-secret-0123456789abcdef';
export const PRODUCT_COUNT = 200;
export const READER_ORDERS = 25;
/** Where an orders service that is never asked to reserve stock points at for products. */
export const NO_PRODUCTS = 'http://127.0.0.1:1';

type Env = Record<string, string>;

export interface Fixture {
  apps: Record<Service, StagedApp>;
  /** Where each /app tree came from, and any Dockerfile step the local staging no longer matches. */
  staging: Record<Service, Pick<StagedApp, 'source' | 'unmatched'>>;
  appBytes: Record<Service, number>;
  /** The images' heap settings (NODE_OPTIONS, MALLOC_ARENA_MAX), given to the raw baselines too. */
  heapEnv: Env;
  dynamo: DynamoLocal;
  /** The orders table on DynamoDB Local. */
  table: string;
  productsDb: Record<SqlEngine, string>;
  ordersDb: Record<SqlEngine, string>;
  catalog: Record<SqlEngine, SeededProduct[]>;
  tokens: { customer: string; reader: string };
  dynamoEnv: Env;
  productsEnv(url: string): Env;
  ordersEnv(store: Env, productsUrl: string): Env;
  /** Orders on SQL at this database URL. */
  sqlStore(url: string): Env;
  /** `node dist/server.mjs` in the staged app folder with the image's ENV, as the image's CMD runs it. */
  serviceArgs(service: Service): StartScript;
  rawArgs(script: string): StartScript;
}

export const bearer = (token: string): Env => ({ authorization: `Bearer ${token}` });

/** An order of one unit of a product, as the reader and the POST /orders scenarios place them. */
export const orderBody = (productId: string): string =>
  JSON.stringify({
    customer_name: 'Bench Customer',
    customer_email: 'bench.customer@example.com',
    shipping_address: '1 Benchmark Street, Loopback City',
    items: [{ product_id: productId, quantity: 1 }],
  });

export async function prepare(harness: Harness, options: BenchOptions): Promise<Fixture> {
  if (options.build) {
    harness.log('building the bundles (node scripts/build.ts)');
    execFileSync(process.execPath, ['scripts/build.ts'], {
      cwd: root,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
  }
  // The bundles as each image holds them, run from there (see perf/stage.ts).
  const apps = stageImages(options.appRoot, options.nodeOptions);
  const staging = {
    products: { source: apps.products.source, unmatched: apps.products.unmatched },
    orders: { source: apps.orders.source, unmatched: apps.orders.unmatched },
  };
  for (const [service, { source, unmatched }] of Object.entries(staging)) {
    harness.log(`${service}: /app from the ${source}`);
    if (unmatched.length)
      harness.log(`  warning: services/${service}/Dockerfile no longer has: ${unmatched.join(' | ')}`);
  }
  const appBytes = { products: folderBytes(apps.products.dir), orders: folderBytes(apps.orders.dir) };
  harness.cleanups.push(async () => rmSync(dirname(apps.products.dir), { recursive: true, force: true }));
  const heapEnv = Object.fromEntries(
    Object.entries(apps.products.env).filter(([key]) => key === 'NODE_OPTIONS' || key === 'MALLOC_ARENA_MAX'),
  );

  const stamp = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`;
  const database = databaseMaker(harness, stamp);
  harness.log('preparing stores: MariaDB, PostgreSQL, DynamoDB Local');
  const dynamo = await startDynamoLocal(harness.logDir);
  harness.cleanups.push(() => dynamo.stop());
  const issuer = await startIssuer(harness);
  const productsDb = {
    mysql: await database('mysql', 'products'),
    postgresql: await database('postgresql', 'products'),
  };
  const ordersDb = {
    mysql: await database('mysql', 'orders'),
    postgresql: await database('postgresql', 'orders'),
  };
  const table = `bench_orders_${stamp}`;

  const environments = environmentsOf(issuer, dynamo.endpoint, table);
  migrateAll(apps, environments, productsDb, ordersDb);
  const catalog = {
    mysql: await seedProducts('mysql', productsDb.mysql, TENANT, PRODUCT_COUNT),
    postgresql: await seedProducts('postgresql', productsDb.postgresql, TENANT, PRODUCT_COUNT),
  };
  const tokens = {
    customer: await issuer.mint({ tenant: TENANT, role: 'customer', sub: 'bench-customer' }),
    reader: await issuer.mint({ tenant: TENANT, role: 'customer', sub: 'bench-reader' }),
  };
  return {
    apps,
    staging,
    appBytes,
    heapEnv,
    dynamo,
    table,
    productsDb,
    ordersDb,
    catalog,
    tokens,
    ...environments,
    serviceArgs: (service) => ({
      args: ['dist/server.mjs'],
      cwd: apps[service].dir,
      baseEnv: apps[service].env,
    }),
    rawArgs: (script) => ({ args: [script], baseEnv: heapEnv }),
  };
}

/** Creates databases named for this run and drops them at clean-up. */
function databaseMaker(harness: Harness, stamp: string) {
  const databases: Array<[SqlEngine, string]> = [];
  harness.cleanups.push(async () => {
    for (const [engine, name] of databases) await dropDatabase(engine, name);
  });
  return async (engine: SqlEngine, service: string) => {
    const name = `bench_${service}_${stamp}`;
    const url = await createDatabase(engine, name);
    databases.push([engine, name]);
    return url;
  };
}

async function startIssuer(harness: Harness): Promise<DevIssuer> {
  const keysDir = mkdtempSync(join(tmpdir(), 'bench-issuer-'));
  const issuer = await startDevIssuer({ port: await freePort(), keysDir });
  harness.cleanups.push(async () => {
    await issuer.close();
    rmSync(keysDir, { recursive: true, force: true });
  });
  return issuer;
}

type Environments = Pick<Fixture, 'dynamoEnv' | 'productsEnv' | 'ordersEnv' | 'sqlStore'>;

function environmentsOf(issuer: DevIssuer, dynamoEndpoint: string, table: string): Environments {
  const auth = {
    NODE_ENV: 'production',
    AUTH_PROVIDER: 'dev',
    AUTH_ALLOW_DEV_PROVIDER: 'true',
    AUTH_ISSUER: issuer.issuer,
    AUTH_AUDIENCE: issuer.audience,
    SERVICE_TOKEN_SECRET: SECRET,
  };
  return {
    productsEnv: (url) => ({
      ...auth,
      SERVICE_NAME: 'products',
      DATABASE_URL: url,
      DB_POOL_MAX: String(POOL),
      DEFAULT_TENANT: TENANT,
    }),
    dynamoEnv: {
      ORDERS_STORE: 'dynamodb',
      DYNAMODB_ENDPOINT: dynamoEndpoint,
      DYNAMODB_TABLE: table,
      AWS_REGION: 'us-east-1',
    },
    ordersEnv: (store, productsUrl) => ({
      ...auth,
      ...store,
      DB_POOL_MAX: String(POOL),
      PRODUCTS_URL: productsUrl,
    }),
    sqlStore: (url) => ({ ORDERS_STORE: 'sql', DATABASE_URL: url }),
  };
}

function migrateAll(
  apps: Record<Service, StagedApp>,
  environments: Environments,
  productsDb: Record<SqlEngine, string>,
  ordersDb: Record<SqlEngine, string>,
) {
  const { productsEnv, ordersEnv, sqlStore, dynamoEnv } = environments;
  for (const engine of ['mysql', 'postgresql'] as const) {
    migrate('products', productsEnv(productsDb[engine]), apps.products.dir);
    migrate('orders', ordersEnv(sqlStore(ordersDb[engine]), NO_PRODUCTS), apps.orders.dir);
  }
  migrate('orders', ordersEnv(dynamoEnv, NO_PRODUCTS), apps.orders.dir);
}
