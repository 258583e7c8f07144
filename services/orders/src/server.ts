import { runServer } from '@shop/platform';
import { createApp } from './app.ts';
import { loadOrdersConfig } from './config.ts';
import { buildDeps } from './deps.ts';

/** `node src/server.ts`: listen on PORT until SIGTERM, then drain and close the store. */
if (import.meta.main)
  await runServer({ service: 'orders', loadConfig: loadOrdersConfig, buildDeps, createApp });
