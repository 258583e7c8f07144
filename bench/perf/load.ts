// Load with wrk (Debian's package: C, one thread, a few percent of a core): a warm-up that is thrown away,
// then a measured run of whole seconds. Every run is bounded in time. While it lasts the RSS of the
// processes under test is sampled, and their CPU (utime + stime from /proc/<pid>/stat) is read before and
// after: the CPU each spent per completed request is what the budgets compare. wrk's own CPU is read
// from this process's reaped-children counters (/proc/self/stat cutime + cstime), so the report can show
// how little of the machine the load generator took.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cpuSeconds, rssAnonMb, rssMb } from './proc.ts';

/** The wrk binary (BENCH_WRK to use another). */
export const WRK = process.env.BENCH_WRK ?? '/usr/bin/wrk';
const SCRIPT = join(import.meta.dirname, 'wrk.lua');
/** In a header value or a body: a UUID new on every request (see wrk.lua). */
export const UNIQUE = '{{unique}}';

export interface LoadSettings {
  connections: number;
  warmupSeconds: number;
  durationSeconds: number;
  /** Run wrk under `taskset -c <cpus>` (e.g. "1"); undefined leaves it to the scheduler. */
  wrkCpus?: string;
}

export interface RequestSpec {
  method?: 'GET' | 'POST';
  path: string;
  /** Values may hold {{unique}}. */
  headers?: Record<string, string>;
  /** One picked at random per request (may hold {{unique}}); none for a GET. */
  bodies?: readonly string[];
}

export interface CpuUse {
  /** Cores in use while the measured run lasted. */
  cores: number;
  /** µs of CPU per completed request. */
  usPerRequest: number;
}

export interface LoadResult {
  /** 2xx answers per second of the measured run. */
  rps: number;
  /** Latency percentiles of every answer (wrk's histogram, µs resolution), in ms. */
  p50: number;
  p90: number;
  p99: number;
  max: number;
  /** Completed requests (every status). */
  requests: number;
  /** Socket errors, timeouts and non-2xx answers. */
  errors: number;
  statusCodes: Record<string, number>;
  /** Peak RSS (MB) of each sampled process while the measured run lasted. */
  peakRssMb: Record<string, number>;
  /** Peak anonymous RSS (MB): the part a memory limit cannot reclaim. */
  peakAnonMb: Record<string, number>;
  /** CPU of each watched process and store server. */
  cpu: Record<string, CpuUse>;
  /** CPU of the load generator (wrk). */
  loadGenerator: CpuUse;
  /** Measured seconds (wrk's own clock). */
  seconds: number;
}

interface WrkSummary {
  duration_us: number;
  requests: number;
  errors: { connect: number; read: number; write: number; status: number; timeout: number };
  latency_us: { p50: number; p90: number; p99: number; max: number };
  statuses: Record<string, number>;
}

let specDir: string | undefined;
let specCount = 0;
/** A per-run prefix for {{unique}}: 8-4-4-4- hex digits with a version-4 and variant nibble. */
const uniquePrefix = () => {
  const hex = () =>
    Math.floor(Math.random() * 0x10000)
      .toString(16)
      .padStart(4, '0');
  return `${hex()}${hex()}-${hex()}-4${hex().slice(1)}-8${hex().slice(1)}-`;
};

/** A Lua string literal: printable ASCII as is, every other byte (and the quote and backslash) as a three-digit decimal escape. */
function lua(text: string): string {
  let out = '"';
  for (const byte of Buffer.from(text, 'utf8')) {
    const plain = byte >= 0x20 && byte < 0x7f && byte !== 0x22 && byte !== 0x5c;
    out += plain ? String.fromCharCode(byte) : `\\${String(byte).padStart(3, '0')}`;
  }
  return `${out}"`;
}

