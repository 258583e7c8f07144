import type { IncomingMessage } from 'node:http';
import Koa from 'koa';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { authenticate } from '../../src/auth/index.ts';
import { errorHandler } from '../../src/errors.ts';
import { listen } from '../../src/testing/index.ts';
import {
  authenticatorFor,
  createKey,
  type KeyServer,
  sign,
  startKeyServer,
  type TestKey,
} from './support/key-server.ts';

let key: TestKey;
let keyServer: KeyServer;
const env = (extra: Record<string, string> = {}) => ({
  AUTH_PROVIDER: 'oidc',
  AUTH_ISSUER: 'https://id.shop.test',
  AUTH_AUDIENCE: 'shop-api',
  AUTH_JWKS_URL: keyServer.jwksUrl,
  ...extra,
});

beforeAll(async () => {
  key = await createKey();
  keyServer = await startKeyServer(key);
});
afterAll(() => keyServer.close());

/** An app that answers with the principal it sees, served over HTTP like the services. */
async function serve(authEnv: Record<string, string>, lambdaEvent?: unknown): Promise<string> {
  const app = new Koa();
  app.use(errorHandler());
  app.use(authenticate(authenticatorFor(authEnv)));
  app.use((ctx) => {
    ctx.body = { principal: ctx.state.principal ?? null };
  });
  const callback = app.callback();
  // What the services' lambda.ts does through serverless-http's request hook.
  const server = await listen((request, response) => {
    if (lambdaEvent !== undefined)
      (request as IncomingMessage & { lambdaEvent?: unknown }).lambdaEvent = lambdaEvent;
    return callback(request, response);
  });
  onTestFinished(() => server.close());
  return server.url;
}

const token = (claims: Record<string, unknown> = {}) =>
  sign(key, { iss: 'https://id.shop.test', aud: 'shop-api', sub: 'user-1', tenant_id: 'acme', ...claims });

describe('authenticate middleware', () => {
  it('When a request has no credentials, then it reaches the route with no principal', async () => {
    const response = await fetch(await serve(env()));

    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ principal: null });
  });

  it('When a valid bearer token arrives, then ctx.state.principal is the caller', async () => {
    const response = await fetch(await serve(env()), {
      headers: { authorization: `Bearer ${await token()}` },
    });

    expect(await response.json()).toEqual({
      principal: { tenantId: 'acme', userId: 'user-1', email: null, roles: ['customer'], provider: 'oidc' },
    });
  });

  it('When the token is refused, then 401 problem+json with a Bearer challenge', async () => {
    const expired = await token({ exp: Math.floor(Date.now() / 1000) - 60 });

    const response = await fetch(await serve(env()), { headers: { authorization: `Bearer ${expired}` } });

    expect(response.status).toBe(401);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(response.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
    expect(await response.json()).toMatchObject({
      status: 401,
      code: 'unauthenticated',
      detail: 'The bearer token has expired.',
    });
  });

  it('When the token has no tenant, then 403 tenant_missing names the claim', async () => {
    const response = await fetch(await serve(env()), {
      headers: { authorization: `Bearer ${await token({ tenant_id: undefined })}` },
    });

    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({
      code: 'tenant_missing',
      detail: 'The token has no tenant claim: expected "tenant_id".',
    });
  });

  it('When the signing keys cannot be fetched, then 503 with Retry-After', async () => {
    const response = await fetch(await serve(env({ AUTH_JWKS_URL: 'http://127.0.0.1:9/jwks.json' })), {
      headers: { authorization: `Bearer ${await token()}` },
    });

    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('5');
    expect(await response.json()).toMatchObject({ code: 'dependency_unavailable' });
  });

  it('When serverless-http attached an API Gateway event, then its authorizer claims are the caller', async () => {
    const event = {
      version: '2.0',
      requestContext: {
        authorizer: {
          jwt: { claims: { sub: 'u-7', 'custom:tenant_id': 'acme', 'cognito:groups': '[admin]' } },
        },
      },
    };

    const response = await fetch(await serve(env({ AUTH_GATEWAY_SOURCES: 'apigateway' }), event));

    expect(await response.json()).toEqual({
      principal: { tenantId: 'acme', userId: 'u-7', email: null, roles: ['admin'], provider: 'apigateway' },
    });
  });

  it('When a gateway is trusted but sent no claims, then a bearer token is still verified', async () => {
    const response = await fetch(await serve(env({ AUTH_GATEWAY_SOURCES: 'easyauth' })), {
      headers: { authorization: `Bearer ${await token()}` },
    });

    expect(await response.json()).toMatchObject({ principal: { userId: 'user-1', provider: 'oidc' } });
  });
});
