// Throughput scenarios: each route of each service on each store against its raw baseline, in
// alternating rounds, with CPU and RSS read on both sides. The verdict is node CPU per completed request,
// service ÷ raw, per round: what the stack costs on top of the same I/O, which the load generator's
// own share of the machine moves far less than it moves req/s.
import { type BenchOptions, explainFailure, type Harness, pids } from '../harness.ts';
import { median } from '../perf/cold-start.ts';
import { combine, type LoadResult, measure, type RequestSpec, UNIQUE, warm } from '../perf/load.ts';
import { type Child, cpuSeconds, cpuSecondsOf, rssMb, settle } from '../perf/proc.ts';
import type { SqlEngine } from '../perf/stores.ts';
import { bearer, type Fixture, orderBody } from '../setup.ts';
import type { Fleet } from './fleet.ts';

export interface Scenario {
  id: string;
  title: string;
  store: string;
  baseline: Child;
  service: Child;
  request: RequestSpec;
  /** The node processes whose RSS and CPU are read while the service side runs (their CPU is summed). */
  watch: Record<string, Child>;
  /** The same for the raw side. */
  rawWatch: Record<string, Child>;
  /** Store servers whose CPU is read on both sides. */
  stores: Record<string, () => number | undefined>;
  /** Node CPU per request, service ÷ raw, at most this (median of the rounds). */
  budget?: { maxCpuRatio: number };
}

/** A number over the rounds: the median, and the rounds' own figures for the spread. */
export interface Spread {
  median: number;
  min: number;
  max: number;
  rounds: number[];
}

