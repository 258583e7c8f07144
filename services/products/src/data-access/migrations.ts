import type { Database } from './database.ts';

/**
 * Applies the pending products migrations of the configured engine and returns their names (empty when
 * the schema is current), with the runner orders uses too (`@shop/database/migrate`: MikroORM's migrator,
 * a database lock against concurrent runs), recorded in `products_schema_migrations`. Loaded with
 * `await import()` on the migration path only: a server that does not migrate on start never loads
 * @mikro-orm/migrations (its runner, storage and generators are ~10 % of a cold start's module code).
 */
export async function applyMigrations(database: Database): Promise<string[]> {
  const [{ applyMigrations: apply }, { productsMigrations }] = await Promise.all([
    import('@shop/database/migrate'),
    import('@shop/database/products'),
  ]);
  return apply(database.orm, database.engine, {
    migrations: productsMigrations[database.engine],
    table: 'products_schema_migrations',
    lock: 'products_schema_migrations',
    // The key the earlier products runner locked on: old and new runs during a deploy wait for each other.
    pgLockKey: 727_100_001,
  });
}