function writeSpec(spec: RequestSpec): string {
  specDir ??= mkdtempSync(join(tmpdir(), 'bench-wrk-'));
  const file = join(specDir, `spec-${++specCount}.lua`);
  const bodies = spec.bodies ?? [];
  const headers = {
    ...(bodies.length ? { 'Content-Type': 'application/json' } : {}),
    ...spec.headers,
  };
  const unique = [...Object.values(headers), ...bodies].some((text) => text.includes(UNIQUE));
  const fields = [
    `method = ${lua(spec.method ?? 'GET')}`,
    `path = ${lua(spec.path)}`,
    `headers = { ${Object.entries(headers)
      .map(([name, value]) => `[${lua(name)}] = ${lua(value)}`)
      .join(', ')} }`,
    `bodies = { ${bodies.map(lua).join(', ')} }`,
    ...(unique ? [`unique = ${lua(uniquePrefix())}`] : []),
  ];
  writeFileSync(file, `return {\n  ${fields.join(',\n  ')},\n}\n`);
  return file;
}

/** Removes the spec files this process wrote. */
export function cleanupLoad(): void {
  if (specDir) rmSync(specDir, { recursive: true, force: true });
  specDir = undefined;
}

/** CPU seconds of this process's children that have ended and been reaped (wrk, once it exits). */
function reapedChildrenCpu(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[13]) + Number(fields[14])) / 100;
}

export function assertWrk(): void {
  if (!existsSync(WRK))
    throw new Error(
      `wrk not found at ${WRK}: the bench drives its load with it. Install it with: apt-get install -y wrk`,
    );
}

