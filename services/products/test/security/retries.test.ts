import { randomUUID } from 'node:crypto';
import type { DevIssuer } from '@shop/platform/dev-issuer';
import { createLambdaHandler } from '@shop/platform/lambda';
import { send } from '@shop/platform/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import {
  aProduct,
  type Json,
  newTenant,
  type ProductsUnderTest,
  sqlEngines,
  startIssuer,
  startProducts,
  type Tokens,
  tokensOf,
} from '../support/harness.ts';

/**
 * Duplicated deliveries: Lambda may invoke a function twice with the same event, and clients and proxies
 * retry. The same API Gateway (HTTP API, payload 2.0) event replayed through the Lambda handler — one
 * after the other and at once — and the same HTTP request sent twice at once must have one effect: one
 * decrement per reservation, one restore per release, one deletion. On every SQL engine, since the
 * guards are the store's (primary keys, conditional updates).
 */

let issuer: DevIssuer;
let tokens: Tokens;

beforeAll(async () => {
  issuer = await startIssuer();
  tokens = tokensOf(issuer);
});
afterAll(() => issuer?.close());

interface Delivery {
  status: number;
  body: Json;
}

interface LambdaResult {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
  isBase64Encoded: boolean;
}

/** One HTTP API (payload 2.0) event, as API Gateway hands it to the function: replayed as is. */
function httpApiEvent(method: string, path: string, token: string, body?: unknown) {
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: path,
    rawQueryString: '',
    headers: {
      accept: 'application/json',
      authorization: `Bearer ${token}`,
      host: 'r4nd0m1d.execute-api.eu-west-1.amazonaws.com',
      'x-amzn-trace-id': `Root=1-${Date.now().toString(16)}-${randomUUID().replaceAll('-', '').slice(0, 24)}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    requestContext: {
      accountId: '123456789012',
      apiId: 'r4nd0m1d',
      domainName: 'r4nd0m1d.execute-api.eu-west-1.amazonaws.com',
      domainPrefix: 'r4nd0m1d',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '203.0.113.7', userAgent: 'vitest' },
      requestId: randomUUID(),
      routeKey: '$default',
      stage: '$default',
      time: new Date().toUTCString(),
      timeEpoch: Date.now(),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    isBase64Encoded: false,
  };
}

type Mode = 'Lambda, one after the other' | 'Lambda, at once' | 'HTTP, at once';
const modes: Mode[] = ['Lambda, one after the other', 'Lambda, at once', 'HTTP, at once'];

describe.each(sqlEngines)('duplicated deliveries to the products service on $engine', (target) => {
  let products: ProductsUnderTest;
  let invoke: (event: object) => Promise<Delivery>;

  beforeAll(async () => {
    products = await startProducts(target, issuer);
    const handler = createLambdaHandler(createApp(products.deps));
    invoke = async (event) => {
      const result = (await handler(event, { awsRequestId: randomUUID() })) as LambdaResult;
      const text = result.isBase64Encoded ? Buffer.from(result.body, 'base64').toString() : result.body;
      return { status: result.statusCode, body: text ? JSON.parse(text) : undefined };
    };
  });
  afterAll(() => products?.close());

  /** The same request delivered twice, in the given way; the deliveries in the order they were made. */
  async function twice(mode: Mode, method: string, path: string, token: string, body?: unknown) {
    if (mode === 'HTTP, at once') {
      const request = { method, path, token, ...(body === undefined ? {} : { body }) };
      const replies = await Promise.all([send(products.api.url, request), send(products.api.url, request)]);
      return replies.map(({ status, body: answer }) => ({ status, body: answer }));
    }
    const event = httpApiEvent(method, path, token, body);
    if (mode === 'Lambda, at once') return Promise.all([invoke(event), invoke(event)]);
    return [await invoke(event), await invoke(event)];
  }

  async function shop() {
    const tenant = newTenant();
    const admin = await tokens.admin(tenant);
    const created = await send(products.api.url, {
      method: 'POST',
      path: '/products',
      token: admin,
      body: aProduct({ stock_quantity: 10 }),
    });
    const product = created.body;
    const stock = async () =>
      (await send(products.api.url, { method: 'GET', path: `/products/${product.product_id}`, token: admin }))
        .body.stock_quantity as number;
    return { admin, service: await tokens.service(tenant), product, stock };
  }

  it.each(modes)(
    'When a reservation is delivered twice (%s), then it is taken once and both answers agree',
    async (mode) => {
      const { service, product, stock } = await shop();
      const body = {
        reservation_id: `ord-${randomUUID()}`,
        items: [{ product_id: product.product_id, quantity: 3 }],
      };

      const deliveries = await twice(mode, 'POST', '/stock/reservations', service, body);

      expect(deliveries.map((d) => d.status).sort()).toEqual([200, 201]);
      expect(deliveries[0]!.body).toEqual(deliveries[1]!.body);
      expect(deliveries[0]!.body).toEqual(
        expect.objectContaining({ status: 'active', reservation_id: body.reservation_id }),
      );
      expect(await stock()).toBe(7);
    },
  );

  it.each(modes)('When a release is delivered twice (%s), then the stock comes back once', async (mode) => {
    const { service, product, stock } = await shop();
    const body = {
      reservation_id: `ord-${randomUUID()}`,
      items: [{ product_id: product.product_id, quantity: 4 }],
    };
    const reserved = await send(products.api.url, {
      method: 'POST',
      path: '/stock/reservations',
      token: service,
      body,
    });
    expect([reserved.status, await stock()]).toEqual([201, 6]);

    const deliveries = await twice(mode, 'DELETE', `/stock/reservations/${body.reservation_id}`, service);

    expect(deliveries.map((d) => d.status)).toEqual([200, 200]);
    expect(deliveries[0]!.body).toEqual(deliveries[1]!.body);
    expect(deliveries[0]!.body.status).toBe('released');
    expect(await stock()).toBe(10);
  });

  it.each(modes)(
    'When a product deletion is delivered twice (%s), then one 204 and one 404',
    async (mode) => {
      const { admin, product } = await shop();

      const deliveries = await twice(mode, 'DELETE', `/products/${product.product_id}`, admin);

      const statuses = deliveries.map((d) => d.status);
      expect(mode === 'Lambda, one after the other' ? statuses : statuses.sort()).toEqual([204, 404]);
      const gone = await send(products.api.url, {
        method: 'GET',
        path: `/products/${product.product_id}`,
        token: admin,
      });
      expect(gone.status).toBe(404);
    },
  );

  it('When eight copies of one reservation arrive at once, then one takes the stock and seven replay it', async () => {
    const { service, product, stock } = await shop();
    const body = {
      reservation_id: `ord-${randomUUID()}`,
      items: [{ product_id: product.product_id, quantity: 1 }],
    };

    const replies = await Promise.all(
      Array.from({ length: 8 }, () =>
        send(products.api.url, { method: 'POST', path: '/stock/reservations', token: service, body }),
      ),
    );

    expect(replies.map((r) => r.status).sort()).toEqual([200, 200, 200, 200, 200, 200, 200, 201]);
    expect(new Set(replies.map((r) => r.text)).size).toBe(1);
    expect(await stock()).toBe(9);
  });
});
