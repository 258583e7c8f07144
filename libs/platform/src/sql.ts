import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { MikroORM, Options } from '@mikro-orm/core';
import { boundPoolWaits, type CallbackPool, type PromisePool, releaseEndedClients } from './pool.ts';

/**
 * Opening an SQL store, the same way in every service: which engine a URL names, MikroORM on that
 * engine's driver only, and a pool whose waits are bounded. A sub-path of the package
 * (`@shop/platform/sql`), so what imports the platform's index never reaches the ORM.
 */
export type SqlEngine = 'mysql' | 'postgresql' | 'sqlite';

export interface SqlTarget {
  engine: SqlEngine;
  /** A server URL (`mysql://…`, `postgresql://…`) or, for SQLite, a file path or `:memory:`. */
  location: string;
}

/** What `DATABASE_URL` may start with, for config schemas. */
export const SQL_URL_PATTERN = '^(sqlite:|mysql://|mariadb://|postgres(ql)?://)';

/**
 * `mysql://…` or `mariadb://…`; `postgresql://…` or `postgres://…`; `sqlite:<path>`, `sqlite:///abs/path`,
 * `sqlite::memory:` or `sqlite:` (both in memory). The engine is chosen by configuration, never guessed.
 */
export function sqlTargetOf(url: string): SqlTarget {
  if (url.startsWith('mysql://')) return { engine: 'mysql', location: url };
  if (url.startsWith('mariadb://')) return { engine: 'mysql', location: `mysql://${url.slice(10)}` };
  if (url.startsWith('postgresql://')) return { engine: 'postgresql', location: url };
  if (url.startsWith('postgres://'))
    return { engine: 'postgresql', location: `postgresql://${url.slice(11)}` };
  if (url.startsWith('sqlite:')) {
    return {
      engine: 'sqlite',
      location: url.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '') || ':memory:',
    };
  }
  throw new Error(
    `DATABASE_URL must start with mysql://, mariadb://, postgresql://, postgres:// or sqlite: (got ${url.split(':')[0]}:)`,
  );
}

export interface OpenSqlOptions {
  url: string;
  /** Connections per instance. */
  poolMax: number;
  /** Longest wait for a pooled connection (or a new one) before a query fails with a 503; unbounded when absent. */
  acquireTimeoutMs?: number | undefined;
  /** The service's own MikroORM options (entities, migrations, logger…); pool settings here extend the bound. */
  orm?: Partial<Options>;
}

/**
 * Starts MikroORM on the engine `url` names, importing only that engine's driver (a service on PostgreSQL
 * never loads better-sqlite3 or mysql2). The pool holds at most `poolMax` connections and a wait for one
 * is bounded by `acquireTimeoutMs`: pg's `connectionTimeoutMillis`; for mysql2, which has no such option,
 * `boundPoolWaits`. pg clients whose connection ends while checked out go back to the pool
 * (`releaseEndedClients`). SQLite gets its directory made, WAL (other processes may read meanwhile),
 * a 5 s busy timeout and foreign keys.
 */
export async function openSqlOrm({
  url,
  poolMax,
  acquireTimeoutMs,
  orm: own = {},
}: OpenSqlOptions): Promise<{ engine: SqlEngine; orm: MikroORM }> {
  const { engine, location } = sqlTargetOf(url);
  const options = { ...own, pool: { min: 0, max: poolMax, ...own.pool } };
  let orm: MikroORM;
  switch (engine) {
    case 'mysql': {
      const { MikroORM } = await import('@mikro-orm/mysql');
      orm = (await MikroORM.init({ ...options, clientUrl: location } as never)) as unknown as MikroORM;
      if (acquireTimeoutMs !== undefined) {
        const connection = orm.em.getConnection() as unknown as { getNativeClient(): Promise<CallbackPool> };
        boundPoolWaits(await connection.getNativeClient(), acquireTimeoutMs);
      }
      break;
    }
    case 'postgresql': {
      const { MikroORM } = await import('@mikro-orm/postgresql');
      const driverOptions = {
        ...(acquireTimeoutMs === undefined ? {} : { connectionTimeoutMillis: acquireTimeoutMs }),
        onPoolCreated: (pool: PromisePool) => releaseEndedClients(pool),
      };
      orm = (await MikroORM.init({
        ...options,
        clientUrl: location,
        driverOptions,
      } as never)) as unknown as MikroORM;
      break;
    }
    case 'sqlite': {
      const { MikroORM } = await import('@mikro-orm/sqlite');
      if (location !== ':memory:') await mkdir(dirname(location), { recursive: true });
      orm = (await MikroORM.init({ ...options, dbName: location } as never)) as unknown as MikroORM;
      // One connection per process: WAL lets readers in other processes (a migrate run) coexist, and
      // busy_timeout waits for another process's write lock instead of failing at once.
      const connection = orm.em.getConnection();
      if (location !== ':memory:') await connection.execute('pragma journal_mode = wal');
      await connection.execute('pragma busy_timeout = 5000');
      await connection.execute('pragma foreign_keys = on');
      break;
    }
  }
  return { engine, orm };
}

