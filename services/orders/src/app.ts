import { createServiceApp } from '@shop/platform';
import type Koa from 'koa';
import type { Deps } from './deps.ts';
import { CursorCodec } from './domain/cursor.ts';
import { IdempotencyKeys } from './domain/idempotency.ts';
import { OrdersService } from './domain/orders-service.ts';
import { orderRoutes } from './http/routes.ts';

export type AppDeps = Pick<Deps, 'config' | 'logger' | 'store' | 'stock' | 'authenticator' | 'cursorSecret'>;

/** A claim older than this belongs to a request that died: longer than any request may run. */
const STALE_CLAIM_FLOOR_MS = 60_000;

/** Composes the orders app from its dependencies; no I/O, no listening. */
export function createApp(deps: AppDeps): Koa {
  const { config, store, logger } = deps;
  const orders = new OrdersService({
    store,
    stock: deps.stock,
    logger,
    cursors: new CursorCodec(deps.cursorSecret),
    idempotency: new IdempotencyKeys(
      store,
      {
        ttlMs: config.IDEMPOTENCY_TTL_SECONDS * 1000,
        waitMs: config.IDEMPOTENCY_WAIT_MS,
        staleClaimMs: Math.max(STALE_CLAIM_FLOOR_MS, 2 * config.REQUEST_TIMEOUT_MS),
        pollMs: 50,
      },
      logger,
    ),
  });
  return createServiceApp({
    config,
    logger,
    authenticator: deps.authenticator,
    readiness: { store: () => store.ping() },
    documents: [
      {
        info: {
          title: 'Orders service',
          version: '1.0.0',
          description: 'Orders per tenant: placed against the products service’s stock reservations.',
        },
        routes: orderRoutes(orders),
      },
    ],
  });
}
