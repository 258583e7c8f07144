import type { MigrationObject } from '@mikro-orm/core';
import type { Migrator } from '@mikro-orm/migrations';
import { migrations as mysqlMigrations } from '../../../../database/products/mysql/index.ts';
import { migrations as postgresqlMigrations } from '../../../../database/products/postgresql/index.ts';
import { migrations as sqliteMigrations } from '../../../../database/products/sqlite/index.ts';
import type { Database, Engine } from './database.ts';

export const migrationsOf = (engine: Engine): MigrationObject[] =>
  ({ mysql: mysqlMigrations, postgresql: postgresqlMigrations, sqlite: sqliteMigrations })[engine];

/** Arbitrary, fixed: the key of the lock that serialises concurrent migration runs. */
const PG_LOCK_KEY = 727_100_001;
const MYSQL_LOCK_NAME = 'products_schema_migrations';

/**
 * Applies the pending migrations of the configured engine and returns their names (empty when the schema
 * is current). Concurrent runs — several containers starting with MIGRATE_ON_START, parallel test
 * files — are serialised by a database lock, so each migration is applied exactly once.
 */
export async function applyMigrations(database: Database): Promise<string[]> {
  const connection = database.em().getConnection();
  const migrator = database.orm.migrator as unknown as Migrator;
  const names = (applied: { name: string }[]) => applied.map((migration) => migration.name);
  // SQLite has one connection per process, which a wrapping transaction would hold against the migrator;
  // its own transaction already takes the database's write lock.
  if (database.engine === 'sqlite') return names(await migrator.up());
  return connection.transactional(async (trx) => {
    if (database.engine === 'postgresql') {
      await connection.execute('select pg_advisory_xact_lock(?)', [PG_LOCK_KEY], 'all', trx);
    }
    if (database.engine === 'mysql') {
      const [row] = await connection.execute<{ locked: number | null }[]>(
        'select get_lock(?, 120) as locked',
        [MYSQL_LOCK_NAME],
        'all',
        trx,
      );
      if (row?.locked !== 1) throw new Error('could not take the migration lock within 120 s');
    }
    try {
      return names(await migrator.up({ transaction: trx }));
    } finally {
      if (database.engine === 'mysql') {
        await connection.execute('select release_lock(?)', [MYSQL_LOCK_NAME], 'all', trx);
      }
    }
  });
}
