// `npm run bench` (node bench/run.ts): the services as the images run them (bundled, NODE_ENV=production)
// against real stores, each scenario beside a raw node:http baseline doing the same I/O with the same
// driver; cold start as the image runs, memory, bundle and image sizes, and which drivers each store
// loads. Load comes from wrk (Debian's package: `apt-get install -y wrk`), one thread; the budgets compare
// node CPU per completed request, service ÷ raw, read from /proc. Writes bench/RESULTS.md,
// bench/results.json and bench/ratios.svg. Loopback only; every load bounded in time.
// This file orders the parts: setup.ts (bundles, stores, tokens), scenarios/*.ts (each part of the run),
// perf/report.ts (the reports).
//
//   --quick            1 s warm-up, 2 rounds of 2 s, 5 cold starts (a smoke run of the harness)
//   --duration N       measured seconds per side (default 12)   --rounds N (default 6: six rounds of 2 s)
//   --warmup N         seconds of warm-up per side and scenario (default 3)
//   --connections N    wrk connections (default 10)     --wrk-cpus LIST   run wrk under `taskset -c LIST`
//   --runs N           cold starts per target (default 15)
//   --only a,b         throughput scenario ids (see scenarios/throughput.ts) and/or the parts cold-start,
//                      memory, drivers, sizes: runs only those
//   --no-build         use the existing services/*/dist
//   --app-root DIR     stage the bundles from another checkout's services/*/dist (A/B runs of a change)
//   --cpu-prof         run the services with --cpu-prof into bench/.profiles (open in Chrome DevTools)
//   --node-options=S   NODE_OPTIONS for services and baselines instead of the images' (note the =)
//   --out DIR          where RESULTS.md, results.json and ratios.svg go (default bench/)
import { rmSync } from 'node:fs';
import { cpus, freemem, loadavg, release, totalmem } from 'node:os';
import { type BenchOptions, Harness, othersRunning, parseOptions } from './harness.ts';
import { assertWrk, cleanupLoad } from './perf/load.ts';
import { machineBusy } from './perf/proc.ts';
import { writeReports } from './perf/report.ts';
import { bundleSizes, imageLayers } from './perf/sizes.ts';
import { versions } from './perf/versions.ts';
import { runColdStarts } from './scenarios/cold-start.ts';
import { runDriverChecks } from './scenarios/drivers.ts';
import { type Fleet, startFleet } from './scenarios/fleet.ts';
import { runSizedMemory } from './scenarios/sized-memory.ts';
import { runThroughput, throughputScenarios } from './scenarios/throughput.ts';
import { POOL, PRODUCT_COUNT, prepare, READER_ORDERS } from './setup.ts';

const options = parseOptions();
const harness = new Harness(options);
// Hard bound on the whole run (a full run takes ~12 minutes): whatever hangs, the machine gets its cores back.
const watchdog = setTimeout(() => {
  console.error('bench: 15 minute bound reached, stopping');
  void harness.cleanup().finally(() => process.exit(2));
}, 900_000);
watchdog.unref();

/** The parts `--only` may name besides throughput scenario ids. */
const PARTS = ['cold-start', 'memory', 'drivers', 'sizes'];
const wants = (part: string) => options.only === undefined || options.only.includes(part);
const noThroughput: Awaited<ReturnType<typeof runThroughput>> = {
  scenarios: [],
  peakRss: {},
  peakAnon: {},
  afterLoadRss: {},
};

