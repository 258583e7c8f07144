import { createApp } from './app.ts';
import { loadProductsConfig } from './config.ts';
import { buildDeps } from './deps.ts';
import { createLambdaHandler } from './lambda-handler.ts';

// Built once per execution environment (during init, outside any request), reused by every invocation.
const deps = await buildDeps(loadProductsConfig());

export const handler = createLambdaHandler(createApp(deps));
