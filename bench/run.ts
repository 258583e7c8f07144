// `npm run bench` (node bench/run.ts): the services as the images run them (bundled, NODE_ENV=production)
// against real stores, each scenario beside a raw node:http baseline doing the same I/O with the same
// driver; cold start, memory, bundle and image sizes, and which drivers each store loads. Writes
// bench/RESULTS.md, bench/results.json and bench/ratios.svg. Loopback only; every load bounded in time.
//
//   --quick            1 s warm-up, 3 s runs, 5 cold starts (a smoke run of the harness)
//   --duration N       measured seconds per side (default 9: six rounds of 1.5) --warmup N (default 3)
//   --connections N    autocannon connections (default 10)       --runs N       cold starts (default 10)
//   --only a,b         scenario ids to run (see SCENARIOS below); skips cold start, drivers and sizes
//   --no-build         use the existing services/*/dist
//   --app-root DIR     stage the bundles from another checkout's services/*/dist (A/B runs of a change)
//   --cpu-prof         run the services with --cpu-prof into bench/.profiles (open in Chrome DevTools)
//   --node-options=S   NODE_OPTIONS for services and baselines instead of the images' (note the =)
//   --out DIR          where RESULTS.md, results.json and ratios.svg go (default bench/)
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, freemem, loadavg, release, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { startDevIssuer } from '@shop/platform/dev-issuer';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { type ColdSummary, type ColdTarget, coldStarts, median } from './perf/cold-start.ts';
import { analyseTrace, TRACE_HOOK } from './perf/drivers.ts';
import { combine, type LoadResult, type LoadSettings, measure, type RequestSpec, warm } from './perf/load.ts';
import {
  type Child,
  cpuSeconds,
  cpuSecondsOf,
  freePort,
  root,
  rssAnonMb,
  rssMb,
  settle,
  sleep,
  spawnNode,
  stop,
  waitForOk,
} from './perf/proc.ts';
import { writeReports } from './perf/report.ts';
import { bundleSizes, folderBytes, imageLayers } from './perf/sizes.ts';
import { type Service, stageImages } from './perf/stage.ts';
import {
  createDatabase,
  dropDatabase,
  MYSQL_SERVER,
  migrate,
  POSTGRES_SERVER,
  type SqlEngine,
  seedProducts,
  startDynamoLocal,
} from './perf/stores.ts';

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    duration: { type: 'string' },
    warmup: { type: 'string' },
    connections: { type: 'string' },
    runs: { type: 'string' },
    only: { type: 'string' },
    'no-build': { type: 'boolean', default: false },
    'app-root': { type: 'string' },
    'cpu-prof': { type: 'boolean', default: false },
    'node-options': { type: 'string' },
    out: { type: 'string', default: join(root, 'bench') },
  },
});

const settings: LoadSettings = {
  connections: Number(args.connections ?? 10),
  warmupSeconds: Number(args.warmup ?? (args.quick ? 1 : 3)),
  durationSeconds: Number(args.duration ?? (args.quick ? 4 : 9)),
};
const coldRuns = Number(args.runs ?? (args.quick ? 5 : 10));
/** Warm-up of a process's first scenario (see the scenario loop). */
const FIRST_WARMUP_SECONDS = args.quick ? 2 : 20;
/** Alternating rounds per scenario (see the scenario loop). */
const ROUNDS = args.quick ? 2 : 6;
const only = args.only?.split(',').filter(Boolean);
const full = only === undefined;
/** Same pool on both sides of every comparison. */
const POOL = 10;
const TENANT = 'bench';
const SECRET = 'bench-service-token-secret-0123456789abcdef';
const PRODUCT_COUNT = 200;
const READER_ORDERS = 25;

const started = Date.now();
// Hard bound on the whole run: whatever hangs, the machine gets its cores back.
const watchdog = setTimeout(() => {
  console.error('bench: 10 minute bound reached, stopping');
  void cleanup().finally(() => process.exit(2));
}, 600_000);
watchdog.unref();

const log = (message: string) =>
  console.log(`[${((Date.now() - started) / 1000).toFixed(0).padStart(3)} s] ${message}`);
const logDir = mkdtempSync(join(tmpdir(), 'bench-logs-'));
const profileDir = join(root, 'bench', '.profiles');
const children: Child[] = [];
const cleanups: Array<() => Promise<void>> = [];

/** Stops every child and runs the clean-ups once (newest first); safe to call again. */
async function cleanup() {
  await Promise.all(children.splice(0).map((child) => stop(child)));
  for (const task of cleanups.splice(0).reverse()) await task().catch(() => undefined);
}

const othersRunning = () => {
  try {
    return execFileSync('sh', ['-c', 'ps -eo args | grep -c "[v]itest"'], { encoding: 'utf8' }).trim();
  } catch {
    return '0';
  }
};

