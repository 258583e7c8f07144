// `npm run bench` (node bench/run.ts): the services as the images run them (bundled, NODE_ENV=production)
// against real stores, each scenario beside a raw node:http baseline doing the same I/O with the same
// driver; cold start, memory, bundle and image sizes, and which drivers each store loads. Writes
// bench/RESULTS.md, bench/results.json and bench/ratios.svg. Loopback only; every load bounded in time.
// This file orders the parts: setup.ts (bundles, stores, tokens), scenarios/*.ts (each part of the run),
// perf/report.ts (the reports).
//
//   --quick            1 s warm-up, 3 s runs, 5 cold starts (a smoke run of the harness)
//   --duration N       measured seconds per side (default 9: six rounds of 1.5) --warmup N (default 3)
//   --connections N    autocannon connections (default 10)       --runs N       cold starts (default 10)
//   --only a,b         scenario ids to run (see scenarios/throughput.ts); skips cold start, drivers and sizes
//   --no-build         use the existing services/*/dist
//   --app-root DIR     stage the bundles from another checkout's services/*/dist (A/B runs of a change)
//   --cpu-prof         run the services with --cpu-prof into bench/.profiles (open in Chrome DevTools)
//   --node-options=S   NODE_OPTIONS for services and baselines instead of the images' (note the =)
//   --out DIR          where RESULTS.md, results.json and ratios.svg go (default bench/)
import { rmSync } from 'node:fs';
import { cpus, freemem, loadavg, release, totalmem } from 'node:os';
import { type BenchOptions, Harness, othersRunning, parseOptions } from './harness.ts';
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
// Hard bound on the whole run: whatever hangs, the machine gets its cores back.
const watchdog = setTimeout(() => {
  console.error('bench: 10 minute bound reached, stopping');
  void harness.cleanup().finally(() => process.exit(2));
}, 600_000);
watchdog.unref();

/** The scenarios in order; `--only` runs the named throughput scenarios and nothing else. */
async function main() {
  const contention = { vitestProcessesAtStart: Number(othersRunning()), loadAverageAtStart: loadavg() };
  if (contention.vitestProcessesAtStart > 0) {
    harness.log(
      `note: ${contention.vitestProcessesAtStart} vitest processes are running: figures will be noisy`,
    );
  }
  const fixture = await prepare(harness, options);
  const fleet = await startFleet(harness, fixture);
  const throughput = await runThroughput(harness, options, throughputScenarios(fixture, fleet));
  const sizedMemory = options.full ? await runSizedMemory(harness, options, fixture) : [];
  const cold = options.full ? await runColdStarts(harness, options, fixture) : undefined;
  const drivers = options.full ? await runDriverChecks(harness, fixture) : [];
  const sizes = options.full
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
    contention: { ...contention, vitestProcessesAtEnd: Number(othersRunning()), loadAverageAtEnd: loadavg() },
    versions: await versions(harness.logDir),
    settings: settingsOf(options),
    scenarios: throughput.scenarios,
    memory: memoryOf(fleet, throughput),
    sizedMemory,
    imageEnv: Object.fromEntries(
      Object.entries(fixture.apps.products.env).filter(
        ([key]) => key !== 'NODE_COMPILE_CACHE' && key !== 'NODE_ENV',
      ),
    ),
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
  clearTimeout(watchdog);
}
process.exit(exitCode);
