import type { Database } from './database.ts';

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
  const migrator = await migratorOf(database);
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

/**
 * The migrator, loaded and registered on first use: a server that does not migrate on start never loads
 * @mikro-orm/migrations (its runner, storage and generators are ~10 % of a cold start's module code).
 */
async function migratorOf(database: Database) {
  const { Migrator } = await import('@mikro-orm/migrations');
  if (!database.orm.config.getExtension('@mikro-orm/migrator')) Migrator.register(database.orm);
  return database.orm.migrator as unknown as InstanceType<typeof Migrator>;
}