/** The parts in order; `--only` runs the named ones. */
async function main() {
  assertWrk();
  const contention = {
    vitestProcessesAtStart: Number(othersRunning()),
    loadAverageAtStart: loadavg(),
    busyAtStart: await machineBusy(2000),
  };
  if (contention.vitestProcessesAtStart > 0 || contention.busyAtStart > 0.2) {
    harness.log(
      `note: machine ${(contention.busyAtStart * 100).toFixed(0)} % busy, ${contention.vitestProcessesAtStart} vitest ` +
        'processes running: figures will be noisy',
    );
  }
  const fixture = await prepare(harness, options);
  const anyThroughput = options.only?.some((id) => !PARTS.includes(id)) ?? true;
  const fleet = anyThroughput ? await startFleet(harness, fixture) : undefined;
  const throughput = fleet
    ? await runThroughput(harness, options, throughputScenarios(fixture, fleet))
    : noThroughput;
  const sizedMemory = wants('memory') ? await runSizedMemory(harness, options, fixture) : [];
  const cold = wants('cold-start') ? await runColdStarts(harness, options, fixture) : undefined;
  const drivers = wants('drivers') ? await runDriverChecks(harness, fixture) : [];
  const sizes = wants('sizes')
    ? { bundles: bundleSizes(), images: imageLayers(), apps: fixture.appBytes }
    : undefined;

  return {
    date: new Date().toISOString(),
    durationSeconds: Math.round((Date.now() - harness.started) / 1000),
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? 'unknown',
      memoryGb: Math.round(totalmem() / 1024 ** 3),
      freeMemoryGbAtEnd: Math.round(freemem() / 1024 ** 3),
      kernel: release(),
    },
    contention: {
      ...contention,
      vitestProcessesAtEnd: Number(othersRunning()),
      loadAverageAtEnd: loadavg(),
      busyAtEnd: await machineBusy(2000),
    },
    versions: await versions(harness.logDir),
    settings: settingsOf(options),
    scenarios: throughput.scenarios,
    memory: fleet ? memoryOf(fleet, throughput) : [],
    sizedMemory,
    imageEnv: Object.fromEntries(
      Object.entries(fixture.apps.products.env).filter(
        ([key]) => key !== 'NODE_COMPILE_CACHE' && key !== 'NODE_ENV',
      ),
    ),
    staging: fixture.staging,
    cold,
    drivers,
    sizes,
    logs: harness.logDir,
  };
}

const settingsOf = (options: BenchOptions) => ({
  ...options.settings,
  pool: POOL,
  rounds: options.rounds,
  roundSeconds: options.roundSeconds,
  firstWarmupSeconds: options.firstWarmupSeconds,
  coldRuns: options.coldRuns,
  products: PRODUCT_COUNT,
  readerOrders: READER_ORDERS,
  full: options.full,
});

const tenth = (value: number | undefined) => (value === undefined ? undefined : Math.round(value * 10) / 10);

/** Each service's RSS idle, after its last scenario and at its peak under load. */
function memoryOf(fleet: Fleet, throughput: Awaited<ReturnType<typeof runThroughput>>) {
  return Object.keys(fleet.services).map((name) => ({
    service: name,
    idleMb: tenth(fleet.idleRss[name]),
    afterLoadMb: tenth(throughput.afterLoadRss[name]),
    peakMb: throughput.peakRss[name],
    idleAnonMb: tenth(fleet.idleAnon[name]),
    peakAnonMb: throughput.peakAnon[name],
  }));
}

export type BenchResults = Awaited<ReturnType<typeof main>>;

let exitCode = 0;
try {
  const results = await main();
  await harness.cleanup();
  const files = writeReports(results, options.out);
  harness.log(`wrote ${files.join(', ')}`);
  const failed = results.scenarios.some(
    (scenario) => scenario.service.errors > 0 || scenario.baseline.errors > 0,
  );
  if (options.cpuProf || failed)
    harness.log(
      `logs kept in ${harness.logDir}${options.cpuProf ? `; CPU profiles in ${harness.profileDir}` : ''}`,
    );
  else rmSync(harness.logDir, { recursive: true, force: true });
} catch (error) {
  console.error(error);
  console.error(`logs in ${harness.logDir}`);
  exitCode = 1;
} finally {
  await harness.cleanup();
  cleanupLoad();
  clearTimeout(watchdog);
}
process.exit(exitCode);
