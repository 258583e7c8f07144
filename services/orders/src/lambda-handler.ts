import type Koa from 'koa';
import serverless from 'serverless-http';

/**
 * The app as a Lambda handler for API Gateway REST (v1), HTTP API (v2) and Function URL events. The event
 * rides along on the request, where the platform's authenticator reads authorizer claims.
 */
export function createLambdaHandler(app: Koa): serverless.Handler {
  return serverless(app.callback(), {
    request(req: object, event: unknown) {
      (req as { lambdaEvent?: unknown }).lambdaEvent = event;
    },
  });
}
