import type { Logger } from '@shop/platform';
import type { SqlDatabase } from './sql-database.ts';

/**
 * Applies the orders migrations of the database's engine with the runner products uses too
 * (`@shop/database/migrate`: MikroORM's migrator, a database lock against concurrent runs), recorded in
 * `orders_migrations`. The migrations are modules of `@shop/database/orders`, so the bundle carries them.
 * Loaded with `await import()` on the migration path only (D13).
 */
export async function migrateSql(db: SqlDatabase, logger: Logger): Promise<string[]> {
  const [{ applyMigrations }, { ordersMigrations, ORDERS_MIGRATIONS_TABLE, carryOverVersionedSqlRecords }] =
    await Promise.all([import('@shop/database/migrate'), import('@shop/database/orders')]);
  const applied = await applyMigrations(db.orm, db.engine, {
    migrations: ordersMigrations[db.engine],
    table: ORDERS_MIGRATIONS_TABLE,
    lock: 'orders_schema_migrations', // the earlier runner's lock name: old and new runs wait for each other
    before: (execute) => carryOverVersionedSqlRecords(execute, db.engine),
  });
  for (const version of applied) logger.info({ engine: db.engine, version }, 'applied migration');
  return applied;
}
