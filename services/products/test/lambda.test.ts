import { randomUUID } from 'node:crypto';
import type { DevIssuer } from '@shop/platform/dev-issuer';
import { createLambdaHandler } from '@shop/platform/lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/app.ts';
import type { ProductJson } from '../src/domain/product.ts';
import {
  type Api,
  aProduct,
  type Json,
  newTenant,
  type ProductsUnderTest,
  type Reply,
  sqlEngines,
  startIssuer,
  startProducts,
  type Tokens,
  tokensOf,
} from './support/harness.ts';

let issuer: DevIssuer;
let tokens: Tokens;

beforeAll(async () => {
  issuer = await startIssuer();
  tokens = tokensOf(issuer);
});
afterAll(() => issuer?.close());

interface LambdaRequest {
  method: string;
  path: string;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  body?: unknown;
}

interface LambdaResult {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
  isBase64Encoded: boolean;
}

const now = new Date();
const search = (query: Record<string, string> = {}) => new URLSearchParams(query).toString();

/** API Gateway REST API (payload v1) proxy event, as a `{proxy+}` resource on stage `prod` delivers it. */
function restApiEvent({ method, path, query, headers = {}, body }: LambdaRequest) {
  const allHeaders: Record<string, string> = {
    Accept: 'application/json',
    Host: 'k3x9q2.execute-api.eu-west-1.amazonaws.com',
    'User-Agent': 'vitest',
    'X-Amzn-Trace-Id': 'Root=1-5e1b4151-5ac6c58f5b5daa6532e4f7a1',
    'X-Forwarded-For': '203.0.113.7',
    'X-Forwarded-Port': '443',
    'X-Forwarded-Proto': 'https',
    ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
    ...headers,
  };
  return {
    resource: '/{proxy+}',
    path,
    httpMethod: method,
    headers: allHeaders,
    multiValueHeaders: Object.fromEntries(Object.entries(allHeaders).map(([k, v]) => [k, [v]])),
    queryStringParameters: query ?? null,
    multiValueQueryStringParameters: query
      ? Object.fromEntries(Object.entries(query).map(([k, v]) => [k, [v]]))
      : null,
    pathParameters: { proxy: path.slice(1) },
    stageVariables: null,
    requestContext: {
      resourceId: 'a1b2c3',
      resourcePath: '/{proxy+}',
      httpMethod: method,
      extendedRequestId: 'Xyz123=',
      requestTime: '21/Nov/2026:23:59:59 +0000',
      path: `/prod${path}`,
      accountId: '123456789012',
      protocol: 'HTTP/1.1',
      stage: 'prod',
      domainPrefix: 'k3x9q2',
      requestTimeEpoch: now.getTime(),
      requestId: randomUUID(),
      identity: {
        sourceIp: '203.0.113.7',
        userAgent: 'vitest',
        cognitoIdentityPoolId: null,
        accountId: null,
        caller: null,
        user: null,
        userArn: null,
      },
      domainName: 'k3x9q2.execute-api.eu-west-1.amazonaws.com',
      apiId: 'k3x9q2',
    },
    body: body === undefined ? null : JSON.stringify(body),
    isBase64Encoded: false,
  };
}

/** HTTP API (payload v2) event; a Function URL sends the same shape from a lambda-url domain. */
function httpApiEvent({ method, path, query, headers = {}, body }: LambdaRequest, functionUrl = false) {
  const domainName = functionUrl
    ? 'q7w3e5r7t9y1u3i5o7p9a1s3d5f7g9h1.lambda-url.eu-west-1.on.aws'
    : 'r4nd0m1d.execute-api.eu-west-1.amazonaws.com';
  const apiId = domainName.split('.')[0]!;
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: path,
    rawQueryString: search(query),
    headers: {
      accept: 'application/json',
      host: domainName,
      'user-agent': 'vitest',
      'x-amzn-trace-id': 'Root=1-5e1b4151-5ac6c58f5b5daa6532e4f7a1',
      'x-forwarded-for': '203.0.113.7',
      'x-forwarded-port': '443',
      'x-forwarded-proto': 'https',
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v])),
    },
    ...(query ? { queryStringParameters: query } : {}),
    requestContext: {
      accountId: functionUrl ? 'anonymous' : '123456789012',
      apiId,
      domainName,
      domainPrefix: apiId,
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '203.0.113.7', userAgent: 'vitest' },
      requestId: randomUUID(),
      routeKey: '$default',
      stage: '$default',
      time: '21/Nov/2026:23:59:59 +0000',
      timeEpoch: now.getTime(),
    },
    // Function URLs and HTTP APIs may hand the body over base64-encoded.
    ...(body === undefined
      ? {}
      : functionUrl
        ? { body: Buffer.from(JSON.stringify(body)).toString('base64'), isBase64Encoded: true }
        : { body: JSON.stringify(body), isBase64Encoded: false }),
    ...(body === undefined ? { isBase64Encoded: false } : {}),
  };
}

const context = {
  awsRequestId: randomUUID(),
  functionName: 'products',
  callbackWaitsForEmptyEventLoop: true,
  getRemainingTimeInMillis: () => 30_000,
};

/** What a caller can compare: the status, the body (minus its per-request id) and the headers that matter. */
const comparable = (status: number, headers: Record<string, string | null>, body: Json) => ({
  status,
  contentType: headers['content-type'] ?? null,
  etag: headers.etag ?? null,
  location: headers.location ?? null,
  body: body && typeof body === 'object' ? { ...body, request_id: body.request_id && '<id>' } : body,
});
const ofHttp = (reply: Reply) =>
  comparable(
    reply.status,
    {
      'content-type': reply.headers.get('content-type'),
      etag: reply.headers.get('etag'),
      location: reply.headers.get('location'),
    },
    reply.body,
  );
