// Load with autocannon: a warm-up that is thrown away, then a measured run of fixed length. Every
// run is bounded in time; the RSS of the processes under test is sampled while it lasts.
import autocannon, { type Options, type RawRequest, type Result } from 'autocannon';
import { cpuSeconds, rssAnonMb, rssMb } from './proc.ts';

export interface LoadSettings {
  connections: number;
  warmupSeconds: number;
  durationSeconds: number;
}

export interface RequestSpec {
  method?: 'GET' | 'POST';
  path: string;
  headers?: Record<string, string>;
  /** A fresh body per request (e.g. a random product), or one fixed body. */
  body?: string | (() => string);
}

export interface LoadResult {
  /** 2xx answers per second of the measured run. */
  rps: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  requests: number;
  /** Connection errors, timeouts and non-2xx answers. */
  errors: number;
  statusCodes: Record<string, number>;
  /** Peak RSS (MB) of each sampled process while the measured run lasted. */
  peakRssMb: Record<string, number>;
  /** Peak anonymous RSS (MB): the part a memory limit cannot reclaim. */
  peakAnonMb: Record<string, number>;
  /** CPU of each sampled process while the measured run lasted: cores in use, and µs per answered request. */
  cpu: Record<string, { cores: number; usPerRequest: number }>;
  /** CPU of the load generator (this process) in cores. */
  loadGeneratorCores: number;
}

function optionsOf(url: string, spec: RequestSpec, connections: number, duration: number): Options {
  const headers = {
    ...(spec.body === undefined ? {} : { 'content-type': 'application/json' }),
    ...spec.headers,
  };
  const request: RawRequest & { setupRequest?: (request: RawRequest) => RawRequest } = {
    method: spec.method ?? 'GET',
    path: spec.path,
    headers,
  };
  const { body } = spec;
  if (typeof body === 'function') request.setupRequest = (raw) => ({ ...raw, body: body() });
  else if (body !== undefined) request.body = body;
  return { url, connections, duration, timeout: 10, requests: [request] };
}

/** Percentile of sorted values (nearest rank), in ms to 0.01. */
const percentile = (sorted: Float64Array, share: number) =>
  sorted.length
    ? Math.round((sorted[Math.min(sorted.length - 1, Math.ceil(share * sorted.length) - 1)] ?? 0) * 100) / 100
    : 0;

const summary = (
  result: Result,
  latencies: Float64Array,
  peakRssMb: Record<string, number>,
  peakAnonMb: Record<string, number>,
  cpu: LoadResult['cpu'],
  loadGeneratorCores: number,
): LoadResult => ({
  rps: Math.round((result['2xx'] / result.duration) * 10) / 10,
  // From every 2xx response time (autocannon's own histogram keeps whole milliseconds only).
  p50: percentile(latencies, 0.5),
  p90: percentile(latencies, 0.9),
  p99: percentile(latencies, 0.99),
  max: percentile(latencies, 1),
  requests: result['2xx'] + result.non2xx,
  errors: result.errors + result.timeouts + result.non2xx,
  statusCodes: Object.fromEntries(
    Object.entries(result.statusCodeStats ?? {}).map(([code, { count }]) => [code, Number(count)]),
  ),
  peakRssMb,
  peakAnonMb,
  cpu,
  loadGeneratorCores,
});

/**
 * Warm-up (discarded), then the measured run; `watch` names the pids whose RSS and CPU are sampled,
 * `stores` reads the cumulative CPU seconds of the store servers (reported as cores, like the others).
 */
