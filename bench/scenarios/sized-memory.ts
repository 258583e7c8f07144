// Memory with a deployment's heap. The images pin the young generation V8 gives a 512 MiB container (the
// throughput runs); a 128 MiB function also gets a 64 MB old generation. The products bundle again with
// that heap, serving reads one at a time as a function instance does.
import { type BenchOptions, type Harness, pids } from '../harness.ts';
import { type LoadResult, measure, type RequestSpec } from '../perf/load.ts';
import { type Child, rssAnonMb, rssMb, sleep, waitForOk } from '../perf/proc.ts';
import type { Fixture } from '../setup.ts';

const heaps = {
  '128 MiB Lambda': ['--max-old-space-size=64', '--max-semi-space-size=1'],
} as const;
type Heap = keyof typeof heaps;

export interface SizedMemory {
  service: string;
  heap: Heap;
  load: string;
  idleMb?: number;
  idleAnonMb?: number;
  peakMb?: number;
  peakAnonMb?: number;
  afterLoadMb?: number;
  rps: number;
  p99: number;
  errors: number;
}

const tenth = (value: number | undefined) => (value === undefined ? undefined : Math.round(value * 10) / 10);

export async function runSizedMemory(
  harness: Harness,
  options: BenchOptions,
  fixture: Fixture,
): Promise<SizedMemory[]> {
  harness.log('memory with deployment-sized heaps');
  const productId = fixture.catalog.mysql[0]?.productId ?? '';
  const reads: RequestSpec[] = [{ path: `/products/${productId}` }, { path: '/products?limit=20' }];
  // A function instance serves one request at a time, with the Lambda defaults (DB_POOL_MAX 2).
  const lambda = '128 MiB Lambda';
  const env = {
    ...Object.fromEntries(
      Object.entries(fixture.productsEnv(fixture.productsDb.mysql)).filter(([key]) => key !== 'DB_POOL_MAX'),
    ),
    AWS_LAMBDA_FUNCTION_NAME: 'bench-products',
  };
  const lambdaProducts = await harness.spawn('lambda-products', fixture.serviceArgs('products'), env, [
    ...heaps[lambda],
  ]);
  await waitForOk(lambdaProducts, '/readyz', { seconds: 60 });
  const rows = await sizedRun(
    harness,
    options,
    lambdaProducts,
    reads,
    { 'products (MariaDB)': lambdaProducts },
    { load: 'GET /products/{id}, then GET /products?limit=20, one at a time', heap: lambda, connections: 1 },
  );
  await harness.stopChildren();
  return rows;
}

/** Idle RSS, then each request's load in turn; the peaks over all of them and the last one's figures. */
async function sizedRun(
  harness: Harness,
  options: BenchOptions,
  target: Child,
  requests: RequestSpec[],
  watch: Record<string, Child>,
  run: { load: string; heap: Heap; connections: number },
): Promise<SizedMemory[]> {
  await sleep(1000);
  const idle = Object.fromEntries(
    Object.entries(watch).map(([name, child]) => [name, rssMb(child.process.pid)]),
  );
  const idleAnon = Object.fromEntries(
    Object.entries(watch).map(([name, child]) => [name, rssAnonMb(child.process.pid)]),
  );
  const peak: Record<string, number> = {};
  const peakAnon: Record<string, number> = {};
  let last: LoadResult | undefined;
  for (const request of requests) {
    last = await measure(
      target.url,
      request,
      { ...options.settings, connections: run.connections },
      pids(watch),
    );
    for (const [name, value] of Object.entries(last.peakRssMb)) peak[name] = Math.max(peak[name] ?? 0, value);
    for (const [name, value] of Object.entries(last.peakAnonMb))
      peakAnon[name] = Math.max(peakAnon[name] ?? 0, value);
  }
  const rows = Object.entries(watch).map(([name, child]) => ({
    service: name,
    heap: run.heap,
    load: run.load,
    idleMb: tenth(idle[name]),
    idleAnonMb: tenth(idleAnon[name]),
    peakMb: peak[name],
    peakAnonMb: peakAnon[name],
    afterLoadMb: tenth(rssMb(child.process.pid)),
    rps: last?.rps ?? 0,
    p99: last?.p99 ?? 0,
    errors: last?.errors ?? 0,
  }));
  harness.log(`  ${run.load} (${run.heap}): ${Object.keys(watch).join(', ')} done`);
  return rows;
}
