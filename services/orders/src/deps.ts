import { createHmac } from 'node:crypto';
import {
  type Authenticator,
  authSettingsFromConfig,
  createAuthenticator,
  createLogger,
  createServiceTokenIssuer,
  type Logger,
} from '@shop/platform';
import type { OrdersConfig } from './config.ts';
import { openOrderStore } from './data-access/index.ts';
import { createProductsClient } from './data-access/products-client.ts';
import type { OrderStore, StockReservations } from './domain/ports.ts';

/** Everything the app needs, built once per process and passed in; tests build their own or override parts. */
export interface Deps {
  config: OrdersConfig;
  logger: Logger;
  store: OrderStore;
  stock: StockReservations;
  authenticator: Authenticator;
  /** Key of the page cursors' signatures: the same on every instance. */
  cursorSecret: string;
  /** Closes the store's pool or client; idempotent. */
  close(): Promise<void>;
}

export interface BuildOptions {
  logger?: Logger;
  /** Create the tables first (defaults to MIGRATE_ON_START). */
  migrate?: boolean;
}

export async function buildDeps(config: OrdersConfig, options: BuildOptions = {}): Promise<Deps> {
  const logger = options.logger ?? createLogger({ service: 'orders', level: config.LOG_LEVEL });
  // Auth and service credentials first: a misconfiguration fails before any connection is opened.
  const authenticator = createAuthenticator(authSettingsFromConfig(config));
  const serviceTokens = createServiceTokenIssuer({
    secret: config.SERVICE_TOKEN_SECRET,
    issuer: config.SERVICE_NAME,
    audience: 'products',
    scopes: ['stock:reserve'],
  });
  const stock = createProductsClient({
    baseUrl: config.PRODUCTS_URL,
    tokenFor: (tenantId) => serviceTokens.tokenFor(tenantId),
    timeoutMs: config.PRODUCTS_TIMEOUT_MS,
    retries: config.PRODUCTS_RETRIES,
    logger,
  });
  const store = await openOrderStore(config, logger, { migrate: options.migrate ?? config.MIGRATE_ON_START });
  let closing: Promise<void> | undefined;
  return {
    config,
    logger,
    store,
    stock,
    authenticator,
    cursorSecret:
      config.CURSOR_SECRET ??
      createHmac('sha256', config.SERVICE_TOKEN_SECRET).update('orders cursors').digest('hex'),
    close: () => {
      closing ??= store.close();
      return closing;
    },
  };
}
