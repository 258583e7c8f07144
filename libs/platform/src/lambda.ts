import type Koa from 'koa';
import serverless from 'serverless-http';
import { type ServiceDefinition, startOrExit } from './entry-point.ts';

/**
 * The app as a Lambda handler for API Gateway REST (v1), HTTP API (v2) and Function URL events. The event
 * rides along on the request, where the platform's authenticator reads authorizer claims. A sub-path
 * (`@shop/platform/lambda`): servers never load serverless-http.
 */
export function createLambdaHandler(app: Koa): serverless.Handler {
  return serverless(app.callback(), {
    request(req: object, event: unknown) {
      (req as { lambdaEvent?: unknown }).lambdaEvent = event;
    },
  });
}

/**
 * `lambda.ts`: the service built once per execution environment (during init, outside any request) and
 * reused by every invocation. A bad configuration is one log line and a failed init, which Lambda reports
 * and retries.
 */
export async function lambdaHandlerFor<Config, Deps>(
  definition: ServiceDefinition<Config, Deps>,
): Promise<serverless.Handler> {
  const deps = await startOrExit(definition.service, () => definition.buildDeps(definition.loadConfig()));
  return createLambdaHandler(definition.createApp(deps));
}
