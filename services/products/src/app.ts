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

export type AppDeps = Pick<Deps, 'config' | 'logger' | 'repository' | 'authenticator' | 'cursors'>;

/** Composes the products app from its dependencies; no I/O, no listening. */
export function createApp(deps: AppDeps): Koa {
  const { config, repository } = deps;
  const routes = [
    ...productRoutes({
      repository,
      cursors: deps.cursors,
      catalog: { publicCatalog: config.PUBLIC_CATALOG, defaultTenant: config.DEFAULT_TENANT },
    }),
    ...stockRoutes({ repository }),
  ];
  const openapi = openApiDocument(
    {
      title: 'Products service',
      version: '1.0.0',
      description: 'Catalog and stock reservations, per tenant.',
    },
    routes,
  );

  const app = createHttpApp();
  app.use(requestLogging({ logger: deps.logger, googleCloudProject: config.GOOGLE_CLOUD_PROJECT }));
  app.use(errorHandler());
  app.use(cors(csv(config.CORS_ORIGINS)));
  app.use(health({ database: () => repository.ping() }));
  app.use(serveOpenApi(openapi));
  app.use(requestTimeout(config.REQUEST_TIMEOUT_MS));
  app.use(jsonBody({ limit: config.BODY_LIMIT_BYTES }));
  app.use(authenticate(deps.authenticator));
  app.use(routerFor(routes));
  return app;
}
