// Throughput scenarios: each route of each service on each store against its raw baseline, in
// alternating rounds, with CPU and RSS sampled on both sides.
import { type BenchOptions, type Harness, pids } from '../harness.ts';
import { median } from '../perf/cold-start.ts';
import { combine, type LoadResult, measure, type RequestSpec, warm } from '../perf/load.ts';
import { type Child, cpuSeconds, cpuSecondsOf, rssMb, settle } from '../perf/proc.ts';
import type { SqlEngine } from '../perf/stores.ts';
import { bearer, type Fixture, orderBody, PRODUCT_COUNT } from '../setup.ts';
import type { Fleet } from './fleet.ts';

export interface Scenario {
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

export interface ThroughputResults {
  scenarios: ScenarioResult[];
  /** Per service name, over every scenario that watched it. */
  peakRss: Record<string, number>;
  peakAnon: Record<string, number>;
  afterLoadRss: Record<string, number | undefined>;
}

const mariadbCpu = () => cpuSecondsOf('mariadbd');
const postgresCpu = () => cpuSecondsOf('postgres');

/** The product reads on MariaDB and PostgreSQL. */
function productScenarios(fixture: Fixture, fleet: Fleet): Scenario[] {
  return (['mysql', 'postgresql'] as const).flatMap((engine): Scenario[] => {
    const store = engine === 'mysql' ? 'MariaDB' : 'PostgreSQL';
    const id = fixture.catalog[engine][0]?.productId ?? '';
    const stores: Scenario['stores'] =
      engine === 'mysql' ? { MariaDB: mariadbCpu } : { PostgreSQL: postgresCpu };
    const common = {
      store,
      baseline: fleet.rawProducts[engine],
      service: fleet.products[engine],
      watch: { [`products (${store})`]: fleet.products[engine] },
      rawWatch: { [`raw products (${store})`]: fleet.rawProducts[engine] },
      stores,
    };
    return [
      {
        id: `product-anonymous-${engine}`,
        title: 'GET /products/{id} anonymous',
        ...common,
        request: { path: `/products/${id}` },
        budget: { minRatio: 0.7, maxP99Ratio: 2 },
      },
      {
        id: `product-token-${engine}`,
        title: 'GET /products/{id} with a bearer token',
        ...common,
        request: { path: `/products/${id}`, headers: bearer(fixture.tokens.customer) },
        budget: { minRatio: 0.6, maxP99Ratio: 2 },
      },
      {
        id: `product-list-${engine}`,
        title: 'GET /products?limit=20',
        ...common,
        request: { path: '/products?limit=20' },
      },
    ];
  });
}

/** Orders placed (a reservation on products, then the order write) and a customer's orders listed. */
function orderScenarios(fixture: Fixture, fleet: Fleet): Scenario[] {
  const { orders, rawOrders, products, rawProducts } = fleet;
  const dynamoCpu = () => cpuSeconds(fixture.dynamo.process.pid);
  const randomProduct = (engine: SqlEngine) => () =>
    orderBody(fixture.catalog[engine][Math.floor(Math.random() * PRODUCT_COUNT)]?.productId ?? '');
  const placeOrder = (): RequestSpec => ({
    method: 'POST',
    path: '/orders',
    headers: bearer(fixture.tokens.customer),
    body: randomProduct('mysql'),
  });
  const listOrders: RequestSpec = {
    path: '/customers/bench-reader/orders',
    headers: bearer(fixture.tokens.reader),
  };
  return [
    {
      id: 'order-post-dynamodb',
      title: 'POST /orders (reservation + order write)',
      store: 'DynamoDB Local (+ products on MariaDB)',
      baseline: rawOrders.dynamodb,
      service: orders.dynamodb,
      request: placeOrder(),
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
      request: placeOrder(),
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
      request: listOrders,
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
      request: listOrders,
      watch: { 'orders (MariaDB)': orders.mysql },
      rawWatch: { 'raw orders (MariaDB)': rawOrders.mysql },
      stores: { MariaDB: mariadbCpu },
    },
  ];
}

/** Every throughput scenario, in the order they run. */
export const throughputScenarios = (fixture: Fixture, fleet: Fleet): Scenario[] => [
  ...productScenarios(fixture, fleet),
  ...orderScenarios(fixture, fleet),
];

/** Runs the scenarios `--only` names (all by default), then stops the fleet. */
export async function runThroughput(
  harness: Harness,
  options: BenchOptions,
  scenarios: Scenario[],
): Promise<ThroughputResults> {
  const results: ThroughputResults = { scenarios: [], peakRss: {}, peakAnon: {}, afterLoadRss: {} };
  const warmed = new Set<Child>();
  for (const scenario of scenarios.filter(
    (candidate) => !options.only || options.only.includes(candidate.id),
  )) {
    const { baseline, service, roundRatios } = await runScenario(harness, options, scenario, warmed);
    for (const [name, child] of Object.entries(scenario.watch)) {
      results.peakRss[name] = Math.max(results.peakRss[name] ?? 0, service.peakRssMb[name] ?? 0);
      results.peakAnon[name] = Math.max(results.peakAnon[name] ?? 0, service.peakAnonMb[name] ?? 0);
      results.afterLoadRss[name] = rssMb(child.process.pid);
    }
    const result = resultOf(scenario, baseline, service, roundRatios);
    results.scenarios.push(result);
    logScenario(harness, baseline, service, median(roundRatios));
  }
  await harness.stopChildren();
  return results;
}

/**
 * Warms both sides, then measures them in short runs alternating which goes first (raw, service, then
 * service, raw, …): each round's ratio compares two neighbouring runs, so a drift of the machine or a
 * burst of background work weighs on one round, not on the verdict.
 */
async function runScenario(harness: Harness, options: BenchOptions, scenario: Scenario, warmed: Set<Child>) {
  const { settings, rounds } = options;
  const busy = await settle();
  harness.log(`${scenario.id}: machine ${(busy * 100).toFixed(0)} % busy; warming raw baseline and service`);
  // A process's first scenario warms it longer: on 2 cores V8's optimising compiler and the heap's
  // growth to its working size share the CPU with the load, and a fresh service's first scenario still
  // cost more per request than its second after 10 s (bench/fixes.md: first-scenario-warm-up). The raw
  // baselines settle faster.
  const warmFor = (child: Child) => ({
    ...settings,
    warmupSeconds: warmed.has(child)
      ? settings.warmupSeconds
      : Math.max(settings.warmupSeconds, child === scenario.service ? options.firstWarmupSeconds : 10),
  });
  await warm(scenario.baseline.url, scenario.request, warmFor(scenario.baseline));
  await warm(scenario.service.url, scenario.request, warmFor(scenario.service));
  warmed.add(scenario.baseline).add(scenario.service);
  const slice = { ...settings, warmupSeconds: 0, durationSeconds: settings.durationSeconds / rounds };
  const rawRun = () =>
    measure(scenario.baseline.url, scenario.request, slice, pids(scenario.rawWatch), scenario.stores);
  const serviceRun = () =>
    measure(scenario.service.url, scenario.request, slice, pids(scenario.watch), scenario.stores);
  harness.log(`${scenario.id}: ${rounds} rounds of raw and service, alternating which goes first`);
  const rawRuns: LoadResult[] = [];
  const serviceRuns: LoadResult[] = [];
  const roundRatios: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const rawFirst = round % 2 === 0;
    const first = await (rawFirst ? rawRun() : serviceRun());
    const second = await (rawFirst ? serviceRun() : rawRun());
    const [raw, service] = rawFirst ? [first, second] : [second, first];
    rawRuns.push(raw);
    serviceRuns.push(service);
    roundRatios.push(raw.rps ? service.rps / raw.rps : 0);
  }
  return { baseline: combine(rawRuns), service: combine(serviceRuns), roundRatios };
}

