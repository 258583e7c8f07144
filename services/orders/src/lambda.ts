import { lambdaHandlerFor } from '@shop/platform/lambda';
import { createApp } from './app.ts';
import { loadOrdersConfig } from './config.ts';
import { buildDeps } from './deps.ts';

/** The Lambda handler (API Gateway REST v1, HTTP API v2, Function URL events) for the zip deployment. */
export const handler = await lambdaHandlerFor({
  service: 'orders',
  loadConfig: loadOrdersConfig,
  buildDeps,
  createApp,
});
