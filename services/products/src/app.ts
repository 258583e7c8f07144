import { createServiceApp } from '@shop/platform';
import type Koa from 'koa';
import type { Deps } from './deps.ts';
import { productRoutes } from './http/product-routes.ts';
import { stockRoutes } from './http/stock-routes.ts';

/** The internal routes' document, under their own prefix. */
export const INTERNAL_OPENAPI_PATH = '/stock/openapi.json';

export type AppDeps = Pick<Deps, 'config' | 'logger' | 'store' | 'authenticator' | 'cursors'>;

/** Composes the products app from its dependencies; no I/O, no listening. */
export function createApp(deps: AppDeps): Koa {
  const { config, store } = deps;
  return createServiceApp({
    config,
    logger: deps.logger,
    authenticator: deps.authenticator,
    readiness: { database: () => store.ping() },
    documents: [
      {
        info: { title: 'Products service', version: '1.0.0', description: 'The catalog of each tenant.' },
        routes: productRoutes({
          store,
          cursors: deps.cursors,
          catalog: {
            publicCatalog: config.PUBLIC_CATALOG,
            defaultTenant: config.DEFAULT_TENANT,
            cache: {
              maxAgeSeconds: config.CATALOG_CACHE_MAX_AGE_SECONDS,
              staleWhileRevalidateSeconds: config.CATALOG_CACHE_STALE_SECONDS,
            },
          },
        }),
      },
      // The orders service's API stays out of the public document. Served under /stock, which no gateway
      // routes, it can be read exactly where its routes can be called.
      {
        info: {
          title: 'Products service: stock reservations (internal)',
          version: '1.0.0',
          description: 'Stock reservations for the orders service only, with its service credential.',
        },
        routes: stockRoutes({ store }),
        path: INTERNAL_OPENAPI_PATH,
      },
    ],
  });
}