function resultOf(
  scenario: Scenario,
  baseline: LoadResult,
  service: LoadResult,
  roundRatios: number[],
): ScenarioResult {
  const ratio = median(roundRatios);
  const p99Ratio = baseline.p99 ? service.p99 / baseline.p99 : Number.POSITIVE_INFINITY;
  const pass = scenario.budget
    ? ratio >= scenario.budget.minRatio &&
      (scenario.budget.maxP99Ratio === undefined || p99Ratio <= scenario.budget.maxP99Ratio) &&
      service.errors === 0
    : undefined;
  return {
    id: scenario.id,
    title: scenario.title,
    store: scenario.store,
    baseline,
    service,
    ratio: Math.round(ratio * 1000) / 1000,
    roundRatios: roundRatios.map((value) => Math.round(value * 1000) / 1000),
    p99Ratio: Math.round(p99Ratio * 100) / 100,
    ...(scenario.budget ? { budget: scenario.budget, pass } : {}),
  };
}

function logScenario(harness: Harness, baseline: LoadResult, service: LoadResult, ratio: number) {
  harness.log(
    `  raw ${baseline.rps} req/s p99 ${baseline.p99} ms | service ${service.rps} req/s p99 ${service.p99} ms | ` +
      `${(ratio * 100).toFixed(0)} %, errors ${service.errors}`,
  );
  const cpuLine = (result: LoadResult) =>
    Object.entries(result.cpu)
      .map(([name, cpu]) => `${name} ${cpu.cores} cores ${cpu.usPerRequest} µs/req`)
      .concat(`autocannon ${result.loadGeneratorCores} cores`)
      .join(', ');
  harness.log(`  cpu raw: ${cpuLine(baseline)}`);
  harness.log(`  cpu service: ${cpuLine(service)}`);
}
