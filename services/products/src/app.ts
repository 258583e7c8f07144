import {
  authenticate,
  cors,
  createHttpApp,
  csv,
  errorHandler,
  health,
  jsonBody,
  openApiDocument,
  requestLogging,
  requestTimeout,
  routerFor,
  serveOpenApi,
} from '@shop/platform';
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
  const catalogRoutes = productRoutes({
    store,
    cursors: deps.cursors,
    catalog: { publicCatalog: config.PUBLIC_CATALOG, defaultTenant: config.DEFAULT_TENANT },
  });
  const internalRoutes = stockRoutes({ store });
  const openapi = openApiDocument(
    { title: 'Products service', version: '1.0.0', description: 'The catalog of each tenant.' },
    catalogRoutes,
  );
  // The orders service's API stays out of the public document. Served under /stock, which no gateway
  // routes, it can be read exactly where its routes can be called.
  const internalOpenapi = openApiDocument(
    {
      title: 'Products service: stock reservations (internal)',
      version: '1.0.0',
      description: 'Stock reservations for the orders service only, with its service credential.',
    },
    internalRoutes,
  );

  const app = createHttpApp();
  app.use(requestLogging({ logger: deps.logger, googleCloudProject: config.GOOGLE_CLOUD_PROJECT }));
  app.use(errorHandler());
  app.use(cors(csv(config.CORS_ORIGINS)));
  app.use(health({ database: () => store.ping() }));
  app.use(serveOpenApi(openapi));
  app.use(serveOpenApi(internalOpenapi, INTERNAL_OPENAPI_PATH));
  app.use(requestTimeout(config.REQUEST_TIMEOUT_MS));
  app.use(jsonBody({ limit: config.BODY_LIMIT_BYTES }));
  app.use(authenticate(deps.authenticator));
  app.use(routerFor([...catalogRoutes, ...internalRoutes]));
  return app;
}
