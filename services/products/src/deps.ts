import {
  type Authenticator,
  authSettingsFromConfig,
  createAuthenticator,
  createLogger,
  type Logger,
} from '@shop/platform';
import type { ProductsConfig } from './config.ts';
import { type Database, openDatabase } from './data-access/database.ts';
import { applyMigrations } from './data-access/migrations.ts';
import { MikroOrmProductStore } from './data-access/mikro-orm-product-store.ts';
import type { ProductStore } from './domain/ports.ts';
import { type CursorCodec, createCursorCodec } from './http/cursor.ts';

/** Everything the app needs, built once per process and passed in; tests build their own. */
export interface Deps {
  config: ProductsConfig;
  logger: Logger;
  database: Database;
  store: ProductStore;
  authenticator: Authenticator;
  cursors: CursorCodec;
  /** Closes the pools; idempotent. */
  close(): Promise<void>;
}

export async function buildDeps(config: ProductsConfig, options: { logger?: Logger } = {}): Promise<Deps> {
  const logger = options.logger ?? createLogger({ service: 'products', level: config.LOG_LEVEL });
  // Auth settings first: a misconfiguration fails before any connection is opened.
  const authenticator = createAuthenticator(authSettingsFromConfig(config));
  const database = await openDatabase({
    url: config.DATABASE_URL,
    poolMax: config.DB_POOL_MAX,
    acquireTimeoutMs: config.DB_ACQUIRE_TIMEOUT_MS,
    logger,
  });
  if (config.MIGRATE_ON_START) {
    const applied = await applyMigrations(database);
    logger.info({ applied, engine: database.engine }, 'migrations applied on start');
  }
  let closing: Promise<void> | undefined;
  return {
    config,
    logger,
    database,
    store: new MikroOrmProductStore(database, { logger }),
    authenticator,
    // Cursors are not secrets; the key only makes edits detectable, and is the same on every instance.
    cursors: createCursorCodec(config.SERVICE_TOKEN_SECRET ?? 'products'),
    close: () => {
      closing ??= database.close();
      return closing;
    },
  };
}
