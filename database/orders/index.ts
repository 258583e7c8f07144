import type { MigrationObject } from '@mikro-orm/core';
import type { Engine, Execute } from '../migrate.ts';
import { migrations as mysql } from './mysql/index.ts';
import { migrations as postgresql } from './postgresql/index.ts';
import { migrations as sqlite } from './sqlite/index.ts';

/** The orders schema's migrations on each engine, in the order they apply. */
export const ordersMigrations: Readonly<Record<Engine, MigrationObject[]>> = { mysql, postgresql, sqlite };

/** Where the migrator records the applied orders migrations. */
export const ORDERS_MIGRATIONS_TABLE = 'orders_migrations';

const LEGACY_TABLE = 'orders_schema_migrations';

const tableExists: Record<Engine, string> = {
  sqlite: "select name from sqlite_master where type = 'table' and name = ?",
  mysql:
    'select table_name from information_schema.tables where table_schema = database() and table_name = ?',
  postgresql:
    'select table_name from information_schema.tables where table_schema = current_schema() and table_name = ?',
};

/**
 * Carries over the records of the versioned-SQL runner orders used before (`orders_schema_migrations`:
 * version, applied_at; its versions are the migrations' names here), so a deployment it migrated applies
 * nothing twice; then drops that table. Runs under the migration lock, once per deployment in effect.
 */
export async function carryOverVersionedSqlRecords(execute: Execute, engine: Engine): Promise<void> {
  if ((await execute(tableExists[engine], [LEGACY_TABLE])).length === 0) return;
  await execute(
    `insert into ${ORDERS_MIGRATIONS_TABLE} (name) select version from ${LEGACY_TABLE}` +
      ` where version not in (select name from ${ORDERS_MIGRATIONS_TABLE})`,
    [],
    'run',
  );
  await execute(`drop table ${LEGACY_TABLE}`, [], 'run');
}
