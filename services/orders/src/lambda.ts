import { startOrExit } from '@shop/platform';
import { createApp } from './app.ts';
import { loadOrdersConfig } from './config.ts';
import { buildDeps } from './deps.ts';
import { createLambdaHandler } from './lambda-handler.ts';

// Built once per execution environment (during init, outside any request), reused by every invocation. A
// bad configuration is one log line and a failed init, which Lambda reports and retries.
const deps = await startOrExit('orders', () => buildDeps(loadOrdersConfig()));

export const handler = createLambdaHandler(createApp(deps));
