// Cold start: spawn a process, then time (from just before spawn) the first /healthz 200 and the first
// store-backed 200, polling every couple of milliseconds over fresh connections. Median of N runs,
// targets interleaved run by run so background noise spreads over all of them.
import { performance } from 'node:perf_hooks';
import {
  type Child,
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
  /** Not the service as the brief's command runs it (a variant shown for comparison): no budget applies. */
  variant?: boolean;
  /** Run once, unmeasured, before the measured runs (to fill a compile cache, as an image build would). */
  prime?: boolean;
}

export interface ColdSample {
  healthzMs: number;
  dbMs?: number;
  rssMb?: number;
}

export interface ColdSummary {
  name: string;
  variant: boolean;
  runs: ColdSample[];
  healthzMs: number;
  dbMs?: number;
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

async function once(target: ColdTarget, run: number): Promise<ColdSample> {
  const port = await freePort();
  const started = performance.now();
  const child = spawnNode({ ...target.spawn, name: `cold-${target.name}-${run}`, port });
  try {
    const deadline = started + 30_000;
    const healthz = await pollUntilOk(child, '/healthz', {}, deadline);
    const db = target.dbPath
      ? await pollUntilOk(child, target.dbPath, target.headers ?? {}, deadline)
      : undefined;
    return {
      healthzMs: round(healthz - started),
      ...(db === undefined ? {} : { dbMs: round(db - started) }),
      rssMb: rssMb(child.process.pid),
    };
  } finally {
    await stop(child);
  }
}

export async function coldStarts(targets: readonly ColdTarget[], runs: number): Promise<ColdSummary[]> {
  const samples = new Map<string, ColdSample[]>(targets.map((target) => [target.name, []]));
  for (const target of targets) if (target.prime) await once(target, -1);
  for (let run = 0; run < runs; run++) {
    for (const target of targets) samples.get(target.name)?.push(await once(target, run));
  }
  return targets.map((target) => {
    const list = samples.get(target.name) ?? [];
    const db = list.flatMap((sample) => (sample.dbMs === undefined ? [] : [sample.dbMs]));
    const rss = list.flatMap((sample) => (sample.rssMb === undefined ? [] : [sample.rssMb]));
    return {
      name: target.name,
      variant: target.variant ?? false,
      runs: list,
      healthzMs: round(median(list.map((sample) => sample.healthzMs))),
      ...(db.length ? { dbMs: round(median(db)) } : {}),
      ...(rss.length ? { rssMb: round(median(rss)) } : {}),
    };
  });
}
