import type { MikroORM, Options } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/sql';
import type { Logger } from '@shop/platform';
import { openSqlOrm, type SqlEngine } from '@shop/platform/sql';
import { entities } from './entities.ts';

export type Engine = SqlEngine;

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
  /** Every row of one select, the same way as readOne (the catalog's pages). */
  readAll(sql: string, params: readonly unknown[]): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
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

type Readers = Pick<Database, 'readOne' | 'readAll'>;

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
async function nativeReaders(engine: Engine, orm: MikroORM): Promise<Readers> {
  const client = await (
    orm.em.getConnection() as unknown as { getNativeClient(): Promise<unknown> }
  ).getNativeClient();
  switch (engine) {
    case 'mysql': {
      const pool = client as NativeMysqlPool;
      const readAll = (sql: string, params: readonly unknown[]) =>
        new Promise<Row[]>((resolve, reject) =>
          pool.query(sql, params, (error, rows) => (error ? reject(error) : resolve(rows ?? []))),
        );
      return { readAll, readOne: async (sql, params) => (await readAll(sql, params))[0] };
    }
    case 'postgresql': {
      const pool = client as NativePgPool;
      const texts = new Map<string, string>();
      const readAll = async (sql: string, params: readonly unknown[]) => {
        let text = texts.get(sql);
        if (text === undefined) {
          text = dollarPlaceholders(sql);
          texts.set(sql, text);
        }
        return (await pool.query(text, params)).rows;
      };
      return { readAll, readOne: async (sql, params) => (await readAll(sql, params))[0] };
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

export interface OpenDatabaseOptions {
  url: string;
  poolMax: number;
  /** Longest wait for a pooled connection before the query fails (503); unbounded when absent. */
  acquireTimeoutMs?: number;
  logger: Logger;
}

/**
 * Starts MikroORM on the engine DATABASE_URL names (`openSqlOrm`: that driver only, bounded pool waits)
 * with the products entities (the migrations are configured by the runner, `migrations.ts`).
 */
export async function openDatabase({
  url,
  poolMax,
  acquireTimeoutMs,
  logger,
}: OpenDatabaseOptions): Promise<Database> {
  const log = logger.child({ component: 'orm' });
  const own: Partial<Options> = {
    entities,
    pool: { idleTimeoutMillis: 30_000 },
    ensureDatabase: false,
    allowGlobalContext: false,
    debug: false,
    logger: (message) => log.debug(message),
  };
  const { engine, orm } = await openSqlOrm({ url, poolMax, acquireTimeoutMs, orm: own });
  return {
    engine,
    orm,
    em: () => orm.em.fork() as SqlEntityManager,
    ...(await nativeReaders(engine, orm)),
    close: () => orm.close(),
  };
}
