import { afterEach, describe, expect, it } from 'vitest';
import { migrateSql } from '../src/data-access/sql/migrations.ts';
import { openSqlDatabase, type SqlDatabase } from '../src/data-access/sql/sql-database.ts';
import { type ProvisionedStore, provisionStore, storeTargets, testLogger } from './helpers/harness.ts';

const sqlTargets = storeTargets().filter((target) => target.engine !== 'dynamodb');

const recorded = async (db: SqlDatabase) =>
  (await db.all('SELECT name FROM orders_migrations ORDER BY id')).map((row) => String(row.name));

const ordersRows = async (db: SqlDatabase) =>
  Number((await db.all('SELECT COUNT(*) AS n FROM orders'))[0]!.n);

describe.each(sqlTargets)('orders schema migrations on $engine', (target) => {
  const opened: SqlDatabase[] = [];
  let provisioned: ProvisionedStore | undefined;
  const open = async () => {
    provisioned ??= await provisionStore(target, 'migrations');
    const db = await openSqlDatabase(provisioned.env.DATABASE_URL!, 2);
    opened.push(db);
    return db;
  };

  afterEach(async () => {
    await Promise.all(opened.splice(0).map((db) => db.close()));
    await provisioned?.drop();
    provisioned = undefined;
  });

  it('When migrations run on a fresh store and then again, then the first run applies them and the second nothing', async () => {
    const db = await open();

    expect(await migrateSql(db, testLogger())).toEqual(['V001__create_orders']);
    expect(await migrateSql(db, testLogger())).toEqual([]);
    expect(await recorded(db)).toEqual(['V001__create_orders']);
    expect(await ordersRows(db)).toBe(0);
  });

  it.skipIf(target.engine === 'sqlite')(
    'When several instances migrate an empty database at once, then each migration is applied exactly once',
    async () => {
      const instances = [await open(), await open(), await open()];

      const results = await Promise.all(instances.map((db) => migrateSql(db, testLogger())));

      expect(results.flat()).toEqual(['V001__create_orders']);
      expect(await recorded(instances[0]!)).toEqual(['V001__create_orders']);
    },
  );

  it('When a store was migrated by the earlier versioned-SQL runner, then its record is carried over and nothing is applied again', async () => {
    const db = await open();
    await migrateSql(db, testLogger());
    // The earlier runner's state: the schema, and its own record table instead of the migrator's.
    await db.run('DROP TABLE orders_migrations');
    await db.run(
      'CREATE TABLE orders_schema_migrations (version VARCHAR(64) NOT NULL PRIMARY KEY, applied_at VARCHAR(30) NOT NULL)',
    );
    await db.run('INSERT INTO orders_schema_migrations (version, applied_at) VALUES (?, ?)', [
      'V001__create_orders',
      '2026-01-01T00:00:00.000Z',
    ]);

    const [first, second] = await Promise.all([
      migrateSql(db, testLogger()),
      migrateSql(await open(), testLogger()),
    ]);

    expect([...first, ...second]).toEqual([]);
    expect(await recorded(db)).toEqual(['V001__create_orders']);
    const legacy = await db.all(
      target.engine === 'sqlite'
        ? "SELECT name FROM sqlite_master WHERE name = 'orders_schema_migrations'"
        : `SELECT table_name FROM information_schema.tables WHERE table_name = 'orders_schema_migrations' AND table_schema = ${target.engine === 'mysql' ? 'DATABASE()' : 'current_schema()'}`,
    );
    expect(legacy).toEqual([]);
  });
});
