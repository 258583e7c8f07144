// Child processes of the benchmark: spawn, wait for an answer, read memory, stop. Everything on loopback.
import { type ChildProcess, spawn } from 'node:child_process';
import { openSync, readdirSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';

export const root = join(import.meta.dirname, '..', '..');

/** The same as the reliability fixtures' (one copy). */
export { freePort } from '@shop/reliability/net';

export const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

export interface Child {
  name: string;
  process: ChildProcess;
  port: number;
  url: string;
  log: string;
  /** Resolves with the exit code once the process has ended. */
  exited: Promise<number | null>;
}

export interface SpawnOptions {
  name: string;
  /** Script (and arguments) run by `node`, relative to `cwd`. */
  args: string[];
  /** Working directory: the repository root unless given (a staged image app folder, see stage.ts). */
  cwd?: string;
  env: Record<string, string>;
  /** Set before `env` (which wins): the image's ENV of a staged app (see stage.ts). */
  baseEnv?: Record<string, string>;
  port: number;
  /** Where stdout and stderr go: a file, as a platform's log collector would take them. */
  logDir: string;
  nodeOptions?: string[];
}

/** Starts `node <args>` with a clean environment (PATH, HOME and what is given), logging to a file. */
export function spawnNode(options: SpawnOptions): Child {
  const log = join(options.logDir, `${options.name}.log`);
  const fd = openSync(log, 'a');
  const child = spawn(process.execPath, [...(options.nodeOptions ?? []), ...options.args], {
    cwd: options.cwd ?? root,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      PORT: String(options.port),
      HOST: '127.0.0.1',
      ...options.baseEnv,
      ...options.env,
    },
    stdio: ['ignore', fd, fd],
  });
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  return {
    name: options.name,
    process: child,
    port: options.port,
    url: `http://127.0.0.1:${options.port}`,
    log,
    exited,
  };
}

/** One GET without keep-alive; the status, or 0 when nothing answered. */
export function probe(url: string, headers: Record<string, string> = {}, timeoutMs = 2000): Promise<number> {
  return new Promise((done) => {
    const req = request(url, { agent: false, headers, timeout: timeoutMs }, (res) => {
      res.resume();
      res.on('end', () => done(res.statusCode ?? 0));
      res.on('error', () => done(0));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => done(0));
    req.end();
  });
}

/** Polls until the URL answers 2xx; throws (with the log's tail) when the process dies or time runs out. */
export async function waitForOk(
  child: Child,
  path: string,
  options: { seconds?: number; headers?: Record<string, string>; intervalMs?: number } = {},
): Promise<void> {
  const deadline = Date.now() + (options.seconds ?? 30) * 1000;
  let dead = false;
  void child.exited.then(() => {
    dead = true;
  });
  while (Date.now() < deadline && !dead) {
    const status = await probe(`${child.url}${path}`, options.headers);
    if (status >= 200 && status < 300) return;
    await sleep(options.intervalMs ?? 50);
  }
  throw new Error(
    `${child.name}: ${path} did not answer 2xx (${dead ? 'process exited' : 'timed out'})\n${tail(child.log)}`,
  );
}

export function tail(file: string, lines = 30): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** A `/proc/<pid>/status` field in MB (VmRSS, RssAnon, RssFile), or undefined. */
function statusMb(pid: number | undefined, field: string): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, 'm').exec(status);
    return match ? Number(match[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Resident set size of a process, in MB (VmRSS: what the budgets count). */
export const rssMb = (pid: number | undefined) => statusMb(pid, 'VmRSS');

/**
 * Its anonymous part (RssAnon): the heap, stacks and buffers. The rest (RssFile) is clean pages of the
 * node binary, which the kernel drops under a cgroup's memory limit rather than killing the process.
 */
export const rssAnonMb = (pid: number | undefined) => statusMb(pid, 'RssAnon');

const TICKS_PER_SECOND = 100;

/**
 * User + system CPU seconds a process has used so far (from /proc/<pid>/stat), or undefined; with
 * `reaped`, also what its children that have ended used (cutime + cstime).
 */
export function cpuSeconds(pid: number | undefined, reaped = false): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const own = Number(fields[11]) + Number(fields[12]);
    return (reaped ? own + Number(fields[13]) + Number(fields[14]) : own) / TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

/**
 * CPU seconds used so far by every process whose name (comm) is `name`, e.g. the database servers, and by
 * their children that have ended: PostgreSQL's backends come and go (another client's connection closing),
 * and the postmaster's reaped-children counters keep what an ended one used, so the sum never goes back.
 */
export function cpuSecondsOf(name: string): number {
  let total = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === name)
        total += cpuSeconds(Number(entry), true) ?? 0;
    } catch {
      // gone meanwhile
    }
  }
  return total;
}

/** SIGTERM, then SIGKILL after `graceMs`: the child is gone when this resolves. */
export async function stop(child: Child | undefined, graceMs = 5000): Promise<void> {
  if (!child || child.process.exitCode !== null || child.process.signalCode !== null) return;
  child.process.kill('SIGTERM');
  const killed = await Promise.race([child.exited.then(() => false), sleep(graceMs).then(() => true)]);
  if (killed) {
    child.process.kill('SIGKILL');
    await child.exited;
  }
}

/** Share of all cores busy over `ms` (from /proc/stat), 0..1. */
export async function machineBusy(ms = 500): Promise<number> {
  const sample = () => {
    const fields = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '')
      .trim()
      .split(/\s+/)
      .slice(1)
      .map(Number);
    const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
    return { idle, total: fields.reduce((sum, value) => sum + value, 0) };
  };
  const before = sample();
  await sleep(ms);
  const after = sample();
  const total = after.total - before.total;
  return total > 0 ? 1 - (after.idle - before.idle) / total : 0;
}

/**
 * Waits until the machine is quiet (under `threshold` of its cores busy over half a second), at most
 * `maxSeconds`: a JVM compiling in the background (DynamoDB Local) or a store flushing after the last
 * scenario would otherwise weigh on whichever side runs next. Returns the last reading.
 */
export async function settle(threshold = 0.15, maxSeconds = 20): Promise<number> {
  const deadline = Date.now() + maxSeconds * 1000;
  let busy = await machineBusy();
  while (busy > threshold && Date.now() < deadline) busy = await machineBusy();
  return busy;
}