/** One wrk run of whole seconds; resolves with its summary once wrk has exited (and been reaped). */
function runWrk(url: string, spec: RequestSpec, connections: number, seconds: number, cpus?: string) {
  assertWrk();
  const file = writeSpec(spec);
  const wrkArgs = ['-t1', `-c${connections}`, `-d${seconds}s`, '--timeout', '10s', '-s', SCRIPT, url];
  const [command, args] = cpus ? ['taskset', ['-c', cpus, WRK, ...wrkArgs]] : [WRK, wrkArgs];
  return new Promise<WrkSummary>((done, fail) => {
    const child = spawn(command, args, {
      env: { PATH: process.env.PATH ?? '', BENCH_WRK_SPEC: file },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    // wrk stops itself after `seconds`; this only guards against a hang.
    const guard = setTimeout(() => child.kill('SIGKILL'), (seconds + 30) * 1000);
    child.once('error', fail);
    child.once('close', (code) => {
      clearTimeout(guard);
      rmSync(file, { force: true });
      const line = /^BENCH_WRK_JSON (.*)$/m.exec(output)?.[1];
      if (code !== 0 || !line) return fail(new Error(`wrk failed (exit ${code}):\n${output.slice(-2000)}`));
      done(JSON.parse(line) as WrkSummary);
    });
  });
}

const wholeSeconds = (seconds: number) => Math.max(1, Math.round(seconds));
const ms = (us: number) => Math.round(us / 10) / 100;
const hundredth = (value: number) => Math.round(value * 100) / 100;

/** Warm-up only: a bounded run whose figures are thrown away. */
export async function warm(url: string, spec: RequestSpec, settings: LoadSettings): Promise<void> {
  if (settings.warmupSeconds > 0)
    await runWrk(url, spec, settings.connections, wholeSeconds(settings.warmupSeconds), settings.wrkCpus);
}

type Readers = Record<string, () => number | undefined>;

/**
 * Warm-up (discarded), then the measured run; `watch` names the pids whose RSS and CPU are sampled,
 * `stores` reads the cumulative CPU seconds of the store servers (reported per request, like the others).
 */
export async function measure(
  url: string,
  spec: RequestSpec,
  settings: LoadSettings,
  watch: Record<string, number | undefined> = {},
  stores: Readers = {},
): Promise<LoadResult> {
  await warm(url, spec, settings);
  const peakRssMb: Record<string, number> = {};
  const peakAnonMb: Record<string, number> = {};
  const sample = () => {
    for (const [name, pid] of Object.entries(watch)) {
      const rss = rssMb(pid);
      if (rss !== undefined) peakRssMb[name] = Math.max(peakRssMb[name] ?? 0, Math.round(rss * 10) / 10);
      const anon = rssAnonMb(pid);
      if (anon !== undefined) peakAnonMb[name] = Math.max(peakAnonMb[name] ?? 0, Math.round(anon * 10) / 10);
    }
  };
  const readers: Readers = {
    ...Object.fromEntries(Object.entries(watch).map(([name, pid]) => [name, () => cpuSeconds(pid)])),
    ...stores,
  };
  const before = Object.fromEntries(Object.entries(readers).map(([name, read]) => [name, read() ?? 0]));
  const wrkBefore = reapedChildrenCpu();
  const timer = setInterval(sample, 250);
  let summary: WrkSummary;
  try {
    summary = await runWrk(
      url,
      spec,
      settings.connections,
      wholeSeconds(settings.durationSeconds),
      settings.wrkCpus,
    );
  } finally {
    clearInterval(timer);
  }
  sample();
  const seconds = summary.duration_us / 1e6;
  const use = (used: number): CpuUse => ({
    cores: hundredth(used / seconds),
    usPerRequest: summary.requests ? Math.round((used * 1e6) / summary.requests) : 0,
  });
  const cpu = Object.fromEntries(
    Object.entries(readers).map(([name, read]) => [name, use((read() ?? 0) - (before[name] ?? 0))]),
  );
  const ok = Object.entries(summary.statuses)
    .filter(([code]) => code.startsWith('2'))
    .reduce((sum, [, count]) => sum + count, 0);
  const socketErrors = summary.errors.connect + summary.errors.read + summary.errors.write;
  return {
    rps: Math.round((ok / seconds) * 10) / 10,
    p50: ms(summary.latency_us.p50),
    p90: ms(summary.latency_us.p90),
    p99: ms(summary.latency_us.p99),
    max: ms(summary.latency_us.max),
    requests: summary.requests,
    errors: summary.requests - ok + socketErrors + summary.errors.timeout,
    statusCodes: summary.statuses,
    peakRssMb,
    peakAnonMb,
    cpu,
    loadGenerator: use(reapedChildrenCpu() - wrkBefore),
    seconds: hundredth(seconds),
  };
}

const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
const tenth = (value: number) => Math.round(value * 10) / 10;

/** CPU per request over several runs: total CPU ÷ total requests (each run's figure weighted by its requests). */
function pooledCpu(runs: readonly LoadResult[], pick: (run: LoadResult) => CpuUse | undefined): CpuUse {
  let used = 0;
  let requests = 0;
  let seconds = 0;
  for (const run of runs) {
    const cpu = pick(run);
    if (!cpu) continue;
    used += cpu.usPerRequest * run.requests;
    requests += run.requests;
    seconds += run.seconds;
  }
  return {
    cores: seconds ? hundredth(used / 1e6 / seconds) : 0,
    usPerRequest: requests ? Math.round(used / requests) : 0,
  };
}

/**
 * Two or more measured runs of one side as one result: req/s and latency percentiles averaged, counts
 * summed, peak RSS the highest, CPU per request pooled. `rpsRuns` keeps each run's req/s, to show the spread.
 */
export function combine(runs: readonly LoadResult[]): LoadResult & { rpsRuns: number[] } {
  const names = new Set(runs.flatMap((run) => Object.keys(run.cpu)));
  const peak = (pick: (run: LoadResult) => Record<string, number>) => {
    const keys = new Set(runs.flatMap((run) => Object.keys(pick(run))));
    return Object.fromEntries(
      [...keys].map((key) => [key, Math.max(...runs.map((run) => pick(run)[key] ?? 0))]),
    );
  };
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
    peakRssMb: peak((run) => run.peakRssMb),
    peakAnonMb: peak((run) => run.peakAnonMb),
    cpu: Object.fromEntries([...names].map((name) => [name, pooledCpu(runs, (run) => run.cpu[name])])),
    loadGenerator: pooledCpu(runs, (run) => run.loadGenerator),
    seconds: hundredth(runs.reduce((sum, run) => sum + run.seconds, 0)),
    rpsRuns: runs.map((run) => run.rps),
  };
}
