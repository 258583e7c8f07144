import type { MikroORM } from '@mikro-orm/core';
import { nativeReaders, openSqlOrm, type SqlEngine } from '@shop/platform/sql';

export type { SqlEngine };

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
  /** The ORM underneath, for the migration runner. */
  readonly orm: MikroORM;
  all(sql: string, params?: readonly unknown[], trx?: Transaction): Promise<Row[]>;
  run(sql: string, params?: readonly unknown[], trx?: Transaction): Promise<RunResult>;
  transaction<T>(work: (trx: Transaction) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

interface MinimalConnection {
  execute(sql: string, params: readonly unknown[], method: 'all' | 'run', ctx?: unknown): Promise<unknown>;
  transactional<T>(cb: (trx: never) => Promise<T>): Promise<T>;
}

/**
 * Opens MikroORM on the engine DATABASE_URL names (`openSqlOrm`: that driver only, bounded pool waits).
 * The store uses SQL through MikroORM's connection: the queries it needs (conditional updates, keyset
 * pages, compare-and-swap) are plainer that way.
 */
export async function openSqlDatabase(
  url: string,
  poolMax: number,
  /** Longest wait for a pooled connection before the query fails (503); unbounded when absent. */
  acquireTimeoutMs?: number,
): Promise<SqlDatabase> {
  const { engine, orm } = await openSqlOrm({
    url,
    poolMax,
    acquireTimeoutMs,
    orm: { entities: [], discovery: { warnWhenNoEntities: false }, forceUtcTimezone: true, debug: false },
  });
  const connection = orm.em.getConnection() as unknown as MinimalConnection;
  // Reads outside a transaction (every GET, the idempotency lookups) go straight to the pool.
  const { readAll } = await nativeReaders(engine, orm);
  return {
    engine,
    orm,
    async all(sql, params = [], trx) {
      if (trx === undefined) return readAll(sql, params);
      return (await connection.execute(sql, params, 'all', trx)) as Row[];
    },
    async run(sql, params = [], trx) {
      const result = (await connection.execute(sql, params, 'run', trx)) as { affectedRows?: number };
      return { affectedRows: Number(result.affectedRows ?? 0) };
    },
    transaction: (work) => connection.transactional((trx) => work(trx)),
    close: () => orm.close(true),
  };
}