type Row = Record<string, unknown>;

interface NativeMysqlPool {
  query(sql: string, params: readonly unknown[], callback: (error: unknown, rows?: Row[]) => void): void;
}

interface NativePgPool {
  query(sql: string, params: readonly unknown[]): Promise<{ rows: Row[] }>;
}

interface NativeSqliteStatement {
  get(...params: unknown[]): Row | undefined;
  all(...params: unknown[]): Row[];
}

interface NativeSqliteDatabase {
  prepare(sql: string): NativeSqliteStatement;
}

/**
 * Selects outside any transaction, straight on the driver's pool (`?` placeholders on every engine).
 * For the hot reads: MikroORM's execute() runs the same statement on the same pool through kysely's
 * executor, whose connection provider, compiled-query objects and promise chain were ~20 % of a
 * GET /products/{id}'s allocations. Driver errors reach the error handler as they are (connection and
 * lock errors are mapped there by their driver codes). The pool is the ORM's, with its settings (UTC).
 */
export interface NativeReaders {
  readOne(sql: string, params: readonly unknown[]): Promise<Row | undefined>;
  readAll(sql: string, params: readonly unknown[]): Promise<Row[]>;
}

/** `?` → `$1`, `$2`, … for pg (the statements here hold no `?` inside literals). */
const dollarPlaceholders = (sql: string) => {
  let index = 0;
  return sql.replace(/\?/g, () => `$${++index}`);
};

/**
 * better-sqlite3 binds numbers, strings, bigints and buffers only: booleans and dates go in as MikroORM
 * stores them on SQLite (1/0, epoch milliseconds). mysql2 and pg format both themselves, with the ORM's
 * own pool settings (UTC).
 */
const sqliteValue = (value: unknown) =>
  typeof value === 'boolean' ? Number(value) : value instanceof Date ? value.getTime() : value;

/** The readers on the engine's own client, with each statement's text or handle made once. */
export async function nativeReaders(engine: SqlEngine, orm: MikroORM): Promise<NativeReaders> {
  const client = await (
    orm.em.getConnection() as unknown as { getNativeClient(): Promise<unknown> }
  ).getNativeClient();
  switch (engine) {
    case 'mysql': {
      const pool = client as NativeMysqlPool;
      return {
        readAll: (sql, params) =>
          new Promise((resolve, reject) =>
            pool.query(sql, params, (error, rows) => (error ? reject(error) : resolve(rows ?? []))),
          ),
        readOne: (sql, params) =>
          new Promise((resolve, reject) =>
            pool.query(sql, params, (error, rows) => (error ? reject(error) : resolve(rows?.[0]))),
          ),
      };
    }
    case 'postgresql': {
      const pool = client as NativePgPool;
      const texts = new Map<string, string>();
      const textOf = (sql: string) => {
        let text = texts.get(sql);
        if (text === undefined) {
          text = dollarPlaceholders(sql);
          texts.set(sql, text);
        }
        return text;
      };
      return {
        readAll: async (sql, params) => (await pool.query(textOf(sql), params)).rows,
        readOne: async (sql, params) => (await pool.query(textOf(sql), params)).rows[0],
      };
    }
    case 'sqlite': {
      const database = client as NativeSqliteDatabase;
      const statements = new Map<string, NativeSqliteStatement>();
      const prepared = (sql: string) => {
        let statement = statements.get(sql);
        if (statement === undefined) {
          statement = database.prepare(sql);
          statements.set(sql, statement);
        }
        return statement;
      };
      return {
        readOne: async (sql, params) => prepared(sql).get(...params.map(sqliteValue)),
        readAll: async (sql, params) => prepared(sql).all(...params.map(sqliteValue)),
      };
    }
  }
}
