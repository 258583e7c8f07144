import { writeSync } from 'node:fs';
import { ConfigError } from './config.ts';

/** The variables (or command-line options) a ConfigError's problems name: each problem starts with one. */
const NAMED = /^(?:--[a-z][a-z-]*|[A-Z][A-Z0-9_]*)/;

/**
 * The one line an entry point writes when it cannot start: the fields of the service's own log lines
 * (`severity` for Cloud Logging, `level` for the others), `message` first so that a terminal shows it
 * before the rest. A ConfigError says what to fix and carries no stack: the throwing line would only
 * point into a minified bundle. Anything else keeps its stack, which is what there is to go on.
 */
export function startFailureLine(service: string, error: unknown): string {
  const time = new Date().toISOString();
  if (error instanceof ConfigError) {
    const variables = [...new Set(error.problems.map((problem) => NAMED.exec(problem)?.[0]).filter(Boolean))];
    return JSON.stringify({
      message: `invalid configuration: ${error.problems.join('; ')}`,
      severity: 'ERROR',
      level: 'error',
      time,
      service,
      variables,
      problems: error.problems,
    });
  }
  const err = error instanceof Error ? error : new Error(String(error));
  return JSON.stringify({
    message: `start-up failed: ${err.message}`,
    severity: 'ERROR',
    level: 'error',
    time,
    service,
    err: { type: err.name, message: err.message, stack: err.stack },
  });
}

/**
 * Runs what an entry point (server, migration, Lambda handler, dev issuer) does before it serves. When that
 * throws, one structured ERROR line goes to stderr and the process exits 1: never Node's uncaught-error
 * dump, which prints the offending source line first (from a bundle, one line of ~20 000 characters).
 */
export async function startOrExit<T>(service: string, start: () => Promise<T> | T): Promise<T> {
  try {
    return await start();
  } catch (error) {
    // Written synchronously: the process exits right after.
    writeSync(2, `${startFailureLine(service, error)}\n`);
    process.exit(1);
  }
}
