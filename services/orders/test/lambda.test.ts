import { randomUUID } from 'node:crypto';
import type { DevIssuer } from '@shop/platform/dev-issuer';
import { createLambdaHandler } from '@shop/platform/lambda';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createApp } from '../src/app.ts';
import { buildDeps, type Deps } from '../src/deps.ts';
import {
  apiOf,
  newTenant,
  ordersConfig,
  type ProductsService,
  type ProvisionedStore,
  provisionStore,
  seedProduct,
  startIssuer,
  startProducts,
  testLogger,
  tokensOf,
} from './helpers/harness.ts';

type Handler = ReturnType<typeof createLambdaHandler>;
interface LambdaResult {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
  isBase64Encoded: boolean;
}

/** API Gateway REST API (payload 1.0) proxy event. */
function restEvent(
  method: string,
  path: string,
  options: { headers?: Record<string, string>; body?: unknown; query?: Record<string, string> } = {},
) {
  const headers = {
    host: 'abc123.execute-api.eu-west-1.amazonaws.com',
    'content-type': 'application/json',
    ...options.headers,
  };
  return {
    resource: '/{proxy+}',
    path,
    httpMethod: method,
    headers,
    multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, [value]])),
    queryStringParameters: options.query ?? null,
    multiValueQueryStringParameters: options.query
      ? Object.fromEntries(Object.entries(options.query).map(([name, value]) => [name, [value]]))
      : null,
    pathParameters: { proxy: path.slice(1) },
    stageVariables: null,
    requestContext: {
      accountId: '123456789012',
      apiId: 'abc123',
      httpMethod: method,
      path: `/prod${path}`,
      stage: 'prod',
      requestId: randomUUID(),
      requestTimeEpoch: Date.now(),
      resourcePath: '/{proxy+}',
      identity: { sourceIp: '203.0.113.7', userAgent: 'vitest' },
    },
    body: options.body === undefined ? null : JSON.stringify(options.body),
    isBase64Encoded: false,
  };
}

/** API Gateway HTTP API (payload 2.0) event; `claims` as a JWT authorizer puts them. */
function httpApiEvent(
  method: string,
  path: string,
  options: {
    headers?: Record<string, string>;
    body?: unknown;
    rawQueryString?: string;
    claims?: Record<string, unknown>;
    base64?: boolean;
  } = {},
) {
  const body = options.body === undefined ? undefined : JSON.stringify(options.body);
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: path,
    rawQueryString: options.rawQueryString ?? '',
    headers: {
      host: 'abc123.execute-api.eu-west-1.amazonaws.com',
      'content-type': 'application/json',
      ...options.headers,
    },
    requestContext: {
      accountId: '123456789012',
      apiId: 'abc123',
      domainName: 'abc123.execute-api.eu-west-1.amazonaws.com',
      domainPrefix: 'abc123',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '203.0.113.7', userAgent: 'vitest' },
      requestId: randomUUID(),
      routeKey: '$default',
      stage: '$default',
      time: new Date().toUTCString(),
      timeEpoch: Date.now(),
      ...(options.claims ? { authorizer: { jwt: { claims: options.claims, scopes: null } } } : {}),
    },
    ...(body === undefined ? {} : { body: options.base64 ? Buffer.from(body).toString('base64') : body }),
    isBase64Encoded: Boolean(options.base64),
  };
}

const invoke = async (handler: Handler, event: object) => {
  const result = (await handler(event, { awsRequestId: randomUUID() })) as LambdaResult;
  const text = result.isBase64Encoded ? Buffer.from(result.body, 'base64').toString() : result.body;
  return { ...result, json: text ? JSON.parse(text) : undefined };
};

