import { createLogger, startOrExit } from '@shop/platform';
import { loadOrdersConfig } from './config.ts';
import { openOrderStore } from './data-access/index.ts';

/**
 * `node src/migrate.ts`: applies the SQL migrations of DATABASE_URL's engine, or creates the DynamoDB
 * table with its indexes and TTL. Deployments run it once before starting the new version.
 */
async function main(): Promise<void> {
  const config = loadOrdersConfig();
  const logger = createLogger({ service: 'orders-migrate', level: config.LOG_LEVEL });
  const store = await openOrderStore(config, logger, { migrate: true });
  await store.close();
  logger.info({ store: store.engine }, 'orders store is up to date');
}

if (import.meta.main) await startOrExit('orders-migrate', main);
