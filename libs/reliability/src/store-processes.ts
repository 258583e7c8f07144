// Store servers of one's own, to kill and bring back: a private MariaDB, PostgreSQL or DynamoDB Local on a
// free loopback port with its data in a temporary folder. The shared servers of the machine are never
// touched. Used by the reliability tests (stores that go away mid-load) and by `npm run soak -- --stores real`.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, waitFor } from './net.ts';

export type StoreKind = 'mariadb' | 'postgresql' | 'dynamodb';

export interface StoreProcess {
  kind: StoreKind;
  /** `mysql://root@127.0.0.1:<port>/shop`, `postgresql://postgres@127.0.0.1:<port>/shop`, `http://127.0.0.1:<port>`. */
  url: string;
  port: number;
  /** Kills the server abruptly (SIGKILL; PostgreSQL: an immediate shutdown): open connections just drop. */
  kill(): Promise<void>;
  /** Starts it again on the same port with the same data; resolves once it answers. */
  restart(): Promise<void>;
  /** Stops it and deletes its data; idempotent. */
  destroy(): Promise<void>;
  /** The tail of the server's output, for failure messages. */
  output(): string;
}

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const dynamoDbLocalDir = join(repoRoot, 'node_modules/amplify-dynamodb-simulator/emulator');
const isRoot = process.getuid?.() === 0;

/** The first of `names` found on PATH or in the sbin folders (mariadbd lives in /usr/sbin). */
function findBinary(...names: string[]): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin', '/sbin'];
  for (const name of names) {
    for (const dir of dirs) {
      if (dir && existsSync(join(dir, name))) return join(dir, name);
    }
  }
  return undefined;
}

/** initdb and pg_ctl of the newest PostgreSQL under /usr/lib/postgresql (Debian), else from PATH. */
function postgresBinaries(): { initdb: string; pgCtl: string } | undefined {
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const versions = readdirSync(root)
      .filter((version) => existsSync(join(root, version, 'bin/initdb')))
      .sort((a, b) => Number(b) - Number(a));
    if (versions[0]) {
      return { initdb: join(root, versions[0], 'bin/initdb'), pgCtl: join(root, versions[0], 'bin/pg_ctl') };
    }
  }
  const initdb = findBinary('initdb');
  const pgCtl = findBinary('pg_ctl');
  return initdb && pgCtl ? { initdb, pgCtl } : undefined;
}

/** What this machine lacks to run a store of that kind; empty when it can. */
export function missingFor(kind: StoreKind): string[] {
  switch (kind) {
    case 'mariadb':
      return [
        findBinary('mariadb-install-db', 'mysql_install_db') ? [] : ['mariadb-install-db'],
        findBinary('mariadbd', 'mysqld') ? [] : ['mariadbd'],
      ].flat();
    case 'postgresql':
      return [
        postgresBinaries() ? [] : ['initdb/pg_ctl'],
        !isRoot || findBinary('runuser') ? [] : ['runuser'],
      ].flat();
    case 'dynamodb':
      return [
        findBinary('java') ? [] : ['java'],
        existsSync(join(dynamoDbLocalDir, 'DynamoDBLocal.jar')) ? [] : ['DynamoDBLocal.jar'],
      ].flat();
  }
}

function collect(child: ChildProcess, keep: (text: string) => void): void {
  child.stdout?.on('data', (chunk: Buffer) => keep(chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => keep(chunk.toString()));
}

async function run(command: string, args: string[], options: { cwd?: string } = {}): Promise<string> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
  let output = '';
  collect(child, (text) => {
    output = (output + text).slice(-20_000);
  });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', resolve);
  });
  if (code !== 0) throw new Error(`${command} ${args.join(' ')} exited with ${code}:\n${output}`);
  return output;
}

const exited = (child: ChildProcess) =>
  child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise<void>((resolve) => child.once('exit', () => resolve()));

