import { createServer, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface TestServer {
  url: string;
  close(): Promise<void>;
}

/** Serves a request listener (e.g. `app.callback()`) on a random loopback port, as production would. */
export async function listen(listener: RequestListener): Promise<TestServer> {
  const server = createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

export type Engine = 'sqlite' | 'mysql' | 'postgresql' | 'dynamodb';

export interface EngineTarget {
  engine: Engine;
  /** Connection URL (SQL) or endpoint (DynamoDB); undefined for SQLite, which the suite creates itself. */
  url: string | undefined;
}

/** The variable that points the suites at each engine (set by `.ci/run`, or by the containers the run starts). */
export const engineVariables: Record<Exclude<Engine, 'sqlite'>, string> = {
  mysql: 'TEST_MYSQL_URL',
  postgresql: 'TEST_POSTGRES_URL',
  dynamodb: 'TEST_DYNAMODB_ENDPOINT',
};

const warned = new Set<Engine>();

/**
 * The engines a suite runs on: those whose TEST_* variable is set (`.ci/run` sets them all; otherwise
 * the run's global set-up points them at containers it starts when Docker answers), plus SQLite when asked. An engine left out is reported loudly once, never skipped in silence.
 */
export function engines(wanted: readonly Engine[]): EngineTarget[] {
  const targets: EngineTarget[] = [];
  for (const engine of wanted) {
    if (engine === 'sqlite') {
      targets.push({ engine, url: undefined });
      continue;
    }
    const url = process.env[engineVariables[engine]];
    if (url) targets.push({ engine, url });
    else if (!warned.has(engine)) {
      warned.add(engine);
      process.stderr.write(
        `\n!!! ${engineVariables[engine]} is not set: the ${engine} suites are NOT running. Set it, start a ` +
          'Docker engine (the run then starts the engine in a container), or run `bash .ci/run`.\n\n',
      );
    }
  }
  return targets;
}
export * from './api.ts';
export * from './arrange.ts';
export * from './raw-http.ts';
export * from './suites.ts';
