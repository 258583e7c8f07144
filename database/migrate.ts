import type { MigrationObject, MikroORM } from '@mikro-orm/core';

export type Engine = 'mysql' | 'postgresql' | 'sqlite';

/** Runs one statement under the migration lock (inside its transaction on MySQL and PostgreSQL). */
export type Execute = (
  sql: string,
  params?: readonly unknown[],
  method?: 'all' | 'run',
) => Promise<Record<string, unknown>[]>;

export interface MigrateOptions {
  /** Each migration once, in this order, recorded by name in `table`. Append; never rename. */
  migrations: readonly MigrationObject[];
  /** The table MikroORM's migrator records applied migrations in (id, name, executed_at). */
  table: string;
  /** Serialises concurrent runs: a PostgreSQL advisory lock on its hash, a MySQL GET_LOCK by name. */
  lock: string;
  /**
   * PostgreSQL only: a fixed advisory-lock key instead of the hash of `lock`, for a service whose earlier
   * runner locked on a number, so that an old and a new migration run during a deploy still wait for
   * each other.
   */
  pgLockKey?: number;
  /** Runs under the lock once `table` exists, before the pending migrations are looked up (e.g. carrying over older records). */
  before?: (execute: Execute) => Promise<void>;
}

/**
 * The one migration mechanism of both services: MikroORM's migrator over migrations that are modules (so
 * a bundle carries them; nothing is read from disk), configured here on the service's own ORM. Applies
 * the pending migrations and returns their names (empty when the schema is current). Concurrent runs
 * (several containers starting, parallel test files) are serialised by a database lock, so each
 * migration is applied exactly once. The migrator loads only here, with `await import()` (D13).
 */
export async function applyMigrations(
  orm: MikroORM,
  engine: Engine,
  { migrations, table, lock, pgLockKey, before }: MigrateOptions,
): Promise<string[]> {
  const { Migrator } = await import('@mikro-orm/migrations');
  orm.config.set('migrations', {
    ...orm.config.get('migrations'),
    migrationsList: [...migrations],
    tableName: table,
    snapshot: false,
    snapshotOnMigrate: false,
    silent: true,
    allOrNothing: true,
  });
  const migrator = new Migrator(orm.em as unknown as ConstructorParameters<typeof Migrator>[0]);
  const connection = orm.em.getConnection();
  const names = (applied: { name: string }[]) => applied.map((migration) => migration.name);
  const executeIn =
    (trx?: unknown): Execute =>
    (sql, params = [], method = 'all') =>
      connection.execute(sql, [...params], method, trx as never);
  // SQLite has one connection per process, which a wrapping transaction would hold against the migrator;
  // its own transaction already takes the database's write lock.
  if (engine === 'sqlite') {
    await migrator.getExecuted(); // creates the record table
    await before?.(executeIn());
    return names(await migrator.up());
  }
  return connection.transactional(async (trx) => {
    const execute = executeIn(trx);
    if (engine === 'postgresql') {
      await (pgLockKey === undefined
        ? execute('select pg_advisory_xact_lock(hashtext(?))', [lock])
        : execute('select pg_advisory_xact_lock(?)', [pgLockKey]));
    }
    if (engine === 'mysql') {
      const [row] = await execute('select get_lock(?, 120) as locked', [lock]);
      if (Number(row?.locked) !== 1) throw new Error('could not take the migration lock within 120 s');
    }
    try {
      await migrator.getExecuted(); // creates the record table, now that no other run can
      await before?.(execute);
      return names(await migrator.up({ transaction: trx }));
    } finally {
      if (engine === 'mysql') await execute('select release_lock(?)', [lock]);
    }
  });
}