/** A server that is our own child process (mariadbd, java): killed with SIGKILL, also when the test process exits. */
async function childServer(options: {
  kind: 'mariadb' | 'dynamodb';
  dir: string;
  port: number;
  url: string;
  command: string;
  args: string[];
  ready: () => Promise<boolean>;
  afterFirstStart?: () => Promise<void>;
}): Promise<StoreProcess> {
  let child: ChildProcess | undefined;
  let output = '';
  const killOnExit = () => child?.kill('SIGKILL');
  process.once('exit', killOnExit);

  const start = async () => {
    const current = spawn(options.command, options.args, {
      cwd: options.dir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = current;
    collect(current, (text) => {
      output = (output + text).slice(-20_000);
    });
    await waitFor(`${options.kind} on port ${options.port} to answer`, async () => {
      if (current.exitCode !== null)
        throw new Error(`${options.kind} exited with ${current.exitCode}:\n${output}`);
      return options.ready();
    });
  };
  const kill = async () => {
    if (!child) return;
    const current = child;
    child = undefined;
    current.kill('SIGKILL');
    await exited(current);
  };

  await start();
  await options.afterFirstStart?.();
  let destroyed = false;
  return {
    kind: options.kind,
    url: options.url,
    port: options.port,
    kill,
    restart: start,
    destroy: async () => {
      if (destroyed) return;
      destroyed = true;
      await kill();
      process.off('exit', killOnExit);
      await rm(options.dir, { recursive: true, force: true });
    },
    output: () => output,
  };
}

/** A private MariaDB (as root: `--user=root`, grant tables skipped) with an empty database `shop`. */
export async function startMariaDb(): Promise<StoreProcess> {
  const installDb = findBinary('mariadb-install-db', 'mysql_install_db');
  const server = findBinary('mariadbd', 'mysqld');
  if (!installDb || !server) throw new Error('MariaDB binaries are missing');
  const dir = await mkdtemp(join(tmpdir(), 'reliability-mariadb-'));
  const data = join(dir, 'data');
  const asRoot = isRoot ? ['--user=root'] : [];
  await run(installDb, [
    '--no-defaults',
    `--datadir=${data}`,
    '--auth-root-authentication-method=normal',
    '--skip-test-db',
    '--innodb-log-file-size=8M',
    ...asRoot,
  ]);
  const port = await freePort();
  const { createConnection } = await import('mysql2/promise');
  const query = async (sql: string) => {
    const connection = await createConnection({
      host: '127.0.0.1',
      port,
      user: 'root',
      connectTimeout: 1000,
    });
    try {
      await connection.query(sql);
    } finally {
      await connection.end();
    }
  };
  return childServer({
    kind: 'mariadb',
    dir,
    port,
    url: `mysql://root@127.0.0.1:${port}/shop`,
    command: server,
    args: [
      '--no-defaults',
      `--datadir=${data}`,
      `--socket=${join(dir, 's')}`,
      `--pid-file=${join(dir, 'pid')}`,
      `--port=${port}`,
      '--bind-address=127.0.0.1',
      '--skip-grant-tables',
      '--skip-log-bin',
      '--innodb-buffer-pool-size=32M',
      '--innodb-log-file-size=8M',
      ...asRoot,
    ],
    ready: async () => {
      await query('select 1');
      return true;
    },
    afterFirstStart: () => query('create database if not exists shop'),
  });
}

/** A private PostgreSQL (initdb + pg_ctl, as the `postgres` OS user when run as root) with a database `shop`. */
export async function startPostgres(): Promise<StoreProcess> {
  const binaries = postgresBinaries();
  if (!binaries) throw new Error('PostgreSQL binaries are missing');
  const dir = await mkdtemp(join(tmpdir(), 'reliability-postgres-'));
  const data = join(dir, 'data');
  // PostgreSQL refuses to run as root: the data folder belongs to the postgres user.
  if (isRoot) await run('chown', ['postgres', dir]);
  else await chmod(dir, 0o700);
  const as = (command: string, args: string[]): [string, string[]] =>
    isRoot ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, args];
  await run(
    ...as(binaries.initdb, [
      '-D',
      data,
      '-A',
      'trust',
      '-U',
      'postgres',
      '--no-sync',
      '-E',
      'UTF8',
      '--no-locale',
    ]),
  );
  const port = await freePort();
  const settings = [
    `-p ${port}`,
    `-k ${dir}`,
    '-c listen_addresses=127.0.0.1',
    '-c fsync=off',
    '-c full_page_writes=off',
    '-c shared_buffers=16MB',
    '-c max_connections=40',
  ].join(' ');
  const start = () =>
    run(
      ...as(binaries.pgCtl, [
        '-D',
        data,
        '-l',
        join(dir, 'server.log'),
        '-w',
        '-t',
        '30',
        '-o',
        settings,
        'start',
      ]),
    );
  const stop = (mode: 'immediate' | 'fast') =>
    run(...as(binaries.pgCtl, ['-D', data, '-m', mode, '-w', 'stop']));
  const { default: pg } = await import('pg');
  const query = async (database: string, sql: string) => {
    const client = new pg.Client({
      host: '127.0.0.1',
      port,
      user: 'postgres',
      database,
      connectionTimeoutMillis: 1000,
    });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  let running = false;
  const stopOnExit = () => {
    if (!running) return;
    const [command, args] = as(binaries.pgCtl, ['-D', data, '-m', 'immediate', 'stop']);
    spawnSync(command, args, { stdio: 'ignore' });
  };
  process.once('exit', stopOnExit);
  const startAndWait = async () => {
    await start();
    running = true;
    await waitFor(`postgresql on port ${port} to answer`, async () => {
      await query('postgres', 'select 1');
      return true;
    });
  };
  await startAndWait();
  await query('postgres', 'create database shop');
  let destroyed = false;
  const kill = async () => {
    if (!running) return;
    running = false;
    await stop('immediate');
  };
  return {
    kind: 'postgresql',
    url: `postgresql://postgres@127.0.0.1:${port}/shop`,
    port,
    kill,
    restart: startAndWait,
    destroy: async () => {
      if (destroyed) return;
      destroyed = true;
      await kill().catch(() => {});
      process.off('exit', stopOnExit);
      await rm(dir, { recursive: true, force: true });
    },
    output: () => '(see server.log in the data folder)',
  };
}

/**
 * A private DynamoDB Local. `persistent` keeps the tables in a folder (`-dbPath`) so they survive a kill
 * and restart; otherwise in memory (faster, gone with the process).
 */
export async function startDynamoDbLocal({ persistent }: { persistent: boolean }): Promise<StoreProcess> {
  const java = findBinary('java');
  if (!java) throw new Error('java is missing');
  // Its own working folder: DynamoDB Local writes a metadata file into the current directory.
  const dir = await mkdtemp(join(tmpdir(), 'reliability-dynamodb-'));
  const db = join(dir, 'db');
  if (persistent) await mkdir(db);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  return childServer({
    kind: 'dynamodb',
    dir,
    port,
    url,
    command: java,
    args: [
      '-Xmx256m',
      // Quick to start (and to restart under load): the client compiler only, a small collector.
      '-XX:TieredStopAtLevel=1',
      '-XX:+UseSerialGC',
      `-Djava.library.path=${join(dynamoDbLocalDir, 'DynamoDBLocal_lib')}`,
      '-jar',
      join(dynamoDbLocalDir, 'DynamoDBLocal.jar'),
      ...(persistent ? ['-dbPath', db] : ['-inMemory']),
      '-disableTelemetry',
      '-port',
      String(port),
    ],
    ready: async () => {
      await fetch(url, { signal: AbortSignal.timeout(1000) });
      return true;
    },
  });
}

/** Starts a store of the given kind. */
export function startStore(kind: StoreKind, options: { persistent?: boolean } = {}): Promise<StoreProcess> {
  if (kind === 'mariadb') return startMariaDb();
  if (kind === 'postgresql') return startPostgres();
  return startDynamoDbLocal({ persistent: options.persistent ?? true });
}
