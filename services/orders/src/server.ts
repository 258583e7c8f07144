import { serve, startOrExit } from '@shop/platform';
import { createApp } from './app.ts';
import { loadOrdersConfig } from './config.ts';
import { buildDeps } from './deps.ts';

/** `node src/server.ts`: listen on PORT until SIGTERM, then drain and close the store. */
async function main(): Promise<void> {
  const config = loadOrdersConfig();
  const deps = await buildDeps(config);
  await serve(createApp(deps).callback(), {
    port: config.PORT,
    host: config.HOST,
    logger: deps.logger,
    shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    onShutdown: [() => deps.close()],
  });
}

if (import.meta.main) await startOrExit('orders', main);
