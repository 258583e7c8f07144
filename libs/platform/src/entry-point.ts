import { writeSync } from 'node:fs';
import type Koa from 'koa';
import type { Logger } from 'pino';
import { ConfigError } from './config.ts';
import { serve } from './lifecycle.ts';

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

/** What an entry point needs to build a service: its configuration, its dependencies and its app. */
export interface ServiceDefinition<Config, Deps> {
  service: string;
  loadConfig(): Config;
  buildDeps(config: NoInfer<Config>): Promise<Deps>;
  /** Takes the deps buildDeps made (or a part of them): Deps is inferred from buildDeps alone. */
  createApp(deps: NoInfer<Deps>): Koa;
}

interface ServeSettings {
  PORT: number;
  HOST: string;
  SHUTDOWN_TIMEOUT_MS: number;
}

interface ServiceDeps {
  logger: Logger;
  /** Closes pools and clients; run after the last request. */
  close(): Promise<unknown>;
}

/** `server.ts`: listen on PORT until SIGTERM, then drain, close the service's pools and exit. */
export function runServer<Config extends ServeSettings, Deps extends ServiceDeps>(
  definition: ServiceDefinition<Config, Deps>,
): Promise<void> {
  return startOrExit(definition.service, async () => {
    const config = definition.loadConfig();
    const deps = await definition.buildDeps(config);
    await serve(definition.createApp(deps).callback(), {
      port: config.PORT,
      host: config.HOST,
      logger: deps.logger,
      shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
      onShutdown: [() => deps.close()],
    });
  });
}
