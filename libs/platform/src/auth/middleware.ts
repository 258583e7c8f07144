import type { Middleware } from 'koa';
import type { Authenticator } from './authenticator.ts';

/**
 * Sets `ctx.state.principal` to the caller, or leaves it undefined when no credentials arrived: route
 * guards decide what needs one. Refused credentials throw (401, or 403 without a tenant).
 */
export function authenticate(authenticator: Authenticator): Middleware {
  return async function authenticateRequest(ctx, next) {
    // serverless-http hands the API Gateway event over on the request (see the services' lambda.ts).
    const { lambdaEvent } = ctx.req as { lambdaEvent?: unknown };
    ctx.state.principal =
      (await authenticator.authenticate({ headers: ctx.req.headers, lambdaEvent })) ?? undefined;
    await next();
  };
}
