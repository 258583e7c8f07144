import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from '@shop/platform';
import type { SqlDatabase } from './sql-database.ts';

/**
 * `database/orders`: beside the bundle in the image (`/app/dist/chunks/*.mjs` → `/app/database/orders`),
 * in the repository when the bundle runs from `services/orders/dist/chunks`, or at the repository root
 * when running from source (`src/data-access/sql`). MIGRATIONS_DIR overrides all of them.
 */
export function defaultMigrationsDir(): string {
  const source = fileURLToPath(new URL('../../../../../database/orders', import.meta.url));
  const candidates = [
    new URL('../../database/orders', import.meta.url),
    new URL('../../../../database/orders', import.meta.url),
  ].map((url) => fileURLToPath(url));
  return import.meta.url.includes('/src/data-access/')
    ? source
    : (candidates.find((dir) => existsSync(dir)) ?? candidates[0]!);
}

const MIGRATION_FILE = /^V(\d{3,})__[\w-]+\.sql$/;

/** Statements of a migration file: `--` comments dropped, split at semicolons that end a line. */
export const statementsOf = (sql: string): string[] =>
  sql
    .split('\n')
    .filter((line) => !line.trim().startsWith('--'))
    .join('\n')
    .split(/;\s*$/m)
    .map((statement) => statement.trim())
    .filter(Boolean);

/**
 * Applies `database/orders/<engine>/V*.sql` in version order, each once, recorded in
 * `orders_schema_migrations`. Concurrent runners (several instances starting) take a lock first:
 * an advisory lock on PostgreSQL, GET_LOCK on MySQL; SQLite's transaction is itself exclusive.
 */
export async function migrateSql(
  db: SqlDatabase,
  logger: Logger,
  dir = defaultMigrationsDir(),
): Promise<string[]> {
  const folder = join(dir, db.engine);
  const files = (await readdir(folder)).filter((name) => MIGRATION_FILE.test(name)).sort();
  const applied: string[] = [];

  await db.transaction(async (trx) => {
    if (db.engine === 'postgresql')
      await db.all(`SELECT pg_advisory_xact_lock(hashtext('orders_schema_migrations'))`, [], trx);
    if (db.engine === 'mysql')
      await db.all(`SELECT GET_LOCK('orders_schema_migrations', 60) AS locked`, [], trx);
    try {
      await db.run(
        'CREATE TABLE IF NOT EXISTS orders_schema_migrations (version VARCHAR(64) NOT NULL PRIMARY KEY, applied_at VARCHAR(30) NOT NULL)',
        [],
        trx,
      );
      const done = new Set(
        (await db.all('SELECT version FROM orders_schema_migrations', [], trx)).map((row) =>
          String(row.version),
        ),
      );
      for (const file of files) {
        const version = file.replace(/\.sql$/, '');
        if (done.has(version)) continue;
        for (const statement of statementsOf(await readFile(join(folder, file), 'utf8'))) {
          await db.run(statement, [], trx);
        }
        await db.run(
          'INSERT INTO orders_schema_migrations (version, applied_at) VALUES (?, ?)',
          [version, new Date().toISOString()],
          trx,
        );
        applied.push(version);
        logger.info({ engine: db.engine, version }, 'applied migration');
      }
    } finally {
      if (db.engine === 'mysql')
        await db.all(`SELECT RELEASE_LOCK('orders_schema_migrations') AS released`, [], trx);
    }
  });
  return applied;
}