export async function measure(
  url: string,
  spec: RequestSpec,
  settings: LoadSettings,
  watch: Record<string, number | undefined> = {},
  stores: Record<string, () => number | undefined> = {},
): Promise<LoadResult> {
  if (settings.warmupSeconds > 0) {
    await autocannon(optionsOf(url, spec, settings.connections, settings.warmupSeconds));
  }
  const peak: Record<string, number> = {};
  const peakAnon: Record<string, number> = {};
  const sample = () => {
    for (const [name, pid] of Object.entries(watch)) {
      const rss = rssMb(pid);
      if (rss !== undefined) peak[name] = Math.max(peak[name] ?? 0, Math.round(rss * 10) / 10);
      const anon = rssAnonMb(pid);
      if (anon !== undefined) peakAnon[name] = Math.max(peakAnon[name] ?? 0, Math.round(anon * 10) / 10);
    }
  };
  const timer = setInterval(sample, 250);
  const cpuBefore = Object.fromEntries(Object.entries(watch).map(([name, pid]) => [name, cpuSeconds(pid)]));
  const storesBefore = Object.fromEntries(Object.entries(stores).map(([name, read]) => [name, read() ?? 0]));
  const selfBefore = process.cpuUsage();
  const wall = performance.now();
  try {
    const samples: number[] = [];
    const instance = autocannon(optionsOf(url, spec, settings.connections, settings.durationSeconds));
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      if (statusCode >= 200 && statusCode < 300) samples.push(responseTime);
    });
    const result = await instance;
    const latencies = Float64Array.from(samples).sort();
    sample();
    const seconds = (performance.now() - wall) / 1000;
    const self = process.cpuUsage(selfBefore);
    const cpu: LoadResult['cpu'] = {};
    for (const [name, pid] of Object.entries(watch)) {
      const used = (cpuSeconds(pid) ?? 0) - (cpuBefore[name] ?? 0);
      cpu[name] = {
        cores: Math.round((used / seconds) * 100) / 100,
        usPerRequest: result['2xx'] ? Math.round((used * 1e6) / result['2xx']) : 0,
      };
    }
    for (const [name, read] of Object.entries(stores)) {
      const used = (read() ?? 0) - (storesBefore[name] ?? 0);
      cpu[name] = {
        cores: Math.round((used / seconds) * 100) / 100,
        usPerRequest: result['2xx'] ? Math.round((used * 1e6) / result['2xx']) : 0,
      };
    }
    const loadGeneratorCores = Math.round(((self.user + self.system) / 1e6 / seconds) * 100) / 100;
    return summary(result, latencies, peak, peakAnon, cpu, loadGeneratorCores);
  } finally {
    clearInterval(timer);
  }
}

/** Warm-up only: a bounded run whose figures are thrown away. */
export async function warm(url: string, spec: RequestSpec, settings: LoadSettings): Promise<void> {
  if (settings.warmupSeconds > 0) {
    await autocannon(optionsOf(url, spec, settings.connections, settings.warmupSeconds));
  }
}

const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
const tenth = (value: number) => Math.round(value * 10) / 10;
const hundredth = (value: number) => Math.round(value * 100) / 100;

/**
 * Two or more measured runs of one side as one result: req/s and latency percentiles averaged, counts
 * summed, peak RSS the highest, CPU averaged. `rpsRuns` keeps each run's req/s, to show the spread.
 */
export function combine(runs: readonly LoadResult[]): LoadResult & { rpsRuns: number[] } {
  const names = new Set(runs.flatMap((run) => Object.keys(run.cpu)));
  const rssNames = new Set(runs.flatMap((run) => Object.keys(run.peakRssMb)));
  const anonNames = new Set(runs.flatMap((run) => Object.keys(run.peakAnonMb)));
  const statusCodes: Record<string, number> = {};
  for (const run of runs) {
    for (const [code, count] of Object.entries(run.statusCodes))
      statusCodes[code] = (statusCodes[code] ?? 0) + count;
  }
  return {
    rps: tenth(mean(runs.map((run) => run.rps))),
    p50: hundredth(mean(runs.map((run) => run.p50))),
    p90: hundredth(mean(runs.map((run) => run.p90))),
    p99: hundredth(mean(runs.map((run) => run.p99))),
    max: Math.max(...runs.map((run) => run.max)),
    requests: runs.reduce((sum, run) => sum + run.requests, 0),
    errors: runs.reduce((sum, run) => sum + run.errors, 0),
    statusCodes,
    peakRssMb: Object.fromEntries(
      [...rssNames].map((name) => [name, Math.max(...runs.map((run) => run.peakRssMb[name] ?? 0))]),
    ),
    peakAnonMb: Object.fromEntries(
      [...anonNames].map((name) => [name, Math.max(...runs.map((run) => run.peakAnonMb[name] ?? 0))]),
    ),
    cpu: Object.fromEntries(
      [...names].map((name) => {
        const present = runs.flatMap((run) => (run.cpu[name] ? [run.cpu[name]] : []));
        return [
          name,
          {
            cores: Math.round(mean(present.map((cpu) => cpu.cores)) * 100) / 100,
            usPerRequest: Math.round(mean(present.map((cpu) => cpu.usPerRequest))),
          },
        ];
      }),
    ),
    loadGeneratorCores: Math.round(mean(runs.map((run) => run.loadGeneratorCores)) * 100) / 100,
    rpsRuns: runs.map((run) => run.rps),
  };
}
