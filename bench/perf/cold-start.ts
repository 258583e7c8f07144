// Cold start: spawn a process, then time (from just before spawn) the first /healthz 200 and the first
// store-backed 200, polling every couple of milliseconds over fresh connections, and read the CPU the
// process had used by then (utime + stime: what a slower or throttled CPU would stretch). Median and
// spread of N runs, targets interleaved run by run so background noise spreads over all of them.
import { performance } from 'node:perf_hooks';
import {
  type Child,
  cpuSeconds,
  freePort,
  probe,
  rssMb,
  type SpawnOptions,
  sleep,
  spawnNode,
  stop,
  tail,
} from './proc.ts';

export interface ColdTarget {
  name: string;
  spawn: Omit<SpawnOptions, 'port' | 'name'>;
  /** The store-backed request; absent for the hello world. */
  dbPath?: string;
  headers?: Record<string, string>;
  /** Not the service as its image runs it (a variant shown for comparison): no budget applies. */
  variant?: boolean;
}

export interface ColdSample {
  healthzMs: number;
  /** CPU (ms) the process had used when its first /healthz 200 arrived. */
  healthzCpuMs?: number;
  dbMs?: number;
  dbCpuMs?: number;
  rssMb?: number;
}

/** Median and range over the runs. */
export interface Range {
  median: number;
  min: number;
  max: number;
}

export interface ColdSummary {
  name: string;
  variant: boolean;
  runs: ColdSample[];
  healthzMs: number;
  healthz: Range;
  healthzCpu?: Range;
  dbMs?: number;
  db?: Range;
  dbCpu?: Range;
  rssMb?: number;
}

export const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
};

const round = (value: number) => Math.round(value * 10) / 10;

const rangeOf = (values: readonly number[]): Range | undefined =>
  values.length
    ? { median: round(median(values)), min: round(Math.min(...values)), max: round(Math.max(...values)) }
    : undefined;

async function pollUntilOk(child: Child, path: string, headers: Record<string, string>, deadline: number) {
  for (;;) {
    if (child.process.exitCode !== null) throw new Error(`${child.name} exited\n${tail(child.log)}`);
    if (performance.now() > deadline)
      throw new Error(`${child.name}: ${path} not 2xx in time\n${tail(child.log)}`);
    const status = await probe(`${child.url}${path}`, headers, 5000);
    if (status >= 200 && status < 300) return performance.now();
    await sleep(2);
  }
}

const cpuMs = (child: Child) => {
  const seconds = cpuSeconds(child.process.pid);
  return seconds === undefined ? undefined : Math.round(seconds * 1000);
};

/** One start: spawn, first /healthz, first store-backed 200, stop. */
export async function coldOnce(target: ColdTarget, run: number | string): Promise<ColdSample> {
  const port = await freePort();
  const started = performance.now();
  const child = spawnNode({ ...target.spawn, name: `cold-${target.name}-${run}`, port });
  try {
    const deadline = started + 30_000;
    const healthz = await pollUntilOk(child, '/healthz', {}, deadline);
    const healthzCpuMs = cpuMs(child);
    const db = target.dbPath
      ? await pollUntilOk(child, target.dbPath, target.headers ?? {}, deadline)
      : undefined;
    const dbCpuMs = db === undefined ? undefined : cpuMs(child);
    return {
      healthzMs: round(healthz - started),
      ...(healthzCpuMs === undefined ? {} : { healthzCpuMs }),
      ...(db === undefined ? {} : { dbMs: round(db - started) }),
      ...(dbCpuMs === undefined ? {} : { dbCpuMs }),
      rssMb: rssMb(child.process.pid),
    };
  } finally {
    await stop(child);
  }
}

const pick = (list: ColdSample[], field: keyof ColdSample) =>
  list.flatMap((sample) => (sample[field] === undefined ? [] : [sample[field] as number]));

function summaryOf(target: ColdTarget, list: ColdSample[]): ColdSummary {
  const healthz = rangeOf(pick(list, 'healthzMs')) as Range;
  const db = rangeOf(pick(list, 'dbMs'));
  const rss = pick(list, 'rssMb');
  const healthzCpu = rangeOf(pick(list, 'healthzCpuMs'));
  const dbCpu = rangeOf(pick(list, 'dbCpuMs'));
  return {
    name: target.name,
    variant: target.variant ?? false,
    runs: list,
    healthzMs: healthz.median,
    healthz,
    ...(healthzCpu ? { healthzCpu } : {}),
    ...(db ? { dbMs: db.median, db } : {}),
    ...(dbCpu ? { dbCpu } : {}),
    ...(rss.length ? { rssMb: round(median(rss)) } : {}),
  };
}

export async function coldStarts(targets: readonly ColdTarget[], runs: number): Promise<ColdSummary[]> {
  const samples = new Map<string, ColdSample[]>(targets.map((target) => [target.name, []]));
  // One unmeasured start of each first: the OS's page cache holds every file a start reads, as on a host
  // that has pulled the image.
  for (const target of targets) await coldOnce(target, 'unmeasured');
  for (let run = 0; run < runs; run++) {
    for (const target of targets) samples.get(target.name)?.push(await coldOnce(target, run));
  }
  return targets.map((target) => summaryOf(target, samples.get(target.name) ?? []));
}
