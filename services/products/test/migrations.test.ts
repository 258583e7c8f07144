import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import demo from '@shop/database/products/seed/demo-products.json' with { type: 'json' };
import { asTenantId, createLogger } from '@shop/platform';
import type { DevIssuer } from '@shop/platform/dev-issuer';
import { waitFor } from '@shop/reliability/net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, openDatabase } from '../src/data-access/database.ts';
import { applyMigrations } from '../src/data-access/migrations.ts';
import { MikroOrmProductStore } from '../src/data-access/mikro-orm-product-store.ts';
import { seedDemoProducts } from '../src/data-access/seed.ts';
import type { ProductJson } from '../src/domain/product.ts';
import {
  databaseUrlOf,
  newTenant,
  type ProductsUnderTest,
  sqlEngines,
  startIssuer,
  startProducts,
} from './support/harness.ts';

const logger = createLogger({ service: 'products-test', level: 'silent' });
const migrateScript = fileURLToPath(new URL('../src/migrate.ts', import.meta.url));
const run = promisify(execFile);

const executedMigrations = async (database: Database) =>
  (
    await database
      .em()
      .getConnection()
      .execute<{ name: string }[]>('select name from products_schema_migrations order by id')
  ).map((row) => row.name);

/** A scratch database on the same server, for what needs an empty one; dropped afterwards. */
async function scratchDatabase(
  shared: Database,
  url: string,
): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `products_scratch_${randomUUID().slice(0, 8)}`;
  const connection = shared.em().getConnection();
  await connection.execute(`create database ${name}`);
  const target = new URL(url);
  target.pathname = `/${name}`;
  return {
    url: target.toString(),
    drop: async () => {
      await connection.execute(
        shared.engine === 'postgresql' ? `drop database ${name} with (force)` : `drop database ${name}`,
      );
    },
  };
}

let issuer: DevIssuer;
beforeAll(async () => {
  issuer = await startIssuer();
});
afterAll(() => issuer?.close());

describe.each(sqlEngines)('schema migrations on $engine', (target) => {
  it('When migrations run on a fresh store and then again, then the first run applies them and the second nothing', async () => {
    const shared =
      target.engine === 'sqlite' ? undefined : await openDatabase({ url: target.url!, poolMax: 2, logger });
    const scratch = shared ? await scratchDatabase(shared, target.url!) : undefined;
    const database = await openDatabase({
      url: scratch?.url ?? (await databaseUrlOf(target)),
      poolMax: 2,
      logger,
    });
    try {
      const first = await applyMigrations(database);
      const second = await applyMigrations(database);

      expect(first).toEqual(['0001-initial']);
      expect(second).toEqual([]);
      expect(await executedMigrations(database)).toEqual(['0001-initial']);
      const tables = await database
        .em()
        .getConnection()
        .execute<{ n: number }[]>(
          'select (select count(*) from products) + (select count(*) from stock_reservations) + (select count(*) from stock_reservation_lines) as n',
        );
      expect(Number(tables[0]!.n)).toBe(0);
    } finally {
      await database.close();
      await scratch?.drop();
      await shared?.close();
    }
  });

  it.skipIf(target.engine === 'sqlite')(
    'When several instances migrate an empty database at once, then each migration is applied exactly once',
    async () => {
      const shared = await openDatabase({ url: target.url!, poolMax: 2, logger });
      const scratch = await scratchDatabase(shared, target.url!);
      const instances = await Promise.all(
        [1, 2, 3].map(() => openDatabase({ url: scratch.url, poolMax: 2, logger })),
      );
      try {
        const results = await Promise.all(instances.map((instance) => applyMigrations(instance)));

        expect(results.flat()).toEqual(['0001-initial']);
        expect(await executedMigrations(instances[0]!)).toEqual(['0001-initial']);
      } finally {
        await Promise.all(instances.map((instance) => instance.close()));
        await scratch.drop();
        await shared.close();
      }
    },
  );

  it.skipIf(target.engine !== 'postgresql')(
    'When a products migration from an older image holds its lock, then a new one waits for it (same key)',
    async () => {
      const shared = await openDatabase({ url: target.url!, poolMax: 2, logger });
      const scratch = await scratchDatabase(shared, target.url!);
      const older = await openDatabase({ url: scratch.url, poolMax: 1, logger });
      const newer = await openDatabase({ url: scratch.url, poolMax: 2, logger });
      try {
        // What the runner before @shop/database/migrate took (its PG_LOCK_KEY), held in a session.
        const connection = older.em().getConnection();
        await connection.execute('select pg_advisory_lock(727100001)');
        let finished = false;
        const migrating = applyMigrations(newer).then((applied) => {
          finished = true;
          return applied;
        });
        // Seen waiting on an advisory lock in the scratch database: it took the older runner's key.
        const database = new URL(scratch.url).pathname.slice(1);
        await waitFor(
          "the new migration waiting on the older run's lock",
          async () => {
            const [row] = await shared
              .em()
              .getConnection()
              .execute<{ waiting: number | string }[]>(
                "select count(*) as waiting from pg_stat_activity where datname = ? and wait_event = 'advisory'",
                [database],
              );
            return Number(row?.waiting) > 0;
          },
          { withinMs: 10_000 },
        );
        expect(finished).toBe(false);
        await connection.execute('select pg_advisory_unlock(727100001)');

        expect(await migrating).toEqual(['0001-initial']);
      } finally {
        await Promise.all([older.close(), newer.close()]);
        await scratch.drop();
        await shared.close();
      }
    },
  );

  describe('the demo catalog', () => {
    let products: ProductsUnderTest;

    beforeAll(async () => {
      products = await startProducts(target, issuer);
    });
    afterAll(() => products?.close());

    it('When the demo catalog is seeded twice into a store, then its products exist once and the active ones are public', async () => {
      const tenant = newTenant();
      const store = new MikroOrmProductStore(products.deps.database);

      const first = await seedDemoProducts(store, asTenantId(tenant));
      const second = await seedDemoProducts(store, asTenantId(tenant));

      expect(first).toEqual({ tenant, created: 12, existing: 0 });
      expect(second).toEqual({ tenant, created: 0, existing: 12 });
      const page = (await products.api.get('/products?limit=100', { headers: { 'x-tenant-id': tenant } }))
        .body;
      const expected = demo.products.filter((product) => product.is_active);
      expect(page.items.map((product: ProductJson) => product.sku).sort()).toEqual(
        expected.map((product) => product.sku).sort(),
      );
      expect(page.items.find((product: ProductJson) => product.sku === 'COF-ESP-250')).toMatchObject({
        name: 'Espresso Beans 250 g',
        price: 12.9,
        currency: 'USD',
        stock_quantity: 120,
      });
    });

    it('When `migrate.ts --seed` runs against the store, then it exits cleanly and the demo store answers with its known ids', async () => {
      const env = { ...process.env, DATABASE_URL: products.databaseUrl, LOG_LEVEL: 'info' };

      const { stdout } = await run(process.execPath, [migrateScript, '--seed'], { env });

      const lines = stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line));
      expect(lines.map((line) => line.message)).toEqual(['schema is current', 'demo catalog seeded']);
      expect(lines[1]).toMatchObject({ tenant: 'demo' });
      expect(lines[1].created + lines[1].existing).toBe(12);
      const espresso = demo.products[0]!;
      const reply = await products.api.get(`/products/${espresso.product_id}`, {
        headers: { 'x-tenant-id': 'demo' },
      });
      expect(reply.body).toMatchObject({
        product_id: espresso.product_id,
        tenant_id: 'demo',
        sku: espresso.sku,
      });
    });
  });
});
