// What every part of a bench run shares: its options, its log, the processes it started and the clean-ups
// that undo what it made. run.ts makes one of each and hands them to the scenarios.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { LoadSettings } from './perf/load.ts';
import { type Child, freePort, root, spawnNode, stop, waitForOk } from './perf/proc.ts';

export interface BenchOptions {
  settings: LoadSettings;
  /** Cold starts per target. */
  coldRuns: number;
  /** Warm-up of a process's first scenario (see scenarios/throughput.ts). */
  firstWarmupSeconds: number;
  /** Alternating rounds per scenario (see scenarios/throughput.ts). */
  rounds: number;
  /** Seconds of one side's run in one round (wrk takes whole seconds). */
  roundSeconds: number;
  /** Scenario ids to run (throughput ids, or the parts `cold-start`, `memory`, `drivers`, `sizes`); undefined runs everything. */
  only: string[] | undefined;
  full: boolean;
  build: boolean;
  appRoot: string | undefined;
  cpuProf: boolean;
  nodeOptions: string | undefined;
  out: string;
}

/** The command line (see run.ts's header for the flags). */
export function parseOptions(argv: string[] = process.argv.slice(2)): BenchOptions {
  const { values: args } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      duration: { type: 'string' },
      warmup: { type: 'string' },
      connections: { type: 'string' },
      rounds: { type: 'string' },
      'wrk-cpus': { type: 'string' },
      runs: { type: 'string' },
      only: { type: 'string' },
      'no-build': { type: 'boolean', default: false },
      'app-root': { type: 'string' },
      'cpu-prof': { type: 'boolean', default: false },
      'node-options': { type: 'string' },
      out: { type: 'string', default: join(root, 'bench') },
    },
  });
  const quick = args.quick;
  const only = args.only?.split(',').filter(Boolean);
  const rounds = Number(args.rounds ?? (quick ? 2 : 6));
  const durationSeconds = Number(args.duration ?? (quick ? 4 : 12));
  return {
    settings: {
      connections: Number(args.connections ?? 10),
      warmupSeconds: Number(args.warmup ?? (quick ? 1 : 3)),
      durationSeconds,
      ...(args['wrk-cpus'] ? { wrkCpus: args['wrk-cpus'] } : {}),
    },
    coldRuns: Number(args.runs ?? (quick ? 5 : 15)),
    firstWarmupSeconds: quick ? 2 : 20,
    rounds,
    roundSeconds: Math.max(1, Math.round(durationSeconds / rounds)),
    only,
    full: only === undefined,
    build: !args['no-build'] && !args['app-root'],
    appRoot: args['app-root'],
    cpuProf: args['cpu-prof'],
    nodeOptions: args['node-options'],
    out: args.out ?? join(root, 'bench'),
  };
}

export interface StartScript {
  args: string[];
  cwd?: string;
  baseEnv?: Record<string, string>;
}

/** The run's log, the children it started and the clean-ups it owes. */
export class Harness {
  readonly started = Date.now();
  readonly logDir = mkdtempSync(join(tmpdir(), 'bench-logs-'));
  readonly profileDir = join(root, 'bench', '.profiles');
  readonly children: Child[] = [];
  readonly cleanups: Array<() => Promise<void>> = [];
  readonly #cpuProf: boolean;

  constructor(options: Pick<BenchOptions, 'cpuProf'>) {
    this.#cpuProf = options.cpuProf;
    if (this.#cpuProf) mkdirSync(this.profileDir, { recursive: true });
  }

  log(message: string): void {
    console.log(`[${((Date.now() - this.started) / 1000).toFixed(0).padStart(3)} s] ${message}`);
  }

  /** Stops every child and runs the clean-ups once (newest first); safe to call again. */
  async cleanup(): Promise<void> {
    await this.stopChildren();
    for (const task of this.cleanups.splice(0).reverse()) await task().catch(() => undefined);
  }

  async stopChildren(): Promise<void> {
    await Promise.all(this.children.splice(0).map((child) => stop(child)));
  }

  /** Starts a Node process on a free port and waits until `ready` answers 200 (CPU-profiled with --cpu-prof). */
  async start(
    name: string,
    script: StartScript,
    env: Record<string, string>,
    ready = '/healthz',
  ): Promise<Child> {
    const child = await this.spawn(name, script, env, this.cpuProfOptions(name));
    await waitForOk(child, ready, { seconds: 60 });
    return child;
  }

  /** Starts a Node process on a free port with these node options, not waiting for it. */
  async spawn(
    name: string,
    script: StartScript,
    env: Record<string, string>,
    nodeOptions: string[],
  ): Promise<Child> {
    const child = spawnNode({
      name,
      ...script,
      env,
      port: await freePort(),
      logDir: this.logDir,
      nodeOptions,
    });
    this.children.push(child);
    return child;
  }

  cpuProfOptions(name: string): string[] {
    return this.#cpuProf
      ? ['--cpu-prof', '--cpu-prof-dir', this.profileDir, '--cpu-prof-name', `${name}.cpuprofile`]
      : [];
  }
}

/** The pids of named processes, as load measurements sample them. */
export const pids = (processes: Record<string, Child>): Record<string, number | undefined> =>
  Object.fromEntries(Object.entries(processes).map(([name, child]) => [name, child.process.pid]));

/**
 * A load run's failure, with the processes under test that had exited meanwhile: the harness stops them
 * only at its clean-up, so a signal named here came from outside the run (another job on the machine).
 */
export function explainFailure(error: unknown, processes: readonly Child[]): Error {
  const dead = processes.filter(
    (child) => child.process.exitCode !== null || child.process.signalCode !== null,
  );
  if (!dead.length) return error instanceof Error ? error : new Error(String(error));
  const names = dead.map(
    (child) =>
      `${child.name} (${child.process.signalCode ?? `exit ${child.process.exitCode}`}; log ${child.log})`,
  );
  return new Error(`${names.join(', ')} ended during the run, not stopped by the harness\n${String(error)}`);
}

/** How many vitest processes are running (other work on the machine makes the figures noisy). */
export const othersRunning = (): string => {
  try {
    return execFileSync('sh', ['-c', 'ps -eo args | grep -c "[v]itest"'], { encoding: 'utf8' }).trim();
  } catch {
    return '0';
  }
};
