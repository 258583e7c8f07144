// Cold starts as the images run: the /app tree staged as the image holds it (perf/stage.ts), its ENV
// (NODE_ENV, NODE_OPTIONS, MALLOC_ARENA_MAX, NODE_COMPILE_CACHE) and the compile cache its build makes,
// `node dist/server.mjs` from /app; against an ESM node:http hello world (bench/baseline/hello.mjs) started
// the same way. Each service on each store to its first /healthz and its first store-backed 200, and the
// variants that show what the compile cache and require() buy. One start of each service with
// NODE_DEBUG_NATIVE=COMPILE_CACHE counts the modules V8 took from the cache.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import pg from 'pg';
import type { BenchOptions, Harness } from '../harness.ts';
import { type ColdSummary, type ColdTarget, coldOnce, coldStarts, median } from '../perf/cold-start.ts';
import { settle } from '../perf/proc.ts';
import { bearer, type Fixture, NO_PRODUCTS } from '../setup.ts';

/** Budgets (issue 14), × the hello world's first 200. */
export const COLD_BUDGETS = { healthz: 2.5, storeBacked: 3 } as const;

export interface CacheUse {
  service: string;
  /** Modules whose code V8 took from the cache. */
  accepted: number;
  /** Modules compiled from source: no entry, or an entry V8 refused. */
  compiled: number;
  rejected: number;
}

export interface ColdResults {
  hello: ColdSummary;
  targets: ColdSummary[];
  connectionSetupMs: Record<string, number>;
  cacheUse: CacheUse[];
  budgets: typeof COLD_BUDGETS;
}

export async function runColdStarts(
  harness: Harness,
  options: BenchOptions,
  fixture: Fixture,
): Promise<ColdResults> {
  await settle();
  harness.log(`cold starts: ${options.coldRuns} runs per target`);
  const connectionSetupMs = await connectionSetups(fixture);
  const targets = coldTargets(harness, fixture);
  const cacheUse = await compileCacheUse(harness, targets);
  for (const use of cacheUse)
    harness.log(`  ${use.service}: ${use.accepted} modules from the compile cache, ${use.compiled} compiled`);
  const summaries = await coldStarts(targets, options.coldRuns);
  const [hello, ...rest] = summaries;
  for (const target of summaries)
    harness.log(
      `  ${target.name}: /healthz ${target.healthz.median} ms [${target.healthz.min}–${target.healthz.max}]` +
        (target.db ? `, store-backed ${target.db.median} ms [${target.db.min}–${target.db.max}]` : ''),
    );
  return { hello: hello as ColdSummary, targets: rest, connectionSetupMs, cacheUse, budgets: COLD_BUDGETS };
}

/** One start of each service as its image runs it, with Node's compile-cache log on: what V8 took. */
async function compileCacheUse(harness: Harness, targets: ColdTarget[]): Promise<CacheUse[]> {
  const chosen = targets.filter((target) => !target.variant && target.spawn.baseEnv?.NODE_COMPILE_CACHE);
  const uses: CacheUse[] = [];
  for (const target of chosen) {
    const run = 'compile-cache-log';
    await coldOnce(
      {
        ...target,
        spawn: { ...target.spawn, env: { ...target.spawn.env, NODE_DEBUG_NATIVE: 'COMPILE_CACHE' } },
      },
      run,
    );
    const log = readFileSync(join(harness.logDir, `cold-${target.name}-${run}.log`), 'utf8');
    const count = (pattern: RegExp) => log.match(pattern)?.length ?? 0;
    uses.push({
      service: target.name,
      accepted: count(/V8 code cache for .* was accepted/g),
      compiled: count(/V8 code cache for .* was not initialized/g),
      rejected: count(/V8 code cache for .* was rejected/g),
    });
  }
  return uses;
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
