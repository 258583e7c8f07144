// Cold starts: a bare node:http hello world, then each service on each store to its first /healthz and
// its first store-backed 200, and the variants that show what the compile cache and require() buy. The
// budget for a store-backed 200 adds what one new connection to that store costs a raw driver.
import mysql from 'mysql2/promise';
import pg from 'pg';
import type { BenchOptions, Harness } from '../harness.ts';
import { type ColdSummary, type ColdTarget, coldStarts, median } from '../perf/cold-start.ts';
import { settle } from '../perf/proc.ts';
import { bearer, type Fixture, NO_PRODUCTS } from '../setup.ts';

export interface ColdResults {
  hello: ColdSummary;
  targets: ColdSummary[];
  connectionSetupMs: Record<string, number>;
}

export async function runColdStarts(
  harness: Harness,
  options: BenchOptions,
  fixture: Fixture,
): Promise<ColdResults> {
  await settle();
  harness.log(`cold starts: ${options.coldRuns} runs per target`);
  const connectionSetupMs = await connectionSetups(fixture);
  const summaries = await coldStarts(coldTargets(harness, fixture), options.coldRuns);
  const [hello, ...targets] = summaries;
  return { hello: hello as ColdSummary, targets, connectionSetupMs };
}

const withoutCompileCache = (env: Record<string, string>) =>
  Object.fromEntries(Object.entries(env).filter(([key]) => key !== 'NODE_COMPILE_CACHE'));

/** The hello world first: the others are compared with it. */
function coldTargets(harness: Harness, fixture: Fixture): ColdTarget[] {
  const { logDir } = harness;
  const { serviceArgs, productsEnv, ordersEnv, sqlStore, dynamoEnv, productsDb, ordersDb, catalog, apps } =
    fixture;
  const ordersOnMariaDb = ordersEnv(sqlStore(ordersDb.mysql), NO_PRODUCTS);
  const readerOrders = { dbPath: '/customers/bench-reader/orders', headers: bearer(fixture.tokens.reader) };
  return [
    {
      name: 'hello',
      spawn: { args: ['bench/baseline/hello.mjs'], baseEnv: fixture.heapEnv, env: {}, logDir },
    },
    {
      name: 'products (MariaDB)',
      spawn: { ...serviceArgs('products'), env: productsEnv(productsDb.mysql), logDir },
      dbPath: `/products/${catalog.mysql[0]?.productId}`,
    },
    {
      name: 'products (PostgreSQL)',
      spawn: { ...serviceArgs('products'), env: productsEnv(productsDb.postgresql), logDir },
      dbPath: `/products/${catalog.postgresql[0]?.productId}`,
    },
    {
      name: 'orders (DynamoDB)',
      spawn: { ...serviceArgs('orders'), env: ordersEnv(dynamoEnv, NO_PRODUCTS), logDir },
      ...readerOrders,
    },
    {
      name: 'orders (MariaDB)',
      spawn: { ...serviceArgs('orders'), env: ordersOnMariaDb, logDir },
      ...readerOrders,
    },
    {
      name: 'products (MariaDB), without the compile cache',
      spawn: {
        ...serviceArgs('products'),
        baseEnv: withoutCompileCache(apps.products.env),
        env: productsEnv(productsDb.mysql),
        logDir,
      },
      dbPath: `/products/${catalog.mysql[0]?.productId}`,
      variant: true,
    },
    {
      name: 'orders (MariaDB), without the compile cache',
      spawn: {
        ...serviceArgs('orders'),
        baseEnv: withoutCompileCache(apps.orders.env),
        env: ordersOnMariaDb,
        logDir,
      },
      ...readerOrders,
      variant: true,
    },
    {
      name: 'hello world with require("node:http") instead of import',
      spawn: { args: ['bench/baseline/hello-require.mjs'], baseEnv: fixture.heapEnv, env: {}, logDir },
      variant: true,
    },
  ];
}

/** One new connection and a trivial round trip with each raw driver, in this (warm) process: median of 10. */
async function connectionSetups(fixture: Fixture): Promise<Record<string, number>> {
  const time = async (work: () => Promise<void>) => {
    const samples: number[] = [];
    for (let i = 0; i < 10; i++) {
      const at = performance.now();
      await work();
      samples.push(performance.now() - at);
    }
    return Math.round(median(samples) * 10) / 10;
  };
  const { DynamoDBClient, DescribeTableCommand } = await import('@aws-sdk/client-dynamodb');
  return {
    MariaDB: await time(async () => {
      const connection = await mysql.createConnection(fixture.productsDb.mysql);
      await connection.query('select 1');
      await connection.end();
    }),
    PostgreSQL: await time(async () => {
      const client = new pg.Client({ connectionString: fixture.productsDb.postgresql });
      await client.connect();
      await client.query('select 1');
      await client.end();
    }),
    DynamoDB: await time(async () => {
      const client = new DynamoDBClient({
        region: 'us-east-1',
        endpoint: fixture.dynamo.endpoint,
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      });
      await client.send(new DescribeTableCommand({ TableName: fixture.table }));
      client.destroy();
    }),
  };
}
