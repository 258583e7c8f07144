import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { MySqlContainer } from '@testcontainers/mysql';
import { PostgreSqlContainer } from '@testcontainers/postgresql';
import { GenericContainer, getContainerRuntimeClient, type StartedTestContainer, Wait } from 'testcontainers';
import { type Engine, engineVariables } from './index.ts';

/**
 * The images the suites start when an engine's TEST_* variable is unset and a Docker engine answers:
 * the same servers (and tags) as docker-compose.yml, checked by compose/compose.test.ts.
 */
export const storeImages = {
  mysql: 'mysql:8.4',
  postgresql: 'postgres:17',
  dynamodb: 'amazon/dynamodb-local:2.6.1',
} as const satisfies Record<Exclude<Engine, 'sqlite'>, string>;

type ContainerEngine = keyof typeof storeImages;

export interface StartedStore {
  engine: ContainerEngine;
  variable: string;
  url: string;
  container: StartedTestContainer;
}

/** True when testcontainers finds a container runtime that answers (DOCKER_HOST, the socket, …). */
export async function dockerAnswers(): Promise<boolean> {
  reachDaemonOnLoopbackWhenLocal();
  try {
    const client = await getContainerRuntimeClient();
    return Boolean(client.info.containerRuntime.serverVersion);
  } catch {
    return false;
  }
}

/** The engines whose TEST_* variable is unset in `env`. */
export function enginesWithoutTarget(env: NodeJS.ProcessEnv): ContainerEngine[] {
  return (Object.keys(storeImages) as ContainerEngine[]).filter((engine) => !env[engineVariables[engine]]);
}

const DATABASE = 'shop_test';
const ROOT_PASSWORD = 'test';

/**
 * Starts one container per engine, in parallel, and returns the URLs the suites read from TEST_*.
 * If one fails, the others are stopped before the error is thrown.
 */
export async function startStores(wanted: readonly ContainerEngine[]): Promise<StartedStore[]> {
  const { host } = (await getContainerRuntimeClient()).info.containerRuntime;
  const local = host === 'localhost' || host === '127.0.0.1' || host === '::1';
  const results = await Promise.allSettled(wanted.map((engine) => startStore(engine, local)));
  // 127.0.0.1 rather than "localhost": the ports are published on IPv4 loopback only.
  if (local) for (const r of results) if (r.status === 'fulfilled') r.value.url = onIpv4(r.value.url);
  const started = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    await stopStores(started);
    throw failed.reason;
  }
  return started;
}

export async function stopStores(stores: readonly StartedStore[]): Promise<void> {
  await Promise.allSettled(
    stores.map((store) => store.container.stop({ remove: true, removeVolumes: true })),
  );
}

async function startStore(engine: ContainerEngine, local: boolean): Promise<StartedStore> {
  const publish = <T extends GenericContainer>(container: T) => (local ? onLoopback(container) : container);
  const variable = engineVariables[engine];
  switch (engine) {
    case 'mysql': {
      // Root, as the suites create and drop what they need (the local MariaDB is used the same way).
      const container = await publish(
        new MySqlContainer(storeImages.mysql).withDatabase(DATABASE).withRootPassword(ROOT_PASSWORD),
      ).start();
      return { engine, variable, container, url: container.getConnectionUri(true) };
    }
    case 'postgresql': {
      const container = await publish(
        new PostgreSqlContainer(storeImages.postgresql)
          .withDatabase(DATABASE)
          .withUsername('postgres')
          .withPassword(ROOT_PASSWORD),
      ).start();
      return { engine, variable, container, url: container.getConnectionUri() };
    }
    case 'dynamodb': {
      // The official image ships no curl or wget: readiness is its port answering HTTP (400 to a bare GET).
      const container = await publish(
        new GenericContainer(storeImages.dynamodb)
          .withCommand(['-jar', 'DynamoDBLocal.jar', '-inMemory', '-disableTelemetry'])
          .withExposedPorts(8000)
          .withWaitStrategy(Wait.forHttp('/', 8000).forStatusCode(400))
          .withStartupTimeout(120_000),
      ).start();
      return {
        engine,
        variable,
        container,
        url: `http://${container.getHost()}:${container.getMappedPort(8000)}`,
      };
    }
  }
}

/**
 * testcontainers reads /.dockerenv as "the daemon is outside, reach its ports through the bridge gateway".
 * A machine that is itself a container and runs its own dockerd (this project's CI machines) publishes
 * them on its own loopback instead: when dockerd is a process here, point testcontainers at 127.0.0.1.
 */
function reachDaemonOnLoopbackWhenLocal(): void {
  if (process.env.TESTCONTAINERS_HOST_OVERRIDE || process.env.DOCKER_HOST || !existsSync('/.dockerenv'))
    return;
  const dockerdRunsHere = readdirSync('/proc').some((pid) => {
    if (!/^\d+$/.test(pid)) return false;
    try {
      return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'dockerd';
    } catch {
      return false; // the process ended while we looked
    }
  });
  if (dockerdRunsHere) process.env.TESTCONTAINERS_HOST_OVERRIDE = '127.0.0.1';
}

function onIpv4(url: string): string {
  const parsed = new URL(url);
  parsed.hostname = '127.0.0.1';
  return parsed.toString().replace(/\/$/, '');
}

/**
 * Publishes the container's ports on 127.0.0.1 only when the engine runs on this machine (testcontainers
 * publishes on every interface and has no option for the address): a test database is nobody else's.
 */
function onLoopback<T extends GenericContainer>(container: T): T {
  const { hostConfig } = container as unknown as {
    hostConfig: { PortBindings?: Record<string, Array<{ HostIp?: string; HostPort?: string }>> };
  };
  for (const bindings of Object.values(hostConfig.PortBindings ?? {})) {
    for (const binding of bindings) binding.HostIp = '127.0.0.1';
  }
  return container;
}