interface Scenario {
  id: string;
  title: string;
  store: string;
  baseline: Child;
  service: Child;
  request: RequestSpec;
  /** The processes whose RSS and CPU are sampled while the service side runs. */
  watch: Record<string, Child>;
  /** The same for the raw side. */
  rawWatch: Record<string, Child>;
  /** Store servers whose CPU is read on both sides. */
  stores: Record<string, () => number | undefined>;
  budget?: { minRatio: number; maxP99Ratio?: number };
}

export interface ScenarioResult {
  id: string;
  title: string;
  store: string;
  baseline: LoadResult;
  service: LoadResult;
  /** Median of roundRatios. */
  ratio: number;
  /** Service req/s ÷ raw req/s per round of two neighbouring runs. */
  roundRatios: number[];
  p99Ratio: number;
  budget?: Scenario['budget'];
  pass?: boolean;
}

async function main() {
  // ---------------------------------------------------------------- build and stores
  const contention = { vitestProcessesAtStart: Number(othersRunning()), loadAverageAtStart: loadavg() };
  if (contention.vitestProcessesAtStart > 0) {
    log(`note: ${contention.vitestProcessesAtStart} vitest processes are running: figures will be noisy`);
  }
  if (!args['no-build'] && !args['app-root']) {
    log('building the bundles (node scripts/build.ts)');
    execFileSync(process.execPath, ['scripts/build.ts'], {
      cwd: root,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
  }

  // The bundles as each image holds them, run from there (see perf/stage.ts).
  const apps = stageImages(args['app-root'], args['node-options']);
  const appBytes = { products: folderBytes(apps.products.dir), orders: folderBytes(apps.orders.dir) };
  cleanups.push(async () => rmSync(dirname(apps.products.dir), { recursive: true, force: true }));
  // The heap settings of the images (NODE_OPTIONS, MALLOC_ARENA_MAX) apply to the raw baselines too.
  const heapEnv = Object.fromEntries(
    Object.entries(apps.products.env).filter(([key]) => key === 'NODE_OPTIONS' || key === 'MALLOC_ARENA_MAX'),
  );

  const stamp = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`;
  const databases: Array<[SqlEngine, string]> = [];
  async function database(engine: SqlEngine, service: string) {
    const name = `bench_${service}_${stamp}`;
    const url = await createDatabase(engine, name);
    databases.push([engine, name]);
    return url;
  }
  cleanups.push(async () => {
    for (const [engine, name] of databases) await dropDatabase(engine, name);
  });

  log('preparing stores: MariaDB, PostgreSQL, DynamoDB Local');
  const dynamo = await startDynamoLocal(logDir);
  cleanups.push(() => dynamo.stop());
  const keysDir = mkdtempSync(join(tmpdir(), 'bench-issuer-'));
  const issuer = await startDevIssuer({ port: await freePort(), keysDir });
  cleanups.push(async () => {
    await issuer.close();
    rmSync(keysDir, { recursive: true, force: true });
  });

  const productsDb = {
    mysql: await database('mysql', 'products'),
    postgresql: await database('postgresql', 'products'),
  };
  const ordersDb = {
    mysql: await database('mysql', 'orders'),
    postgresql: await database('postgresql', 'orders'),
  };
  const TABLE = `bench_orders_${stamp}`;

  const auth = {
    NODE_ENV: 'production',
    AUTH_PROVIDER: 'dev',
    AUTH_ALLOW_DEV_PROVIDER: 'true',
    AUTH_ISSUER: issuer.issuer,
    AUTH_AUDIENCE: issuer.audience,
    SERVICE_TOKEN_SECRET: SECRET,
  };
  const productsEnv = (url: string) => ({
    ...auth,
    SERVICE_NAME: 'products',
    DATABASE_URL: url,
    DB_POOL_MAX: String(POOL),
    DEFAULT_TENANT: TENANT,
  });
  const dynamoEnv = {
    ORDERS_STORE: 'dynamodb',
    DYNAMODB_ENDPOINT: dynamo.endpoint,
    DYNAMODB_TABLE: TABLE,
    AWS_REGION: 'us-east-1',
  };
  const ordersEnv = (store: Record<string, string>, productsUrl: string) => ({
    ...auth,
    ...store,
    DB_POOL_MAX: String(POOL),
    PRODUCTS_URL: productsUrl,
  });

  for (const engine of ['mysql', 'postgresql'] as const) {
    migrate('products', productsEnv(productsDb[engine]), apps.products.dir);
    migrate(
      'orders',
      ordersEnv({ ORDERS_STORE: 'sql', DATABASE_URL: ordersDb[engine] }, 'http://127.0.0.1:1'),
      apps.orders.dir,
    );
  }
  migrate('orders', ordersEnv(dynamoEnv, 'http://127.0.0.1:1'), apps.orders.dir);
  const catalog = {
    mysql: await seedProducts('mysql', productsDb.mysql, TENANT, PRODUCT_COUNT),
    postgresql: await seedProducts('postgresql', productsDb.postgresql, TENANT, PRODUCT_COUNT),
  };

  const tokens = {
    customer: await issuer.mint({ tenant: TENANT, role: 'customer', sub: 'bench-customer' }),
    reader: await issuer.mint({ tenant: TENANT, role: 'customer', sub: 'bench-reader' }),
  };
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

  // ---------------------------------------------------------------- processes under load
  /** `node dist/server.mjs` in the staged app folder with the image's ENV, as the image's CMD runs it. */
  const serviceArgs = (service: Service) => ({
    args: ['dist/server.mjs'],
    cwd: apps[service].dir,
    baseEnv: apps[service].env,
  });
  const rawArgs = (script: string) => ({ args: [script], baseEnv: heapEnv });
  const withoutCompileCache = (env: Record<string, string>) =>
    Object.fromEntries(Object.entries(env).filter(([key]) => key !== 'NODE_COMPILE_CACHE'));
  const cpuProf = (name: string) =>
    args['cpu-prof']
      ? ['--cpu-prof', '--cpu-prof-dir', profileDir, '--cpu-prof-name', `${name}.cpuprofile`]
      : [];
  if (args['cpu-prof']) mkdirSync(profileDir, { recursive: true });

  async function start(
    name: string,
    script: { args: string[]; cwd?: string; baseEnv?: Record<string, string> },
    env: Record<string, string>,
    ready = '/healthz',
  ) {
    const child = spawnNode({
      name,
      ...script,
      env,
      port: await freePort(),
      logDir,
      nodeOptions: cpuProf(name),
    });
    children.push(child);
    await waitForOk(child, ready, { seconds: 60 });
    return child;
  }

  log('starting the services and their raw baselines');
  const products = {
    mysql: await start('products-mysql', serviceArgs('products'), productsEnv(productsDb.mysql), '/readyz'),
    postgresql: await start(
      'products-postgresql',
      serviceArgs('products'),
      productsEnv(productsDb.postgresql),
      '/readyz',
    ),
  };
  const rawProducts = {
    mysql: await start(
      'raw-products-mysql',
      rawArgs('bench/baseline/raw-products.ts'),
      productsEnv(productsDb.mysql),
    ),
    postgresql: await start(
      'raw-products-postgresql',
      rawArgs('bench/baseline/raw-products.ts'),
      productsEnv(productsDb.postgresql),
    ),
  };
  const orders = {
    dynamodb: await start(
      'orders-dynamodb',
      serviceArgs('orders'),
      ordersEnv(dynamoEnv, products.mysql.url),
      '/readyz',
    ),
    mysql: await start(
      'orders-mysql',
      serviceArgs('orders'),
      ordersEnv({ ORDERS_STORE: 'sql', DATABASE_URL: ordersDb.mysql }, products.mysql.url),
      '/readyz',
    ),
  };
  const rawOrdersEnv = (store: Record<string, string>) => ({
    ...ordersEnv(store, rawProducts.mysql.url),
    DEFAULT_TENANT: TENANT,
    CUSTOMER_ID: 'bench-customer',
  });
  const rawOrders = {
    dynamodb: await start(
      'raw-orders-dynamodb',
      rawArgs('bench/baseline/raw-orders.ts'),
      rawOrdersEnv(dynamoEnv),
    ),
    mysql: await start(
      'raw-orders-mysql',
      rawArgs('bench/baseline/raw-orders.ts'),
      rawOrdersEnv({ ORDERS_STORE: 'sql', DATABASE_URL: ordersDb.mysql }),
    ),
  };

  const services = {
    'products (MariaDB)': products.mysql,
    'products (PostgreSQL)': products.postgresql,
    'orders (DynamoDB)': orders.dynamodb,
    'orders (MariaDB)': orders.mysql,
  };
  await sleep(1000);
  const idleRss = Object.fromEntries(
    Object.entries(services).map(([name, child]) => [name, rssMb(child.process.pid)]),
  );
  const idleAnon = Object.fromEntries(
    Object.entries(services).map(([name, child]) => [name, rssAnonMb(child.process.pid)]),
  );

  // The reader's orders, placed through the service itself so both sides list real orders.
  const orderBody = (productId: string) =>
    JSON.stringify({
      customer_name: 'Bench Customer',
      customer_email: 'bench.customer@example.com',
      shipping_address: '1 Benchmark Street, Loopback City',
      items: [{ product_id: productId, quantity: 1 }],
    });
  for (const service of [orders.dynamodb, orders.mysql]) {
    for (let i = 0; i < READER_ORDERS; i++) {
      const response = await fetch(`${service.url}/orders`, {
        method: 'POST',
        headers: { ...bearer(tokens.reader), 'content-type': 'application/json' },
        body: orderBody(catalog.mysql[i % PRODUCT_COUNT]?.productId ?? ''),
      });
      if (response.status !== 201)
        throw new Error(`seeding orders: ${response.status} ${await response.text()}`);
    }
  }

  // ---------------------------------------------------------------- scenarios

  const randomProduct = (engine: SqlEngine) => () =>
    orderBody(catalog[engine][Math.floor(Math.random() * PRODUCT_COUNT)]?.productId ?? '');

  const mariadbCpu = () => cpuSecondsOf('mariadbd');
  const postgresCpu = () => cpuSecondsOf('postgres');
  const dynamoCpu = () => cpuSeconds(dynamo.process.pid);
  const SCENARIOS: Scenario[] = [];
  for (const engine of ['mysql', 'postgresql'] as const) {
    const store = engine === 'mysql' ? 'MariaDB' : 'PostgreSQL';
    const id = catalog[engine][0]?.productId ?? '';
    const watch = { [`products (${store})`]: products[engine] };
    const rawWatch = { [`raw products (${store})`]: rawProducts[engine] };
    const stores: Scenario['stores'] =
      engine === 'mysql' ? { MariaDB: mariadbCpu } : { PostgreSQL: postgresCpu };
    SCENARIOS.push(
      {
        id: `product-anonymous-${engine}`,
        title: 'GET /products/{id} anonymous',
        store,
        baseline: rawProducts[engine],
        service: products[engine],
        request: { path: `/products/${id}` },
        watch,
        rawWatch,
        stores,
        budget: { minRatio: 0.7, maxP99Ratio: 2 },
      },
      {
        id: `product-token-${engine}`,
        title: 'GET /products/{id} with a bearer token',
        store,
        baseline: rawProducts[engine],
        service: products[engine],
        request: { path: `/products/${id}`, headers: bearer(tokens.customer) },
        watch,
        rawWatch,
        stores,
        budget: { minRatio: 0.6, maxP99Ratio: 2 },
      },
      {
        id: `product-list-${engine}`,
        title: 'GET /products?limit=20',
        store,
        baseline: rawProducts[engine],
        service: products[engine],
        request: { path: '/products?limit=20' },
        watch,
        rawWatch,
        stores,
      },
    );
  }
  SCENARIOS.push(
    {
      id: 'order-post-dynamodb',
      title: 'POST /orders (reservation + order write)',
      store: 'DynamoDB Local (+ products on MariaDB)',
      baseline: rawOrders.dynamodb,
      service: orders.dynamodb,
      request: {
        method: 'POST',
        path: '/orders',
        headers: bearer(tokens.customer),
        body: randomProduct('mysql'),
      },
      watch: { 'orders (DynamoDB)': orders.dynamodb, 'products (MariaDB)': products.mysql },
      rawWatch: { 'raw orders (DynamoDB)': rawOrders.dynamodb, 'raw products (MariaDB)': rawProducts.mysql },
      stores: { 'DynamoDB Local': dynamoCpu, MariaDB: mariadbCpu },
      budget: { minRatio: 0.5 },
    },
    {
      id: 'order-post-mysql',
      title: 'POST /orders (reservation + order write)',
      store: 'MariaDB (+ products on MariaDB)',
      baseline: rawOrders.mysql,
      service: orders.mysql,
      request: {
        method: 'POST',
        path: '/orders',
        headers: bearer(tokens.customer),
        body: randomProduct('mysql'),
      },
      watch: { 'orders (MariaDB)': orders.mysql, 'products (MariaDB)': products.mysql },
      rawWatch: { 'raw orders (MariaDB)': rawOrders.mysql, 'raw products (MariaDB)': rawProducts.mysql },
      stores: { MariaDB: mariadbCpu },
      budget: { minRatio: 0.5 },
    },
    {
      id: 'customer-orders-dynamodb',
      title: 'GET /customers/{id}/orders',
      store: 'DynamoDB Local',
      baseline: rawOrders.dynamodb,
      service: orders.dynamodb,
      request: { path: '/customers/bench-reader/orders', headers: bearer(tokens.reader) },
      watch: { 'orders (DynamoDB)': orders.dynamodb },
      rawWatch: { 'raw orders (DynamoDB)': rawOrders.dynamodb },
      stores: { 'DynamoDB Local': dynamoCpu },
    },
    {
      id: 'customer-orders-mysql',
      title: 'GET /customers/{id}/orders',
      store: 'MariaDB',
      baseline: rawOrders.mysql,
      service: orders.mysql,
      request: { path: '/customers/bench-reader/orders', headers: bearer(tokens.reader) },
      watch: { 'orders (MariaDB)': orders.mysql },
      rawWatch: { 'raw orders (MariaDB)': rawOrders.mysql },
      stores: { MariaDB: mariadbCpu },
    },
  );

  const pids = (processes: Record<string, Child>) =>
    Object.fromEntries(Object.entries(processes).map(([name, child]) => [name, child.process.pid]));
  const scenarioResults: ScenarioResult[] = [];
  const peakRss: Record<string, number> = {};
  const afterLoadRss: Record<string, number | undefined> = {};
  const peakAnon: Record<string, number> = {};
  const warmed = new Set<Child>();
  for (const scenario of SCENARIOS.filter((candidate) => !only || only.includes(candidate.id))) {
    // Warm both sides, then measure raw, service, service, raw (half the duration each): a drift of the
    // machine over the scenario weighs on both sides alike.
    const busy = await settle();
    log(`${scenario.id}: machine ${(busy * 100).toFixed(0)} % busy; warming raw baseline and service`);
    // A process's first scenario warms it longer: on 2 cores V8's optimising compiler and the heap's
    // growth to its working size share the CPU with the load, and a fresh service's first scenario still
    // cost ~20–30 µs more per request than its second after 10 s. The raw baselines settle faster.
    const warmFor = (child: Child) => ({
      ...settings,
      warmupSeconds: warmed.has(child)
        ? settings.warmupSeconds
        : Math.max(settings.warmupSeconds, child === scenario.service ? FIRST_WARMUP_SECONDS : 10),
    });
    await warm(scenario.baseline.url, scenario.request, warmFor(scenario.baseline));
    await warm(scenario.service.url, scenario.request, warmFor(scenario.service));
    warmed.add(scenario.baseline).add(scenario.service);
    // Short runs alternating sides (raw, service, then service, raw, …): each round's ratio compares two
    // neighbouring runs, and the median of the rounds' ratios is the scenario's ratio, so a drift of the
    // machine or a burst of background work weighs on one round, not on the verdict.
    const slice = { ...settings, warmupSeconds: 0, durationSeconds: settings.durationSeconds / ROUNDS };
    const rawRun = () =>
      measure(scenario.baseline.url, scenario.request, slice, pids(scenario.rawWatch), scenario.stores);
    const serviceRun = () =>
      measure(scenario.service.url, scenario.request, slice, pids(scenario.watch), scenario.stores);
    log(`${scenario.id}: ${ROUNDS} rounds of raw and service, alternating which goes first`);
    const rawRuns: LoadResult[] = [];
    const serviceRuns: LoadResult[] = [];
    const roundRatios: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      let raw: LoadResult;
      let service: LoadResult;
      if (round % 2 === 0) {
        raw = await rawRun();
        service = await serviceRun();
      } else {
        service = await serviceRun();
        raw = await rawRun();
      }
      rawRuns.push(raw);
      serviceRuns.push(service);
      roundRatios.push(raw.rps ? service.rps / raw.rps : 0);
    }
    const baseline = combine(rawRuns);
    const service = combine(serviceRuns);
    for (const [name, child] of Object.entries(scenario.watch)) {
      peakRss[name] = Math.max(peakRss[name] ?? 0, service.peakRssMb[name] ?? 0);
      peakAnon[name] = Math.max(peakAnon[name] ?? 0, service.peakAnonMb[name] ?? 0);
      afterLoadRss[name] = rssMb(child.process.pid);
    }
    const ratio = median(roundRatios);
    const p99Ratio = baseline.p99 ? service.p99 / baseline.p99 : Number.POSITIVE_INFINITY;
    const pass = scenario.budget
      ? ratio >= scenario.budget.minRatio &&
        (scenario.budget.maxP99Ratio === undefined || p99Ratio <= scenario.budget.maxP99Ratio) &&
        service.errors === 0
      : undefined;
    scenarioResults.push({
      id: scenario.id,
      title: scenario.title,
      store: scenario.store,
      baseline,
      service,
      ratio: Math.round(ratio * 1000) / 1000,
      roundRatios: roundRatios.map((value) => Math.round(value * 1000) / 1000),
      p99Ratio: Math.round(p99Ratio * 100) / 100,
      ...(scenario.budget ? { budget: scenario.budget, pass } : {}),
    });
    log(
      `  raw ${baseline.rps} req/s p99 ${baseline.p99} ms | service ${service.rps} req/s p99 ${service.p99} ms | ` +
        `${(ratio * 100).toFixed(0)} %, errors ${service.errors}`,
    );
    const cpuLine = (result: LoadResult) =>
      Object.entries(result.cpu)
        .map(([name, cpu]) => `${name} ${cpu.cores} cores ${cpu.usPerRequest} µs/req`)
        .concat(`autocannon ${result.loadGeneratorCores} cores`)
        .join(', ');
    log(`  cpu raw: ${cpuLine(baseline)}`);
    log(`  cpu service: ${cpuLine(service)}`);
  }
  await Promise.all(children.map((child) => stop(child)));
  children.length = 0;

  // ---------------------------------------------------------------- memory with a deployment's heap
  // The images pin the young generation V8 gives a 512 MiB container (the runs above); a 128 MiB function
  // also gets a 64 MB old generation. The products bundle again with that heap, serving reads one at a
  // time as a function instance does.
  const heaps = {
    '128 MiB Lambda': ['--max-old-space-size=64', '--max-semi-space-size=1'],
  } as const;
  const sizedMemory: Array<{
    service: string;
    heap: keyof typeof heaps;
    load: string;
    idleMb?: number;
    idleAnonMb?: number;
    peakMb?: number;
    peakAnonMb?: number;
    afterLoadMb?: number;
    rps: number;
    p99: number;
    errors: number;
  }> = [];
  if (full) {
    log('memory with deployment-sized heaps');
    const startSized = async (
      name: string,
      service: Service,
      env: Record<string, string>,
      heap: keyof typeof heaps,
    ) => {
      const child = spawnNode({
        name,
        ...serviceArgs(service),
        env,
        port: await freePort(),
        logDir,
        nodeOptions: [...heaps[heap]],
      });
      children.push(child);
      await waitForOk(child, '/readyz', { seconds: 60 });
      return child;
    };
    const sizedRun = async (
      label: string,
      heap: keyof typeof heaps,
      target: Child,
      requests: RequestSpec[],
      watch: Record<string, Child>,
      connections = settings.connections,
    ) => {
      await sleep(1000);
      const idle = Object.fromEntries(
        Object.entries(watch).map(([name, child]) => [name, rssMb(child.process.pid)]),
      );
      const idleAnonSized = Object.fromEntries(
        Object.entries(watch).map(([name, child]) => [name, rssAnonMb(child.process.pid)]),
      );
      const peak: Record<string, number> = {};
      const peakAnonSized: Record<string, number> = {};
      let last: LoadResult | undefined;
      for (const request of requests) {
        last = await measure(target.url, request, { ...settings, connections }, pids(watch));
        for (const [name, value] of Object.entries(last.peakRssMb))
          peak[name] = Math.max(peak[name] ?? 0, value);
        for (const [name, value] of Object.entries(last.peakAnonMb))
          peakAnonSized[name] = Math.max(peakAnonSized[name] ?? 0, value);
      }
      for (const [name, child] of Object.entries(watch)) {
        const round = (value: number | undefined) =>
          value === undefined ? undefined : Math.round(value * 10) / 10;
        sizedMemory.push({
          service: name,
          heap,
          load: label,
          idleMb: round(idle[name]),
          idleAnonMb: round(idleAnonSized[name]),
          peakMb: peak[name],
          peakAnonMb: peakAnonSized[name],
          afterLoadMb: round(rssMb(child.process.pid)),
          rps: last?.rps ?? 0,
          p99: last?.p99 ?? 0,
          errors: last?.errors ?? 0,
        });
      }
      log(`  ${label} (${heap}): ${Object.keys(watch).join(', ')} done`);
    };
    const productId = catalog.mysql[0]?.productId ?? '';
    const reads: RequestSpec[] = [{ path: `/products/${productId}` }, { path: '/products?limit=20' }];
    // A function instance serves one request at a time, with the Lambda defaults (DB_POOL_MAX 2).
    const lambda = '128 MiB Lambda';
    const lambdaProducts = await startSized(
      'lambda-products',
      'products',
      {
        ...Object.fromEntries(
          Object.entries(productsEnv(productsDb.mysql)).filter(([key]) => key !== 'DB_POOL_MAX'),
        ),
        AWS_LAMBDA_FUNCTION_NAME: 'bench-products',
      },
      lambda,
    );
    await sizedRun(
      'GET /products/{id}, then GET /products?limit=20, one at a time',
      lambda,
      lambdaProducts,
      reads,
      {
        'products (MariaDB)': lambdaProducts,
      },
      1,
    );
    await Promise.all(children.map((child) => stop(child)));
    children.length = 0;
  }

  // ---------------------------------------------------------------- cold start
  let cold:
    | { hello: ColdSummary; targets: ColdSummary[]; connectionSetupMs: Record<string, number> }
    | undefined;
  if (full) {
    await settle();
    log(`cold starts: ${coldRuns} runs per target`);
    const connectionSetupMs = await connectionSetups();
    const targets: ColdTarget[] = [
      { name: 'hello', spawn: { args: ['bench/baseline/hello.mjs'], baseEnv: heapEnv, env: {}, logDir } },
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
        spawn: { ...serviceArgs('orders'), env: ordersEnv(dynamoEnv, 'http://127.0.0.1:1'), logDir },
        dbPath: '/customers/bench-reader/orders',
        headers: bearer(tokens.reader),
      },
      {
        name: 'orders (MariaDB)',
        spawn: {
          ...serviceArgs('orders'),
          env: ordersEnv({ ORDERS_STORE: 'sql', DATABASE_URL: ordersDb.mysql }, 'http://127.0.0.1:1'),
          logDir,
        },
        dbPath: '/customers/bench-reader/orders',
        headers: bearer(tokens.reader),
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
          env: ordersEnv({ ORDERS_STORE: 'sql', DATABASE_URL: ordersDb.mysql }, 'http://127.0.0.1:1'),
          logDir,
        },
        dbPath: '/customers/bench-reader/orders',
        headers: bearer(tokens.reader),
        variant: true,
      },
      {
        name: 'hello world with require("node:http") instead of import',
        spawn: { args: ['bench/baseline/hello-require.mjs'], baseEnv: heapEnv, env: {}, logDir },
        variant: true,
      },
    ];
    const summaries = await coldStarts(targets, coldRuns);
    const [hello, ...rest] = summaries;
    cold = { hello: hello as ColdSummary, targets: rest, connectionSetupMs };
  }

  /** One new connection and a trivial round trip with each raw driver, in this (warm) process: median of 10. */
  async function connectionSetups(): Promise<Record<string, number>> {
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
        const connection = await mysql.createConnection(productsDb.mysql);
        await connection.query('select 1');
        await connection.end();
      }),
      PostgreSQL: await time(async () => {
        const client = new pg.Client({ connectionString: productsDb.postgresql });
        await client.connect();
        await client.query('select 1');
        await client.end();
      }),
      DynamoDB: await time(async () => {
        const client = new DynamoDBClient({
          region: 'us-east-1',
          endpoint: dynamo.endpoint,
          credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
        });
        await client.send(new DescribeTableCommand({ TableName: TABLE }));
        client.destroy();
      }),
    };
  }

  // ---------------------------------------------------------------- drivers loaded per store
  const driverChecks: Array<{
    service: string;
    store: string;
    expected: string[];
    families: string[];
    chunks: string[];
    pass: boolean;
  }> = [];
  if (full) {
    log('driver check: which drivers each service loads on each store');
    const cases: Array<{
      service: 'products' | 'orders';
      store: string;
      env: Record<string, string>;
      own: string[];
    }> = [
      {
        service: 'products',
        store: 'MariaDB',
        env: productsEnv(productsDb.mysql),
        own: ['mysql2', 'MikroORM/kysely'],
      },
      {
        service: 'products',
        store: 'PostgreSQL',
        env: productsEnv(productsDb.postgresql),
        own: ['pg', 'MikroORM/kysely'],
      },
      {
        service: 'products',
        store: 'SQLite',
        env: { ...productsEnv('sqlite::memory:'), MIGRATE_ON_START: 'true' },
        own: ['better-sqlite3', 'MikroORM/kysely'],
      },
      {
        service: 'orders',
        store: 'DynamoDB',
        env: ordersEnv(dynamoEnv, 'http://127.0.0.1:1'),
        own: ['AWS SDK'],
      },
      {
        service: 'orders',
        store: 'MariaDB',
        env: ordersEnv({ ORDERS_STORE: 'sql', DATABASE_URL: ordersDb.mysql }, 'http://127.0.0.1:1'),
        own: ['mysql2', 'MikroORM/kysely'],
      },
      {
        service: 'orders',
        store: 'PostgreSQL',
        env: ordersEnv({ ORDERS_STORE: 'sql', DATABASE_URL: ordersDb.postgresql }, 'http://127.0.0.1:1'),
        own: ['pg', 'MikroORM/kysely'],
      },
      {
        service: 'orders',
        store: 'SQLite',
        env: {
          ...ordersEnv({ ORDERS_STORE: 'sql', DATABASE_URL: 'sqlite::memory:' }, 'http://127.0.0.1:1'),
          MIGRATE_ON_START: 'true',
        },
        own: ['better-sqlite3', 'MikroORM/kysely'],
      },
    ];
    for (const check of cases) {
      const trace = join(logDir, `trace-${check.service}-${check.store}.json`);
      const child = spawnNode({
        name: `drivers-${check.service}-${check.store}`,
        ...serviceArgs(check.service),
        env: { ...check.env, BENCH_MODULE_TRACE: trace },
        port: await freePort(),
        logDir,
        nodeOptions: ['--import', TRACE_HOOK],
      });
      children.push(child);
      await waitForOk(child, '/readyz', { seconds: 30 });
      // A real store-backed route too, so anything loaded lazily on first use is loaded.
      const path =
        check.service === 'products' ? `/products/${randomUUID()}` : '/customers/bench-reader/orders';
      await fetch(`${child.url}${path}`, { headers: bearer(tokens.reader) }).then((response) =>
        response.arrayBuffer(),
      );
      await stop(child);
      const report = analyseTrace(
        apps[check.service].dir,
        JSON.parse(readFileSync(trace, 'utf8')) as string[],
      );
      const unexpected = report.families.filter((family) => !check.own.includes(family));
      const missing = check.own.filter((family) => !report.families.includes(family));
      driverChecks.push({
        service: check.service,
        store: check.store,
        expected: check.own,
        families: report.families,
        chunks: report.chunks,
        pass: unexpected.length === 0 && missing.length === 0,
      });
      log(`  ${check.service} on ${check.store}: ${report.families.join(', ') || '(none)'}`);
    }
    children.length = 0;
  }

  // ---------------------------------------------------------------- sizes, versions, report
  const sizes = full
    ? {
        bundles: bundleSizes(),
        images: imageLayers(),
        apps: appBytes,
      }
    : undefined;

  async function versions() {
    const pkg = (name: string) => {
      try {
        return (
          JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')) as {
            version: string;
          }
        ).version;
      } catch {
        return 'n/a';
      }
    };
    const connection = await mysql.createConnection(MYSQL_SERVER);
    const [[mariadb]] = (await connection.query('select version() as v')) as unknown as [[{ v: string }]];
    await connection.end();
    const client = new pg.Client({ connectionString: `${POSTGRES_SERVER}/postgres` });
    await client.connect();
    const { rows } = await client.query<{ server_version: string }>('show server_version');
    await client.end();
    const dynamoLog = readFileSync(join(logDir, 'dynamodb-local.log'), 'utf8');
    return {
      node: process.version,
      mariadb: mariadb?.v ?? 'n/a',
      postgresql: rows[0]?.server_version ?? 'n/a',
      dynamodbLocal: /Version:\s*(\S+)/.exec(dynamoLog)?.[1] ?? 'n/a',
      ...Object.fromEntries(
        [
          'koa',
          '@mikro-orm/core',
          'mysql2',
          'pg',
          '@aws-sdk/client-dynamodb',
          'jose',
          'pino',
          'typebox',
          'autocannon',
          'esbuild',
        ].map((name) => [name, pkg(name)]),
      ),
    };
  }

  const results = {
    date: new Date().toISOString(),
    durationSeconds: Math.round((Date.now() - started) / 1000),
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? 'unknown',
      memoryGb: Math.round(totalmem() / 1024 ** 3),
      freeMemoryGbAtEnd: Math.round(freemem() / 1024 ** 3),
      kernel: release(),
    },
    contention: { ...contention, vitestProcessesAtEnd: Number(othersRunning()), loadAverageAtEnd: loadavg() },
    versions: await versions(),
    settings: {
      ...settings,
      pool: POOL,
      rounds: ROUNDS,
      firstWarmupSeconds: FIRST_WARMUP_SECONDS,
      coldRuns,
      products: PRODUCT_COUNT,
      readerOrders: READER_ORDERS,
      full,
    },
    scenarios: scenarioResults,
    memory: Object.keys(services).map((name) => ({
      service: name,
      idleMb: idleRss[name] === undefined ? undefined : Math.round((idleRss[name] as number) * 10) / 10,
      afterLoadMb:
        afterLoadRss[name] === undefined ? undefined : Math.round((afterLoadRss[name] as number) * 10) / 10,
      peakMb: peakRss[name],
      idleAnonMb: idleAnon[name] === undefined ? undefined : Math.round((idleAnon[name] as number) * 10) / 10,
      peakAnonMb: peakAnon[name],
    })),
    sizedMemory,
    imageEnv: Object.fromEntries(
      Object.entries(apps.products.env).filter(([key]) => key !== 'NODE_COMPILE_CACHE' && key !== 'NODE_ENV'),
    ),
    cold,
    drivers: driverChecks,
    sizes,
    logs: logDir,
  };

  return results;
}

export type BenchResults = Awaited<ReturnType<typeof main>>;

let exitCode = 0;
try {
  const results = await main();
  await cleanup();
  const files = writeReports(results, args.out ?? join(root, 'bench'));
  log(`wrote ${files.join(', ')}`);
  const failed = results.scenarios.some(
    (scenario) => scenario.service.errors > 0 || scenario.baseline.errors > 0,
  );
  if (args['cpu-prof'] || failed)
    log(`logs kept in ${logDir}${args['cpu-prof'] ? `; CPU profiles in ${profileDir}` : ''}`);
  else rmSync(logDir, { recursive: true, force: true });
} catch (error) {
  console.error(error);
  console.error(`logs in ${logDir}`);
  exitCode = 1;
} finally {
  await cleanup();
  clearTimeout(watchdog);
}
process.exit(exitCode);
