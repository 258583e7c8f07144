import { runServer } from '@shop/platform';
import { createApp } from './app.ts';
import { loadProductsConfig } from './config.ts';
import { buildDeps } from './deps.ts';

/** `node src/server.ts`: listen on PORT until SIGTERM, then drain and close the pools. */
if (import.meta.main)
  await runServer({ service: 'products', loadConfig: loadProductsConfig, buildDeps, createApp });
