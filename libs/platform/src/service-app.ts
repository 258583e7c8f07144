import type Koa from 'koa';
import type { Logger } from 'pino';
import type { Authenticator } from './auth/index.ts';
import { authenticate } from './auth/index.ts';
import { jsonBody } from './body.ts';
import { csv } from './config.ts';
import { errorHandler } from './errors.ts';
import { health, type ReadinessCheck } from './health.ts';
import { cors, createHttpApp, requestTimeout } from './http.ts';
import { requestLogging } from './logging.ts';
import { type OpenApiInfo, openApiDocument, type Route, routerFor, serveOpenApi } from './routes.ts';

/** The settings of BaseConfigSchema the HTTP app reads. */
export interface ServiceAppConfig {
  CORS_ORIGINS?: string | undefined;
  GOOGLE_CLOUD_PROJECT?: string | undefined;
  REQUEST_TIMEOUT_MS: number;
  BODY_LIMIT_BYTES: number;
}

/** Routes published in one OpenAPI document, served at `path` (default /openapi.json). */
export interface ApiDocument {
  info: OpenApiInfo;
  routes: readonly Route[];
  path?: string;
}

export interface ServiceAppOptions {
  config: ServiceAppConfig;
  logger: Logger;
  authenticator: Authenticator;
  /** What /readyz checks (the store). */
  readiness: Record<string, ReadinessCheck>;
  /** Every route the service serves, each in the document it is published in. */
  documents: readonly ApiDocument[];
}

/**
 * A service's Koa app: the middleware order, written once for every service. Request id and logger →
 * errors → CORS → probes → OpenAPI documents → time bound → body → caller → routes. No I/O, no listening.
 */
export function createServiceApp({
  config,
  logger,
  authenticator,
  readiness,
  documents,
}: ServiceAppOptions): Koa {
  const app = createHttpApp();
  app.use(requestLogging({ logger, googleCloudProject: config.GOOGLE_CLOUD_PROJECT }));
  app.use(errorHandler());
  app.use(cors(csv(config.CORS_ORIGINS)));
  app.use(health(readiness));
  for (const document of documents)
    app.use(serveOpenApi(openApiDocument(document.info, document.routes), document.path));
  app.use(requestTimeout(config.REQUEST_TIMEOUT_MS));
  app.use(jsonBody({ limit: config.BODY_LIMIT_BYTES }));
  app.use(authenticate(authenticator));
  app.use(routerFor(documents.flatMap((document) => document.routes)));
  return app;
}
