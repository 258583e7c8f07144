import { parseArgs } from 'node:util';
import { asTenantId, createLogger, startOrExit } from '@shop/platform';
import { loadProductsConfig } from './config.ts';
import { openDatabase } from './data-access/database.ts';
import { applyMigrations } from './data-access/migrations.ts';
import { MikroOrmProductStore } from './data-access/mikro-orm-product-store.ts';
import { seedDemoProducts } from './data-access/seed.ts';

/**
 * `node src/migrate.ts [--seed] [--tenant <id>]`: applies the pending migrations of the engine named by
 * DATABASE_URL (recorded in products_schema_migrations; safe to run again and concurrently), then
 * optionally loads the demo catalog.
 */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { seed: { type: 'boolean', default: false }, tenant: { type: 'string' } },
  });
  const config = loadProductsConfig();
  const logger = createLogger({ service: 'products-migrate', level: config.LOG_LEVEL });
  const database = await openDatabase({ url: config.DATABASE_URL, poolMax: 2, logger });
  try {
    const applied = await applyMigrations(database);
    logger.info(
      { engine: database.engine, applied },
      applied.length ? 'migrations applied' : 'schema is current',
    );
    if (values.seed) {
      const store = new MikroOrmProductStore(database);
      const tenant = values.tenant === undefined ? undefined : asTenantId(values.tenant, '--tenant');
      logger.info(await seedDemoProducts(store, tenant), 'demo catalog seeded');
    }
  } finally {
    await database.close();
  }
}

if (import.meta.main) await startOrExit('products-migrate', main);