describe('Orders on Lambda through serverless-http', () => {
  let issuer: DevIssuer;
  let products: ProductsService;
  let store: ProvisionedStore;
  let deps: Deps;
  let gatewayDeps: Deps;
  let handler: Handler;
  let gatewayHandler: Handler;

  beforeAll(async () => {
    issuer = await startIssuer();
    products = await startProducts(issuer);
    store = await provisionStore({ engine: 'sqlite', url: undefined }, 'lambda');
    deps = await buildDeps(ordersConfig(issuer, products.url, store.env), { logger: testLogger() });
    handler = createLambdaHandler(createApp(deps));
    // Behind an API Gateway JWT authorizer (Cognito claims), the service trusts the event's claims.
    gatewayDeps = await buildDeps(
      ordersConfig(issuer, products.url, store.env, {
        AUTH_GATEWAY_SOURCES: 'apigateway',
        MIGRATE_ON_START: 'false',
      }),
      { logger: testLogger() },
    );
    gatewayHandler = createLambdaHandler(createApp(gatewayDeps));
  });

  afterAll(async () => {
    await gatewayDeps?.close();
    await deps?.close();
    await store?.drop();
    await products?.close();
    await issuer?.close();
  });

  async function shopWithWidget() {
    const tenant = newTenant();
    const tokens = tokensOf(issuer);
    const admin = await tokens.admin(tenant, 'admin-1');
    const widget = await seedProduct(apiOf(products.url), admin, {
      sku: 'W-1',
      name: 'Widget',
      price: 12.5,
      stock: 5,
    });
    return { tenant, admin, alice: await tokens.customer(tenant, 'alice'), widget };
  }
  const order = (productId: string) => ({
    shipping_address: { street: '1 Lambda Way', city: 'Seattle', zip_code: '98101', country: 'USA' },
    items: [{ product_id: productId, quantity: 2, price_per_unit: 12.5 }],
  });

  test('When a REST API (v1) event posts an order, then 201 and an HTTP API (v2) event reads it back', async () => {
    const shop = await shopWithWidget();

    const created = await invoke(
      handler,
      restEvent('POST', '/orders', {
        headers: { authorization: `Bearer ${shop.alice}`, 'idempotency-key': 'lambda-1' },
        body: order(shop.widget.product_id),
      }),
    );
    const orderId = created.json.order.order_id;
    const read = await invoke(
      handler,
      httpApiEvent('GET', `/orders/${orderId}`, {
        headers: { authorization: `Bearer ${shop.alice}` },
        rawQueryString: 'customer_id=alice',
      }),
    );

    expect(created.statusCode).toBe(201);
    expect(created.headers.location).toBe(`/orders/${orderId}`);
    expect(created.json.order).toEqual(
      expect.objectContaining({
        tenant_id: shop.tenant,
        customer_id: 'alice',
        total_amount: 25,
        status: 'PENDING',
      }),
    );
    expect(read.statusCode).toBe(200);
    expect(read.headers.etag).toBe('"1"');
    expect(read.json).toEqual(created.json.order);
  });

  test('When a v2 event carries a base64 body and a v1 event lists, then both are understood', async () => {
    const shop = await shopWithWidget();

    const created = await invoke(
      handler,
      httpApiEvent('POST', '/orders', {
        headers: { authorization: `Bearer ${shop.alice}` },
        body: order(shop.widget.product_id),
        base64: true,
      }),
    );
    const listed = await invoke(
      handler,
      restEvent('GET', '/orders', {
        headers: { authorization: `Bearer ${shop.admin}` },
        query: { limit: '5' },
      }),
    );

    expect(created.statusCode).toBe(201);
    expect(listed.statusCode).toBe(200);
    expect(listed.json).toEqual({ orders: [created.json.order], next_cursor: null, count: 1 });
  });

  test('When an event has no credentials, then 401 problem+json', async () => {
    const reply = await invoke(handler, httpApiEvent('GET', '/orders'));

    expect(reply.statusCode).toBe(401);
    expect(reply.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(reply.json).toEqual(expect.objectContaining({ status: 401, code: 'unauthenticated' }));
  });

  test('When an API Gateway JWT authorizer vouches for a Cognito user, then the order is theirs', async () => {
    const shop = await shopWithWidget();
    const claims = {
      sub: 'cognito-user-1',
      'custom:tenant_id': shop.tenant,
      email: 'user1@example.com',
      token_use: 'id',
    };

    const created = await invoke(
      gatewayHandler,
      httpApiEvent('POST', '/orders', { claims, body: order(shop.widget.product_id) }),
    );
    const mine = await invoke(gatewayHandler, httpApiEvent('GET', '/orders', { claims }));

    expect(created.statusCode).toBe(201);
    expect(created.json.order).toEqual(
      expect.objectContaining({
        tenant_id: shop.tenant,
        customer_id: 'cognito-user-1',
        created_by_email: 'user1@example.com',
      }),
    );
    expect(mine.json.orders).toEqual([created.json.order]);
  });
});
