import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { boundPoolWaits, type CallbackPool, type PromisePool, releaseEndedClients } from '@shop/platform';

export type SqlEngine = 'sqlite' | 'mysql' | 'postgresql';

/** A transaction handle as MikroORM's connection hands it out; opaque here. */
export type Transaction = unknown;

export interface RunResult {
  affectedRows: number;
}

type Row = Record<string, unknown>;

/**
 * The slice of a MikroORM SQL connection the store uses: `?` placeholders, values escaped by the
 * engine's platform, transactions that pin one connection.
 */
export interface SqlDatabase {
  readonly engine: SqlEngine;
  all(sql: string, params?: readonly unknown[], trx?: Transaction): Promise<Row[]>;
  run(sql: string, params?: readonly unknown[], trx?: Transaction): Promise<RunResult>;
  transaction<T>(work: (trx: Transaction) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export function engineOf(url: string): SqlEngine {
  if (url.startsWith('sqlite:')) return 'sqlite';
  if (url.startsWith('mysql://') || url.startsWith('mariadb://')) return 'mysql';
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) return 'postgresql';
  throw new Error(
    `DATABASE_URL must start with sqlite:, mysql://, mariadb:// or postgresql:// (got ${url.split(':')[0]}:)`,
  );
}

interface MinimalConnection {
  execute(sql: string, params: readonly unknown[], method: 'all' | 'run', ctx?: unknown): Promise<unknown>;
  transactional<T>(cb: (trx: never) => Promise<T>): Promise<T>;
}

/**
 * Opens MikroORM on the engine DATABASE_URL names, loading only that engine's driver (a service on
 * PostgreSQL never loads better-sqlite3 or mysql2). The store uses SQL through MikroORM's connection:
 * the queries it needs (conditional updates, keyset pages, compare-and-swap) are plainer that way.
 */
export async function openSqlDatabase(
  url: string,
  poolMax: number,
  /** Longest wait for a pooled connection before the query fails (503); unbounded when absent. */
  acquireTimeoutMs?: number,
): Promise<SqlDatabase> {
  const engine = engineOf(url);
  const common = {
    entities: [],
    discovery: { warnWhenNoEntities: false },
    forceUtcTimezone: true,
    pool: { min: 0, max: poolMax },
    debug: false,
  };
  const sqlitePath = engine === 'sqlite' ? sqlitePathOf(url) : undefined;
  let orm: { em: { getConnection(): unknown }; close(force?: boolean): Promise<void> };
  if (sqlitePath !== undefined) {
    if (sqlitePath !== ':memory:') await mkdir(dirname(sqlitePath), { recursive: true });
    const { MikroORM } = await import('@mikro-orm/sqlite');
    orm = await MikroORM.init({ ...common, dbName: sqlitePath });
  } else if (engine === 'mysql') {
    const { MikroORM } = await import('@mikro-orm/mysql');
    orm = await MikroORM.init({ ...common, clientUrl: url.replace(/^mariadb:/, 'mysql:') });
    // mysql2 has no acquire timeout of its own: bound the wait on its pool.
    if (acquireTimeoutMs !== undefined) {
      const connection = orm.em.getConnection() as unknown as { getNativeClient(): Promise<CallbackPool> };
      boundPoolWaits(await connection.getNativeClient(), acquireTimeoutMs);
    }
  } else {
    const { MikroORM } = await import('@mikro-orm/postgresql');
    // pg's pool bounds the wait for a connection (pooled or new) itself.
    const driverOptions = {
      ...(acquireTimeoutMs === undefined ? {} : { connectionTimeoutMillis: acquireTimeoutMs }),
      onPoolCreated: (pool: PromisePool) => releaseEndedClients(pool),
    };
    orm = await MikroORM.init({ ...common, clientUrl: url, driverOptions });
  }
  const connection = orm.em.getConnection() as MinimalConnection;
  const database: SqlDatabase = {
    engine,
    async all(sql, params = [], trx) {
      return (await connection.execute(sql, params, 'all', trx)) as Row[];
    },
    async run(sql, params = [], trx) {
      const result = (await connection.execute(sql, params, 'run', trx)) as { affectedRows?: number };
      return { affectedRows: Number(result.affectedRows ?? 0) };
    },
    transaction: (work) => connection.transactional((trx) => work(trx)),
    close: () => orm.close(true),
  };
  if (sqlitePath !== undefined) {
    // One connection serves the process: WAL lets other processes (migrate, tooling) read meanwhile.
    await database.run('PRAGMA foreign_keys = ON');
    if (sqlitePath !== ':memory:') await database.run('PRAGMA journal_mode = WAL');
    await database.run('PRAGMA busy_timeout = 5000');
  }
  return database;
}

/** `sqlite:.data/orders.sqlite`, `sqlite:/abs/path.sqlite`, `sqlite:///abs/path.sqlite`, `sqlite::memory:`. */
const sqlitePathOf = (url: string): string =>
  url.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '') || ':memory:';
