// A small HTTP load recorder shared by the soak and the reliability tests: every call is timed and kept
// (operation, status, latency, Retry-After, problem code), so a run can be judged afterwards as a whole.

import { setTimeout as pause } from 'node:timers/promises';

// biome-ignore lint/suspicious/noExplicitAny: response bodies are arbitrary JSON, checked by the callers
export type Json = any;

export interface Outcome {
  op: string;
  /** HTTP status, or 0 when no answer came (connection refused or reset, or the client gave up). */
  status: number;
  ms: number;
  /** When the request was sent, ms since the recorder started. */
  at: number;
  retryAfter: string | null;
  code: string | undefined;
  error: string | undefined;
}

export interface Reply {
  status: number;
  headers: Headers;
  body: Json;
  ms: number;
}

export interface SendOptions {
  token?: string | undefined;
  body?: unknown;
  rawBody?: string;
  headers?: Record<string, string>;
  /** The client gives up after this long (a request that takes longer is a hang). Default 30 s. */
  timeoutMs?: number;
}

/** One HTTP call; never throws for HTTP statuses, only when no answer came. */
export async function send(
  base: string,
  method: string,
  path: string,
  options: SendOptions = {},
): Promise<Reply> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  const payload = options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  if (payload !== undefined) headers['content-type'] = 'application/json';
  Object.assign(headers, options.headers);
  const started = performance.now();
  const response = await fetch(`${base}${path}`, {
    method,
    headers,
    body: payload,
    signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
  });
  const text = await response.text();
  const type = response.headers.get('content-type') ?? '';
  let body: Json = text;
  if (text && /json/.test(type)) {
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
  }
  return { status: response.status, headers: response.headers, body, ms: performance.now() - started };
}

const describeError = (error: unknown): string => {
  const e = error as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  return [e.name, e.cause?.code ?? e.cause?.message ?? e.message].filter(Boolean).join(': ');
};

/** Keeps every outcome of a run. */
export class Recorder {
  readonly outcomes: Outcome[] = [];
  readonly #start = performance.now();

  /** Milliseconds since the recorder started: the clock of `Outcome.at`. */
  elapsed(): number {
    return performance.now() - this.#start;
  }

  /** Sends through `call` and records the outcome; resolves to the reply, or undefined when none came. */
  async record(op: string, call: () => Promise<Reply>): Promise<Reply | undefined> {
    const at = performance.now() - this.#start;
    try {
      const reply = await call();
      this.outcomes.push({
        op,
        status: reply.status,
        ms: reply.ms,
        at,
        retryAfter: reply.headers.get('retry-after'),
        code: typeof reply.body === 'object' && reply.body ? reply.body.code : undefined,
        error: undefined,
      });
      return reply;
    } catch (error) {
      this.outcomes.push({
        op,
        status: 0,
        ms: performance.now() - this.#start - at,
        at,
        retryAfter: null,
        code: undefined,
        error: describeError(error),
      });
      return undefined;
    }
  }

  /** How many outcomes had each status, per operation: `{ 'reserve 201': 40, 'reserve 503': 3 }`. */
  counts(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const { op, status } of this.outcomes)
      counts[`${op} ${status}`] = (counts[`${op} ${status}`] ?? 0) + 1;
    return counts;
  }
}

/** The p-th percentile (0–100) of `values`, nearest rank; NaN when empty. */
export function percentile(values: readonly number[], p: number): number {
  if (!values.length) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

export interface LatencyRow {
  op: string;
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/** Latency percentiles per operation, in ms. */
export function latencyTable(outcomes: readonly Outcome[]): LatencyRow[] {
  const byOp = new Map<string, number[]>();
  for (const { op, ms, status } of outcomes) {
    if (status === 0) continue;
    byOp.set(op, [...(byOp.get(op) ?? []), ms]);
  }
  return [...byOp]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([op, values]) => ({
      op,
      count: values.length,
      p50: percentile(values, 50),
      p95: percentile(values, 95),
      p99: percentile(values, 99),
      max: Math.max(...values),
    }));
}

export function formatLatencyTable(rows: readonly LatencyRow[]): string {
  const header = ['operation', 'count', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms'];
  const lines = rows.map((row) => [
    row.op,
    String(row.count),
    ...[row.p50, row.p95, row.p99, row.max].map((value) => value.toFixed(1)),
  ]);
  const widths = header.map((title, column) =>
    Math.max(title.length, ...lines.map((line) => line[column]!.length)),
  );
  const format = (cells: string[]) =>
    cells
      .map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!)))
      .join('  ');
  return [format(header), ...lines.map(format)].join('\n');
}

/**
 * What a store outage may legitimately answer: a 5xx must be a 503 with Retry-After (never a 500), every
 * call must be answered (status 0 is a refused, reset or hung request) and within `boundMs`.
 */
export function outageViolations(outcomes: readonly Outcome[], boundMs: number): string[] {
  const violations: string[] = [];
  for (const outcome of outcomes) {
    const what = `${outcome.op} at +${Math.round(outcome.at)} ms`;
    if (outcome.status === 0) violations.push(`${what}: no answer (${outcome.error})`);
    else if (outcome.status >= 500 && outcome.status !== 503)
      violations.push(`${what}: ${outcome.status} ${outcome.code ?? ''}`);
    else if (outcome.status === 503 && !outcome.retryAfter)
      violations.push(`${what}: 503 without Retry-After`);
    if (outcome.ms > boundMs)
      violations.push(`${what}: answered after ${Math.round(outcome.ms)} ms (> ${boundMs})`);
  }
  return violations;
}

/**
 * How long a well-behaved client waits before its next call: what a 503's Retry-After asks (at most `capMs`,
 * to keep runs short), else a breath of `gapMs` so a load loop never spins a core.
 */
export function pacingAfter(outcome: Outcome | undefined, { capMs = 500, gapMs = 5 } = {}): number {
  if (outcome?.status !== 503 && outcome?.status !== 0) return gapMs;
  const seconds = Number(outcome.retryAfter);
  return Math.min(capMs, Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : capMs);
}

/** One kind of call in a load mix: taken when the roll (in [0, 1)) is below `below` and `when` holds. */
export interface LoadStep {
  below: number;
  /** False while the step has nothing to act on (no order placed yet, no reservation to release). */
  when?: () => boolean;
  run(roll: number): Promise<unknown>;
}

/**
 * A load worker: until `stopped()`, rolls, runs the first step the roll selects (the first step when none
 * does: the one that makes something for the others to act on), and paces itself after the recorder's
 * last outcome as a client backs off on a 503's Retry-After (pacing, not waiting).
 */
export async function mixedLoad(
  steps: readonly LoadStep[],
  recorder: Recorder,
  stopped: () => boolean,
): Promise<void> {
  while (!stopped()) {
    const roll = Math.random();
    const step =
      steps.find((candidate) => roll < candidate.below && (candidate.when?.() ?? true)) ?? steps[0]!;
    await step.run(roll);
    await pause(pacingAfter(recorder.outcomes.at(-1)));
  }
}
