// The processes the throughput scenarios load: each service on each store beside its raw node:http
// baseline doing the same I/O with the same driver, and the reader's orders both sides list.
import type { Harness } from '../harness.ts';
import { type Child, rssAnonMb, rssMb, sleep } from '../perf/proc.ts';
import type { SqlEngine } from '../perf/stores.ts';
import { bearer, type Fixture, orderBody, PRODUCT_COUNT, READER_ORDERS, TENANT } from '../setup.ts';

export interface Fleet {
  products: Record<SqlEngine, Child>;
  rawProducts: Record<SqlEngine, Child>;
  orders: { dynamodb: Child; mysql: Child; postgresql: Child };
  rawOrders: { dynamodb: Child; mysql: Child; postgresql: Child };
  /** The services by the name their memory is reported under. */
  services: Record<string, Child>;
  idleRss: Record<string, number | undefined>;
  idleAnon: Record<string, number | undefined>;
}

export async function startFleet(harness: Harness, fixture: Fixture): Promise<Fleet> {
  const { serviceArgs, rawArgs, productsEnv, ordersEnv, sqlStore, dynamoEnv, productsDb, ordersDb } = fixture;
  harness.log('starting the services and their raw baselines');
  const startService = (name: string, service: 'products' | 'orders', env: Record<string, string>) =>
    harness.start(name, serviceArgs(service), env, '/readyz');
  const products = {
    mysql: await startService('products-mysql', 'products', productsEnv(productsDb.mysql)),
    postgresql: await startService('products-postgresql', 'products', productsEnv(productsDb.postgresql)),
  };
  const rawProductsArgs = rawArgs('bench/baseline/raw-products.ts');
  const rawProducts = {
    mysql: await harness.start('raw-products-mysql', rawProductsArgs, productsEnv(productsDb.mysql)),
    postgresql: await harness.start(
      'raw-products-postgresql',
      rawProductsArgs,
      productsEnv(productsDb.postgresql),
    ),
  };
  // Orders on DynamoDB and MariaDB reserve on products on MariaDB; orders on PostgreSQL on PostgreSQL.
  const orders = {
    dynamodb: await startService('orders-dynamodb', 'orders', ordersEnv(dynamoEnv, products.mysql.url)),
    mysql: await startService(
      'orders-mysql',
      'orders',
      ordersEnv(sqlStore(ordersDb.mysql), products.mysql.url),
    ),
    postgresql: await startService(
      'orders-postgresql',
      'orders',
      ordersEnv(sqlStore(ordersDb.postgresql), products.postgresql.url),
    ),
  };
  const rawOrdersEnv = (store: Record<string, string>, engine: SqlEngine) => ({
    ...ordersEnv(store, rawProducts[engine].url),
    DEFAULT_TENANT: TENANT,
    CUSTOMER_ID: 'bench-customer',
  });
  const rawOrdersArgs = rawArgs('bench/baseline/raw-orders.ts');
  const rawOrders = {
    dynamodb: await harness.start('raw-orders-dynamodb', rawOrdersArgs, rawOrdersEnv(dynamoEnv, 'mysql')),
    mysql: await harness.start(
      'raw-orders-mysql',
      rawOrdersArgs,
      rawOrdersEnv(sqlStore(ordersDb.mysql), 'mysql'),
    ),
    postgresql: await harness.start(
      'raw-orders-postgresql',
      rawOrdersArgs,
      rawOrdersEnv(sqlStore(ordersDb.postgresql), 'postgresql'),
    ),
  };

  const services = {
    'products (MariaDB)': products.mysql,
    'products (PostgreSQL)': products.postgresql,
    'orders (DynamoDB)': orders.dynamodb,
    'orders (MariaDB)': orders.mysql,
    'orders (PostgreSQL)': orders.postgresql,
  };
  await sleep(1000);
  const idleRss = Object.fromEntries(
    Object.entries(services).map(([name, child]) => [name, rssMb(child.process.pid)]),
  );
  const idleAnon = Object.fromEntries(
    Object.entries(services).map(([name, child]) => [name, rssAnonMb(child.process.pid)]),
  );
  await placeReaderOrders(fixture, orders.dynamodb, 'mysql');
  await placeReaderOrders(fixture, orders.mysql, 'mysql');
  await placeReaderOrders(fixture, orders.postgresql, 'postgresql');
  return { products, rawProducts, orders, rawOrders, services, idleRss, idleAnon };
}

/** The reader's orders, placed through the service itself so both sides list real orders. */
async function placeReaderOrders(fixture: Fixture, service: Child, products: SqlEngine) {
  for (let i = 0; i < READER_ORDERS; i++) {
    const response = await fetch(`${service.url}/orders`, {
      method: 'POST',
      headers: { ...bearer(fixture.tokens.reader), 'content-type': 'application/json' },
      body: orderBody(fixture.catalog[products][i % PRODUCT_COUNT]?.productId ?? ''),
    });
    if (response.status !== 201)
      throw new Error(`seeding orders: ${response.status} ${await response.text()}`);
  }
}
