import type { MikroORM, Options } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/sql';
import type { Logger } from '@shop/platform';
import { type NativeReaders, nativeReaders, openSqlOrm, type SqlEngine } from '@shop/platform/sql';
import { entities } from './entities.ts';

export type Engine = SqlEngine;

export interface Database {
  engine: Engine;
  orm: MikroORM;
  /** A fresh, request-sized unit of work. */
  em(): SqlEntityManager;
  /** The first row of one select outside any transaction, straight on the driver's pool (`nativeReaders`). */
  readOne: NativeReaders['readOne'];
  /** Every row of one select, the same way (the catalog's pages). */
  readAll: NativeReaders['readAll'];
  close(): Promise<void>;
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