export interface ScenarioResult {
  id: string;
  title: string;
  store: string;
  baseline: LoadResult & { rpsRuns: number[] };
  service: LoadResult & { rpsRuns: number[] };
  /** Node CPU per request (the watched processes summed), each side, pooled over the rounds. */
  nodeUsPerRequest: { raw: number; service: number };
  /** Store servers' CPU per request, each side. */
  storeUsPerRequest: { raw: number; service: number };
  /** Service node CPU/request ÷ raw node CPU/request, per round of two neighbouring runs. */
  cpuRatio: Spread;
  /** Service req/s ÷ raw req/s, per round. */
  rpsRatio: Spread;
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

const STORE_NAMES: Record<SqlEngine, string> = { mysql: 'MariaDB', postgresql: 'PostgreSQL' };
const storeCpu: Record<SqlEngine, () => number> = {
  mysql: () => cpuSecondsOf('mariadbd'),
  postgresql: () => cpuSecondsOf('postgres'),
};

/** Budgets (issue 14): node CPU per request, service ÷ raw. */
export const CPU_BUDGETS = {
  productAnonymous: 1.25,
  productToken: 1.35,
  productList: 1.4,
  customerOrders: 1.3,
  placeOrder: 1.5,
} as const;

/** The product reads on MariaDB and PostgreSQL. */
function productScenarios(fixture: Fixture, fleet: Fleet): Scenario[] {
  return (['mysql', 'postgresql'] as const).flatMap((engine): Scenario[] => {
    const store = STORE_NAMES[engine];
    const id = fixture.catalog[engine][0]?.productId ?? '';
    const common = {
      store,
      baseline: fleet.rawProducts[engine],
      service: fleet.products[engine],
      watch: { [`products (${store})`]: fleet.products[engine] },
      rawWatch: { [`raw products (${store})`]: fleet.rawProducts[engine] },
      stores: { [store]: storeCpu[engine] },
    };
    return [
      {
        id: `product-anonymous-${engine}`,
        title: 'GET /products/{id} anonymous',
        ...common,
        request: { path: `/products/${id}` },
        budget: { maxCpuRatio: CPU_BUDGETS.productAnonymous },
      },
      {
        id: `product-token-${engine}`,
        title: 'GET /products/{id} with a bearer token',
        ...common,
        request: { path: `/products/${id}`, headers: bearer(fixture.tokens.customer) },
        budget: { maxCpuRatio: CPU_BUDGETS.productToken },
      },
      {
        id: `product-list-${engine}`,
        title: 'GET /products?limit=20',
        ...common,
        request: { path: '/products?limit=20' },
        budget: { maxCpuRatio: CPU_BUDGETS.productList },
      },
    ];
  });
}

type OrdersStore = keyof Fleet['orders'];
const ORDER_STORES: Record<OrdersStore, { name: string; products: SqlEngine }> = {
  dynamodb: { name: 'DynamoDB', products: 'mysql' },
  mysql: { name: 'MariaDB', products: 'mysql' },
  postgresql: { name: 'PostgreSQL', products: 'postgresql' },
};

/**
 * Orders placed (a reservation on products, then the order write) and a customer's orders listed. An
 * order is one unit of a random product of the catalogue (stock 1e9 each), under an Idempotency-Key new
 * on every request: both sides claim it before the reservation and complete it after the order write.
 */
function orderScenarios(fixture: Fixture, fleet: Fleet): Scenario[] {
  const { orders, rawOrders, products, rawProducts } = fleet;
  const dynamoCpu = () => cpuSeconds(fixture.dynamo.process.pid);
  const listOrders: RequestSpec = {
    path: '/customers/bench-reader/orders',
    headers: bearer(fixture.tokens.reader),
  };
  return (['dynamodb', 'mysql', 'postgresql'] as const).flatMap((kind): Scenario[] => {
    const { name, products: engine } = ORDER_STORES[kind];
    const productsStore = STORE_NAMES[engine];
    const storeName = kind === 'dynamodb' ? 'DynamoDB Local' : name;
    const ordersCpu: Scenario['stores'] = kind === 'dynamodb' ? { 'DynamoDB Local': dynamoCpu } : {};
    const placeOrder: RequestSpec = {
      method: 'POST',
      path: '/orders',
      headers: { ...bearer(fixture.tokens.customer), 'Idempotency-Key': UNIQUE },
      bodies: fixture.catalog[engine].map((product) => orderBody(product.productId)),
    };
    return [
      {
        id: `order-post-${kind}`,
        title: 'POST /orders (reservation + order write)',
        store: `${storeName} (+ products on ${productsStore})`,
        baseline: rawOrders[kind],
        service: orders[kind],
        request: placeOrder,
        watch: { [`orders (${name})`]: orders[kind], [`products (${productsStore})`]: products[engine] },
        rawWatch: {
          [`raw orders (${name})`]: rawOrders[kind],
          [`raw products (${productsStore})`]: rawProducts[engine],
        },
        stores: { ...ordersCpu, [productsStore]: storeCpu[engine] },
        budget: { maxCpuRatio: CPU_BUDGETS.placeOrder },
      },
      {
        id: `customer-orders-${kind}`,
        title: 'GET /customers/{id}/orders',
        store: storeName,
        baseline: rawOrders[kind],
        service: orders[kind],
        request: listOrders,
        watch: { [`orders (${name})`]: orders[kind] },
        rawWatch: { [`raw orders (${name})`]: rawOrders[kind] },
        stores: kind === 'dynamodb' ? ordersCpu : { [name]: storeCpu[engine] },
        budget: { maxCpuRatio: CPU_BUDGETS.customerOrders },
      },
    ];
  });
}

/** Every throughput scenario, in the order they run: the ids `--only` takes. */
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
  const chosen = scenarios.filter((candidate) => options.only?.includes(candidate.id) ?? true);
  for (const scenario of chosen) {
    const rounds = await runScenario(harness, options, scenario, warmed);
    for (const [name, child] of Object.entries(scenario.watch)) {
      results.peakRss[name] = Math.max(results.peakRss[name] ?? 0, rounds.service.peakRssMb[name] ?? 0);
      results.peakAnon[name] = Math.max(results.peakAnon[name] ?? 0, rounds.service.peakAnonMb[name] ?? 0);
      results.afterLoadRss[name] = rssMb(child.process.pid);
    }
    const result = resultOf(scenario, rounds);
    results.scenarios.push(result);
    logScenario(harness, result);
  }
  await harness.stopChildren();
  return results;
}

interface Rounds {
  baseline: ScenarioResult['baseline'];
  service: ScenarioResult['service'];
  cpuRatios: number[];
  rpsRatios: number[];
}

/** The node processes' CPU per request in one run (summed over the watched processes). */
const nodeUs = (run: LoadResult, names: readonly string[]) =>
  names.reduce((sum, name) => sum + (run.cpu[name]?.usPerRequest ?? 0), 0);

/**
 * Warms both sides, then measures them in short runs alternating which goes first (raw, service, then
 * service, raw, …): each round's ratio compares two neighbouring runs, so a drift of the machine or a
 * burst of background work weighs on one round, not on the verdict.
 */
