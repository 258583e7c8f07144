import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { MikroORM, Options } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/sql';
import {
  boundPoolWaits,
  type CallbackPool,
  type Logger,
  type PromisePool,
  releaseEndedClients,
} from '@shop/platform';
import { entities } from './entities.ts';
import { migrationsOf } from './migrations.ts';

export type Engine = 'mysql' | 'postgresql' | 'sqlite';

export interface DatabaseTarget {
  engine: Engine;
  /** Server URL (MySQL, PostgreSQL) or file path / `:memory:` (SQLite). */
  location: string;
}

/**
 * `mysql://…`, `postgresql://…` / `postgres://…`, or `sqlite:<path>` (`sqlite::memory:` for a throwaway
 * database). The engine is chosen by configuration, never guessed from anything else.
 */
export function databaseTargetOf(url: string): DatabaseTarget {
  if (url.startsWith('mysql://')) return { engine: 'mysql', location: url };
  if (url.startsWith('postgresql://')) return { engine: 'postgresql', location: url };
  if (url.startsWith('postgres://'))
    return { engine: 'postgresql', location: `postgresql://${url.slice(11)}` };
  if (url.startsWith('sqlite:')) {
    const path = url.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
    if (path) return { engine: 'sqlite', location: path };
  }
  throw new Error('DATABASE_URL must start with mysql://, postgresql://, postgres:// or sqlite:<path>');
}

export interface Database {
  engine: Engine;
  orm: MikroORM;
  /** A fresh, request-sized unit of work. */
  em(): SqlEntityManager;
  /**
   * The first row of one select outside any transaction, straight on the driver's pool (`?` placeholders
   * on every engine). For the hot reads only: MikroORM's execute() runs the same statement on the same
   * pool through kysely's executor, whose connection provider, compiled-query objects and promise chain
   * were ~20 % of a GET /products/{id}'s allocations. Driver errors reach the error handler as they are
   * (connection and lock errors are mapped there by their driver codes).
   */
  readOne(sql: string, params: readonly unknown[]): Promise<Record<string, unknown> | undefined>;
  close(): Promise<void>;
}

type Row = Record<string, unknown>;

interface NativeMysqlPool {
  query(sql: string, params: readonly unknown[], callback: (error: unknown, rows?: Row[]) => void): void;
}

interface NativePgPool {
  query(sql: string, params: readonly unknown[]): Promise<{ rows: Row[] }>;
}

interface NativeSqliteDatabase {
  prepare(sql: string): { get(...params: unknown[]): Row | undefined };
}

/** `?` → `$1`, `$2`, … for pg (the statements here hold no `?` inside literals). */
const dollarPlaceholders = (sql: string) => {
  let index = 0;
  return sql.replace(/\?/g, () => `$${++index}`);
};

/** The first-row reader on the engine's own client, with each statement's text or handle made once. */
async function nativeReader(engine: Engine, orm: MikroORM): Promise<Database['readOne']> {
  const client = await (
    orm.em.getConnection() as unknown as { getNativeClient(): Promise<unknown> }
  ).getNativeClient();
  switch (engine) {
    case 'mysql': {
      const pool = client as NativeMysqlPool;
      return (sql, params) =>
        new Promise((resolve, reject) =>
          pool.query(sql, params, (error, rows) => (error ? reject(error) : resolve(rows?.[0]))),
        );
    }
    case 'postgresql': {
      const pool = client as NativePgPool;
      const texts = new Map<string, string>();
      return async (sql, params) => {
        let text = texts.get(sql);
        if (text === undefined) {
          text = dollarPlaceholders(sql);
          texts.set(sql, text);
        }
        return (await pool.query(text, params)).rows[0];
      };
    }
    case 'sqlite': {
      const database = client as NativeSqliteDatabase;
      const statements = new Map<string, ReturnType<NativeSqliteDatabase['prepare']>>();
      return async (sql, params) => {
        let statement = statements.get(sql);
        if (statement === undefined) {
          statement = database.prepare(sql);
          statements.set(sql, statement);
        }
        return statement.get(...params);
      };
    }
  }
}

export interface OpenDatabaseOptions {
  url: string;
  poolMax: number;
  /** Longest wait for a pooled connection before the query fails (503); unbounded when absent. */
  acquireTimeoutMs?: number;
  logger: Logger;
}

/**
 * Starts MikroORM on the configured engine. Drivers are imported on demand, so a MySQL deployment never
 * loads the SQLite native module and the other way round.
 */
export async function openDatabase({
  url,
  poolMax,
  acquireTimeoutMs,
  logger,
}: OpenDatabaseOptions): Promise<Database> {
  const target = databaseTargetOf(url);
  const log = logger.child({ component: 'orm' });
  const common: Partial<Options> = {
    entities,
    migrations: {
      migrationsList: migrationsOf(target.engine),
      tableName: 'products_schema_migrations',
      snapshot: false,
      snapshotOnMigrate: false,
      silent: true,
      allOrNothing: true,
    },
    pool: { min: 0, max: poolMax, idleTimeoutMillis: 30_000 },
    ensureDatabase: false,
    allowGlobalContext: false,
    debug: false,
    logger: (message) => log.debug(message),
  };
  let orm: MikroORM;
  switch (target.engine) {
    case 'mysql': {
      const { MikroORM } = await import('@mikro-orm/mysql');
      orm = await MikroORM.init({ ...common, clientUrl: target.location } as never);
      // mysql2 has no acquire timeout of its own: bound the wait on its pool.
      if (acquireTimeoutMs !== undefined) {
        const connection = orm.em.getConnection() as unknown as { getNativeClient(): Promise<CallbackPool> };
        boundPoolWaits(await connection.getNativeClient(), acquireTimeoutMs);
      }
      break;
    }
    case 'postgresql': {
      const { MikroORM } = await import('@mikro-orm/postgresql');
      // pg's pool bounds the wait for a connection (pooled or new) itself.
      const driverOptions = {
        ...(acquireTimeoutMs === undefined ? {} : { connectionTimeoutMillis: acquireTimeoutMs }),
        onPoolCreated: (pool: PromisePool) => releaseEndedClients(pool),
      };
      orm = await MikroORM.init({ ...common, clientUrl: target.location, driverOptions } as never);
      break;
    }
    case 'sqlite': {
      const { MikroORM } = await import('@mikro-orm/sqlite');
      if (target.location !== ':memory:') mkdirSync(dirname(target.location), { recursive: true });
      orm = await MikroORM.init({ ...common, dbName: target.location } as never);
      // One connection per process: WAL lets readers in other processes (a migrate run) coexist, and
      // busy_timeout waits for another process's write lock instead of failing at once.
      const connection = orm.em.getConnection();
      await connection.execute('pragma journal_mode = wal');
      await connection.execute('pragma busy_timeout = 5000');
      await connection.execute('pragma foreign_keys = on');
      break;
    }
  }
  return {
    engine: target.engine,
    orm,
    em: () => orm.em.fork() as SqlEntityManager,
    readOne: await nativeReader(target.engine, orm),
    close: () => orm.close(),
  };
}