const ofLambda = (result: LambdaResult) => {
  const headers = Object.fromEntries(
    Object.entries(result.headers).map(([k, v]) => [k.toLowerCase(), String(v)]),
  );
  const text = result.isBase64Encoded ? Buffer.from(result.body, 'base64').toString() : result.body;
  return comparable(result.statusCode, headers, text ? JSON.parse(text) : text);
};

describe.each(sqlEngines)('the Lambda entry point on $engine', (target) => {
  let products: ProductsUnderTest;
  let api: Api;
  let invoke: (event: object) => Promise<LambdaResult>;

  beforeAll(async () => {
    products = await startProducts(target, issuer);
    api = products.api;
    const handler = createLambdaHandler(createApp(products.deps));
    invoke = async (event) => (await handler(event, context)) as LambdaResult;
  });
  afterAll(() => products?.close());

  const created = async (tenant: string, overrides: Record<string, unknown> = {}) =>
    (await api.post('/products', { token: await tokens.admin(tenant), body: aProduct(overrides) })).body;

  it('When a REST API (v1) event reads a product anonymously, then the answer is the HTTP one', async () => {
    const tenant = newTenant();
    const product = await created(tenant);
    const request = {
      method: 'GET',
      path: `/products/${product.product_id}`,
      headers: { 'X-Tenant-Id': tenant },
    };

    const viaLambda = await invoke(restApiEvent(request));
    const viaHttp = await api.get(request.path, { headers: request.headers });

    expect(ofLambda(viaLambda)).toEqual(ofHttp(viaHttp));
    expect(ofLambda(viaLambda)).toMatchObject({ status: 200, etag: '"1"', body: product });
  });

  it('When an HTTP API (v2) event creates a product with a bearer token, then it is created and reads back over HTTP', async () => {
    const tenant = newTenant();
    const input = aProduct({ name: 'Made on Lambda' });

    const result = ofLambda(
      await invoke(
        httpApiEvent({
          method: 'POST',
          path: '/products',
          headers: { Authorization: `Bearer ${await tokens.admin(tenant)}` },
          body: input,
        }),
      ),
    );

    expect(result.status).toBe(201);
    expect(result.location).toBe(`/products/${result.body.product_id}`);
    const readBack = await api.get(result.location!, { token: await tokens.admin(tenant) });
    expect(ofHttp(readBack)).toEqual({ ...result, status: 200, location: null });
  });

  it('When a Function URL event lists a page, then the answer is the HTTP one', async () => {
    const tenant = newTenant();
    for (const price of [3, 1, 2]) await created(tenant, { price });
    const query = { limit: '2', sort: '-price' };
    const token = await tokens.customer(tenant);

    const viaLambda = await invoke(
      httpApiEvent(
        { method: 'GET', path: '/products', query, headers: { authorization: `Bearer ${token}` } },
        true,
      ),
    );
    const viaHttp = await api.get(`/products?${search(query)}`, { token });

    expect(ofLambda(viaLambda)).toEqual(ofHttp(viaHttp));
    expect(ofLambda(viaLambda).body.items.map((p: ProductJson) => p.price)).toEqual([3, 2]);
  });

  it('When a reservation comes through a REST API event, then an HTTP retry gets the same reservation', async () => {
    const tenant = newTenant();
    const product = await created(tenant, { stock_quantity: 5 });
    const body = {
      reservation_id: `ord-${randomUUID()}`,
      items: [{ product_id: product.product_id, quantity: 2 }],
    };
    const token = await tokens.service(tenant);

    const viaLambda = ofLambda(
      await invoke(
        restApiEvent({
          method: 'POST',
          path: '/stock/reservations',
          headers: { Authorization: `Bearer ${token}` },
          body,
        }),
      ),
    );
    const retry = ofHttp(await api.post('/stock/reservations', { token, body }));

    expect(viaLambda.status).toBe(201);
    expect(retry).toEqual({ ...viaLambda, status: 200 });
    expect(
      (await api.get(`/products/${product.product_id}`, { token: await tokens.admin(tenant) })).body
        .stock_quantity,
    ).toBe(3);
  });

  it.each([
    ['a REST API', (request: LambdaRequest) => restApiEvent(request)],
    ['an HTTP API', (request: LambdaRequest) => httpApiEvent(request)],
    ['a Function URL', (request: LambdaRequest) => httpApiEvent(request, true)],
  ])('When %s event carries a bad request, then the problem document is the HTTP one', async (_, eventOf) => {
    const tenant = newTenant();
    const token = await tokens.admin(tenant);
    const request = {
      method: 'POST',
      path: '/products',
      headers: { Authorization: `Bearer ${token}` },
      body: aProduct({ price: 1.234, tenant_id: 'elsewhere' }),
    };

    const viaLambda = await invoke(eventOf(request));
    const viaHttp = await api.post(request.path, { token, body: request.body });

    expect(ofLambda(viaLambda)).toEqual(ofHttp(viaHttp));
    expect(ofLambda(viaLambda)).toMatchObject({
      status: 400,
      contentType: expect.stringMatching(/^application\/problem\+json/),
    });
    expect((await api.get('/products', { token })).body).toEqual({ items: [], next_cursor: null });
  });
});