async function runScenario(
  harness: Harness,
  options: BenchOptions,
  scenario: Scenario,
  warmed: Set<Child>,
): Promise<Rounds> {
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
  const slice = { ...settings, warmupSeconds: 0, durationSeconds: options.roundSeconds };
  const everyone = [...Object.values(scenario.watch), ...Object.values(scenario.rawWatch)];
  const run = (url: string, watch: Record<string, Child>) =>
    measure(url, scenario.request, slice, pids(watch), scenario.stores).catch((error: unknown) => {
      throw explainFailure(error, everyone);
    });
  const rawRun = () => run(scenario.baseline.url, scenario.rawWatch);
  const serviceRun = () => run(scenario.service.url, scenario.watch);
  harness.log(
    `${scenario.id}: ${rounds} rounds of raw and service (${options.roundSeconds} s each), alternating`,
  );
  const rawRuns: LoadResult[] = [];
  const serviceRuns: LoadResult[] = [];
  const cpuRatios: number[] = [];
  const rpsRatios: number[] = [];
  const rawNames = Object.keys(scenario.rawWatch);
  const serviceNames = Object.keys(scenario.watch);
  for (let round = 0; round < rounds; round++) {
    const rawFirst = round % 2 === 0;
    const first = await (rawFirst ? rawRun() : serviceRun());
    const second = await (rawFirst ? serviceRun() : rawRun());
    const [raw, service] = rawFirst ? [first, second] : [second, first];
    rawRuns.push(raw);
    serviceRuns.push(service);
    const rawUs = nodeUs(raw, rawNames);
    cpuRatios.push(rawUs ? nodeUs(service, serviceNames) / rawUs : Number.POSITIVE_INFINITY);
    rpsRatios.push(raw.rps ? service.rps / raw.rps : 0);
  }
  return { baseline: combine(rawRuns), service: combine(serviceRuns), cpuRatios, rpsRatios };
}

const thousandth = (value: number) => Math.round(value * 1000) / 1000;

export const spreadOf = (values: readonly number[]): Spread => ({
  median: thousandth(median(values)),
  min: thousandth(Math.min(...values)),
  max: thousandth(Math.max(...values)),
  rounds: values.map(thousandth),
});

function resultOf(scenario: Scenario, rounds: Rounds): ScenarioResult {
  const { baseline, service } = rounds;
  const sum = (result: LoadResult, names: readonly string[]) =>
    names.reduce((total, name) => total + (result.cpu[name]?.usPerRequest ?? 0), 0);
  const stores = Object.keys(scenario.stores);
  const cpuRatio = spreadOf(rounds.cpuRatios);
  const pass = scenario.budget
    ? cpuRatio.median <= scenario.budget.maxCpuRatio && service.errors === 0
    : undefined;
  return {
    id: scenario.id,
    title: scenario.title,
    store: scenario.store,
    baseline,
    service,
    nodeUsPerRequest: {
      raw: sum(baseline, Object.keys(scenario.rawWatch)),
      service: sum(service, Object.keys(scenario.watch)),
    },
    storeUsPerRequest: { raw: sum(baseline, stores), service: sum(service, stores) },
    cpuRatio,
    rpsRatio: spreadOf(rounds.rpsRatios),
    p99Ratio: baseline.p99 ? Math.round((service.p99 / baseline.p99) * 100) / 100 : Number.POSITIVE_INFINITY,
    ...(scenario.budget ? { budget: scenario.budget, pass } : {}),
  };
}

function logScenario(harness: Harness, result: ScenarioResult) {
  const { baseline, service, cpuRatio, rpsRatio } = result;
  harness.log(
    `  node CPU/req raw ${result.nodeUsPerRequest.raw} µs | service ${result.nodeUsPerRequest.service} µs | ` +
      `${cpuRatio.median}× [${cpuRatio.min}–${cpuRatio.max}]${result.budget ? ` (budget ≤ ${result.budget.maxCpuRatio}×)` : ''}`,
  );
  harness.log(
    `  raw ${baseline.rps} req/s p99 ${baseline.p99} ms | service ${service.rps} req/s p99 ${service.p99} ms | ` +
      `req/s ${(rpsRatio.median * 100).toFixed(0)} %, errors ${baseline.errors} / ${service.errors}`,
  );
  const cpuLine = (side: LoadResult) =>
    Object.entries(side.cpu)
      .map(([name, cpu]) => `${name} ${cpu.cores} cores ${cpu.usPerRequest} µs/req`)
      .concat(`wrk ${side.loadGenerator.cores} cores ${side.loadGenerator.usPerRequest} µs/req`)
      .join(', ');
  harness.log(`  cpu raw: ${cpuLine(baseline)}`);
  harness.log(`  cpu service: ${cpuLine(service)}`);
}
