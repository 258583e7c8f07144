import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { createLogger, createServiceTokenIssuer, type Route, responsesOf } from '@shop/platform';
import { type DevIssuer, startDevIssuer } from '@shop/platform/dev-issuer';
import { listen, type TestServer } from '@shop/platform/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp as createOrdersApp } from '../../services/orders/src/app.ts';
import { loadOrdersConfig } from '../../services/orders/src/config.ts';
import { createProductsClient } from '../../services/orders/src/data-access/products-client.ts';
import { buildDeps as buildOrdersDeps, type Deps as OrdersDeps } from '../../services/orders/src/deps.ts';
import { orderRoutes } from '../../services/orders/src/http/routes.ts';
import { createApp as createProductsApp, INTERNAL_OPENAPI_PATH } from '../../services/products/src/app.ts';
import { loadProductsConfig } from '../../services/products/src/config.ts';
import { applyMigrations } from '../../services/products/src/data-access/migrations.ts';
import {
  buildDeps as buildProductsDeps,
  type Deps as ProductsDeps,
} from '../../services/products/src/deps.ts';
import { productRoutes } from '../../services/products/src/http/product-routes.ts';
import { stockRoutes } from '../../services/products/src/http/stock-routes.ts';
import { type Contract, contractOf } from './lib/openapi-contract.ts';

/**
 * The OpenAPI documents the services serve, as client generators and their users meet them: they pass
 * `redocly lint` (recommended rules) with nothing to report, internal routes stay out of the public
 * document, and every route declaration is called live, each answer checked against its operation
 * (status documented, media type, body schema). Each route must be driven to every status its own
 * declaration lists; the statuses the platform adds to every route are checked whenever they occur.
 */

const root = resolve(import.meta.dirname, '../..');
const run = promisify(execFile);
const SECRET = 'openapi-contract-test-service-token-secret';
// biome-ignore lint/suspicious/noExplicitAny: response bodies are arbitrary JSON
type Json = any;

let scratch: string;
let issuer: DevIssuer;
let products: { deps: ProductsDeps; server: TestServer };
let orders: { deps: OrdersDeps; server: TestServer; productsDown: TestServer };
let documents: Record<string, Json>;
let contract: Contract;

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'openapi-contract-'));
  issuer = await startDevIssuer({ port: 0, keysDir: join(scratch, 'keys') });
  const auth = {
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    AUTH_PROVIDER: 'dev',
    AUTH_ISSUER: issuer.issuer,
    AUTH_AUDIENCE: issuer.audience,
    SERVICE_TOKEN_SECRET: SECRET,
  };
  const productsDeps = await buildProductsDeps(
    loadProductsConfig({
      ...auth,
      SERVICE_NAME: 'products',
      DATABASE_URL: `sqlite:${join(scratch, 'p.sqlite')}`,
    }),
  );
  await applyMigrations(productsDeps.database);
  products = { deps: productsDeps, server: await listen(createProductsApp(productsDeps).callback()) };
  const ordersDeps = await buildOrdersDeps(
    loadOrdersConfig({
      ...auth,
      SERVICE_NAME: 'orders',
      DATABASE_URL: `sqlite:${join(scratch, 'o.sqlite')}`,
      MIGRATE_ON_START: 'true',
      PRODUCTS_URL: products.server.url,
    }),
  );
  // The same orders service with products unreachable: what a caller gets while products is down.
  const unreachable = createProductsClient({
    baseUrl: 'http://127.0.0.1:1',
    tokenFor: (tenant) =>
      createServiceTokenIssuer({
        secret: SECRET,
        issuer: 'orders',
        audience: 'products',
        scopes: ['stock:reserve'],
      }).tokenFor(tenant),
    timeoutMs: 1000,
    retries: 0,
    logger: createLogger({ service: 'orders', level: 'silent' }),
  });
  orders = {
    deps: ordersDeps,
    server: await listen(createOrdersApp(ordersDeps).callback()),
    productsDown: await listen(createOrdersApp({ ...ordersDeps, stock: unreachable }).callback()),
  };
  documents = {
    products: await (await fetch(`${products.server.url}/openapi.json`)).json(),
    stock: await (await fetch(`${products.server.url}${INTERNAL_OPENAPI_PATH}`)).json(),
    orders: await (await fetch(`${orders.server.url}/openapi.json`)).json(),
  };
  contract = contractOf(documents);
}, 120_000);

afterAll(async () => {
  await orders?.server.close();
  await orders?.productsDown.close();
  await orders?.deps.close();
  await products?.server.close();
  await products?.deps.close();
  await issuer?.close();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

// ---------------------------------------------------------------- calling and recording

/** Per operation (`GET /products/{id}`), the statuses seen live. */
const observed = new Map<string, Set<number>>();
const violations: string[] = [];

interface Call {
  token?: string;
  body?: unknown;
  raw?: string;
  headers?: Record<string, string>;
}

async function call(base: string, method: string, path: string, options: Call = {}) {
  const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let body: string | undefined = options.raw;
  if (options.body !== undefined) body = JSON.stringify(options.body);
  if (body !== undefined) headers['content-type'] ??= 'application/json';
  const response = await fetch(`${base}${path}`, { method, headers, body });
  const text = await response.text();
  const live = {
    method,
    path,
    status: response.status,
    contentType: response.headers.get('content-type'),
    text,
  };
  violations.push(...contract.problemsOf(live));
  const operation = contract.operationOf(method, path);
  if (operation) {
    if (!observed.has(operation.key)) observed.set(operation.key, new Set());
    observed.get(operation.key)!.add(response.status);
  }
  return {
    status: response.status,
    headers: response.headers,
    body: text ? (JSON.parse(text) as Json) : undefined,
  };
}

const tenant = () => `oa-${randomUUID().slice(0, 8)}`;
const service = (tenantId: string) =>
  createServiceTokenIssuer({
    secret: SECRET,
    issuer: 'orders',
    audience: 'products',
    scopes: ['stock:reserve'],
  }).tokenFor(tenantId);
const product = (overrides: Record<string, unknown> = {}) => ({
  sku: `SKU-${randomUUID().slice(0, 8)}`,
  name: 'Kettle',
  price: 20,
  currency: 'USD',
  stock_quantity: 5,
  ...overrides,
});

// ---------------------------------------------------------------- the scenarios, per route

async function driveProducts() {
  const p = products.server.url;
  const shop = tenant();
  const admin = await issuer.mint({ tenant: shop, role: 'admin' });
  const customer = await issuer.mint({ tenant: shop, role: 'customer' });
  const missing = randomUUID();

  const created = await call(p, 'POST', '/products', { token: admin, body: product() });
  const other = await call(p, 'POST', '/products', { token: admin, body: product() });
  await call(p, 'POST', '/products', { token: admin, body: product({ sku: created.body.sku }) });
  await call(p, 'POST', '/products', { token: admin, body: { name: 'no sku' } });
  await call(p, 'POST', '/products', { token: customer, body: product() });
  await call(p, 'POST', '/products', { body: product() });
  await call(p, 'POST', '/products', {
    token: admin,
    raw: 'name=x',
    headers: { 'content-type': 'text/plain' },
  });
  await call(p, 'POST', '/products', { token: admin, raw: JSON.stringify({ name: 'x'.repeat(2_000_000) }) });

  const page = await call(p, 'GET', '/products?limit=2', { headers: { 'x-tenant-id': shop } });
  await call(p, 'GET', '/products?limit=2', {
    headers: { 'x-tenant-id': shop, 'if-none-match': page.headers.get('etag') ?? '' },
  });
  await call(p, 'GET', '/products?limit=0', { token: admin });
  await call(p, 'GET', '/products', { token: 'not-a-token' });

  const id = created.body.product_id;
  await call(p, 'GET', `/products/${id}`, { token: customer });
  await call(p, 'GET', `/products/${id}`, { headers: { 'x-tenant-id': shop, 'if-none-match': '"1"' } });
  await call(p, 'GET', '/products/not-a-uuid', { token: customer });
  await call(p, 'GET', `/products/${missing}`, { token: customer });

  await call(p, 'PUT', `/products/${id}`, {
    token: admin,
    body: { name: 'Kettle 2' },
    headers: { 'if-match': '"1"' },
  });
  await call(p, 'PUT', `/products/${id}`, {
    token: admin,
    body: { name: 'Kettle 3' },
    headers: { 'if-match': '"1"' },
  });
  await call(p, 'PUT', `/products/${id}`, { token: admin, body: { sku: other.body.sku } });
  await call(p, 'PUT', `/products/${id}`, { token: admin, body: { price: -1 } });
  await call(p, 'PUT', `/products/${missing}`, { token: admin, body: { name: 'x' } });

  await call(p, 'DELETE', `/products/${other.body.product_id}`, {
    token: admin,
    headers: { 'if-match': '"9"' },
  });
  await call(p, 'DELETE', `/products/${other.body.product_id}`, { token: admin });
  await call(p, 'DELETE', `/products/${other.body.product_id}`, { token: admin });

  const stock = await service(shop);
  const reservation = `r-${randomUUID()}`;
  const items = [{ product_id: id, quantity: 1 }];
  await call(p, 'POST', '/stock/reservations', {
    token: stock,
    body: { reservation_id: reservation, items },
  });
  await call(p, 'POST', '/stock/reservations', {
    token: stock,
    body: { reservation_id: reservation, items },
  });
  await call(p, 'POST', '/stock/reservations', {
    token: stock,
    body: { reservation_id: reservation, items: [{ product_id: id, quantity: 2 }] },
  });
  await call(p, 'POST', '/stock/reservations', {
    token: stock,
    body: { reservation_id: `r-${randomUUID()}`, items: [{ product_id: id, quantity: 500 }] },
  });
  await call(p, 'POST', '/stock/reservations', { token: stock, body: { reservation_id: 'x', items: [] } });
  await call(p, 'POST', '/stock/reservations', {
    token: admin,
    body: { reservation_id: reservation, items },
  });

  await call(p, 'GET', `/stock/reservations/${reservation}`, { token: stock });
  await call(p, 'GET', `/stock/reservations/r-${randomUUID()}`, { token: stock });
  await call(p, 'DELETE', `/stock/reservations/${reservation}`, { token: stock });
  await call(p, 'DELETE', `/stock/reservations/r-${randomUUID()}`, { token: stock });
}

async function driveOrders() {
  const o = orders.server.url;
  const shop = tenant();
  const admin = await issuer.mint({ tenant: shop, role: 'admin' });
  const alice = await issuer.mint({ tenant: shop, role: 'customer', sub: 'alice' });
  const bob = await issuer.mint({ tenant: shop, role: 'customer', sub: 'bob' });
  const made = await call(products.server.url, 'POST', '/products', {
    token: admin,
    body: product({ price: 19.99, stock_quantity: 50 }),
  });
  const line = { product_id: made.body.product_id, quantity: 1 };
  const address = { street: '1 Main St', city: 'Springfield', zip_code: '12345', country: 'USA' };
  const order = (items: object[] = [line]) => ({ shipping_address: address, items });

  const placed = await call(o, 'POST', '/orders', {
    token: alice,
    body: order(),
    headers: { 'idempotency-key': 'k1' },
  });
  await call(o, 'POST', '/orders', { token: alice, body: order(), headers: { 'idempotency-key': 'k1' } });
  await call(o, 'POST', '/orders', {
    token: alice,
    body: order([{ ...line, quantity: 2 }]),
    headers: { 'idempotency-key': 'k1' },
  });
  await call(o, 'POST', '/orders', { token: alice, body: order([{ ...line, price_per_unit: 1 }]) });
  await call(o, 'POST', '/orders', { token: alice, body: { items: [] } });
  await call(o, 'POST', '/orders', { body: order() });
  await call(o, 'POST', '/orders', { token: await service(shop), body: order() });
  await call(o, 'POST', '/orders', { token: alice, raw: 'x', headers: { 'content-type': 'text/plain' } });
  await call(orders.productsDown.url, 'POST', '/orders', { token: alice, body: order() });

  await call(o, 'GET', '/orders?limit=5', { token: alice });
  await call(o, 'GET', '/orders?limit=0', { token: admin });

  const id = placed.body.order.order_id;
  await call(o, 'GET', `/orders/${id}`, { token: alice });
  await call(o, 'GET', `/orders/${id}`, { token: bob });
  await call(o, 'GET', '/orders/%20', { token: alice });

  await call(o, 'PUT', `/orders/${id}`, { token: alice, body: { status: 'CONFIRMED' } });
  await call(o, 'PUT', `/orders/${id}`, {
    token: admin,
    body: { status: 'CONFIRMED' },
    headers: { 'if-match': '"1"' },
  });
  await call(o, 'PUT', `/orders/${id}`, {
    token: admin,
    body: { status: 'SHIPPED' },
    headers: { 'if-match': '"1"' },
  });
  await call(o, 'PUT', `/orders/${id}`, { token: admin, body: { status: 'PENDING' } });
  await call(o, 'PUT', `/orders/${id}`, { token: admin, body: { status: 'LOST' } });
  await call(o, 'PUT', `/orders/${randomUUID()}`, { token: admin, body: { status: 'CANCELLED' } });
  await call(orders.productsDown.url, 'PUT', `/orders/${id}`, {
    token: admin,
    body: { status: 'CANCELLED' },
  });

  await call(o, 'GET', '/customers/alice/orders', { token: alice });
  await call(o, 'GET', '/customers/alice/orders', { token: bob });
  await call(o, 'GET', '/customers/alice/orders?limit=1000', { token: admin });
}

// ---------------------------------------------------------------- the checks

/** Every route the services declare, from the same declarations their apps mount. */
function declarations(): Array<{ document: string; route: Route }> {
  const none = {} as never;
  return [
    ...productRoutes({ store: none, cursors: none, catalog: none }).map((route) => ({
      document: 'products',
      route,
    })),
    ...stockRoutes({ store: none }).map((route) => ({ document: 'stock', route })),
    ...orderRoutes(none).map((route) => ({ document: 'orders', route })),
  ];
}

interface LintProblem {
  ruleId: string;
  severity: string;
  message: string;
  location: Array<{ pointer: string }>;
}

const keyOf = ({ spec }: Route) => `${spec.method} ${spec.path.replace(/:(\w+)/g, '{$1}')}`;

/** Declared statuses no request from outside can cause; each is proven where it can be. */
const unreachableFromOutside: Record<string, Record<number, string>> = {
  'POST /stock/reservations': {
    503: 'the store busy or down: services/products/test/reliability/store-faults.test.ts',
  },
};

// Bounds for a loaded CI machine (three linter processes, two services on SQLite), not expectations.
describe('the OpenAPI documents', { timeout: 120_000 }, () => {
  it('When redocly lints them with its recommended rules, then it reports nothing', async () => {
    const files = await Promise.all(
      Object.entries(documents).map(async ([name, document]) => {
        const file = join(scratch, `${name}.openapi.json`);
        await writeFile(file, JSON.stringify(document, null, 2));
        return file;
      }),
    );
    // One document per run: with several, the JSON reports are concatenated.
    const reports = await Promise.all(
      files.map(async (file) => {
        const { stdout } = await run(
          process.execPath,
          [
            join(root, 'node_modules/@redocly/cli/bin/cli.js'),
            'lint',
            '--extends',
            'recommended',
            '--format',
            'json',
            file,
          ],
          {
            cwd: scratch,
            // Offline and silent: no usage telemetry, no update check.
            env: {
              ...process.env,
              REDOCLY_TELEMETRY: 'off',
              REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true',
              CI: 'true',
            },
            maxBuffer: 16 * 1024 * 1024,
          },
        ).catch((error: { stdout?: string }) => ({ stdout: error.stdout ?? '' }));
        return JSON.parse(stdout) as { problems: LintProblem[] };
      }),
    );
    const problems = reports.flatMap((report) => report.problems);

    expect(
      problems.map(
        (problem) =>
          `${problem.severity} ${problem.ruleId}: ${problem.message} at ${problem.location[0]?.pointer}`,
      ),
    ).toEqual([]);
  });

  it('When the public documents are read, then internal routes are only in the internal one', () => {
    expect(Object.keys(documents.products.paths).sort()).toEqual(['/products', '/products/{id}']);
    expect(Object.keys(documents.stock.paths).sort()).toEqual([
      '/stock/reservations',
      '/stock/reservations/{id}',
    ]);
    expect(Object.keys(documents.orders.paths).sort()).toEqual([
      '/customers/{customer_id}/orders',
      '/orders',
      '/orders/{order_id}',
    ]);
  });

  it('When each document is read, then every operation has a unique operationId, and servers and a license are given', () => {
    const ids = declarations().map(({ document, route }) => {
      const operation =
        documents[document].paths[keyOf(route).split(' ')[1]!][route.spec.method.toLowerCase()];
      return operation.operationId;
    });
    expect(ids.every((id) => /^[a-z][A-Za-z]+$/.test(id))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    for (const document of Object.values(documents)) {
      expect(document.servers).toEqual([expect.objectContaining({ url: '/' })]);
      expect(document.info.license).toEqual({ name: 'MIT', identifier: 'MIT' });
    }
  });

  it('When every declared route is called live, then every answer is documented and matches its schema, and each route answers every status it declares', async () => {
    await driveProducts();
    await driveOrders();

    expect(violations).toEqual([]);
    for (const { document, route } of declarations()) {
      const key = keyOf(route);
      const seen = [...(observed.get(key) ?? [])].sort();
      const documented = Object.keys(
        documents[document].paths[key.split(' ')[1]!][route.spec.method.toLowerCase()].responses,
      )
        .map(Number)
        .sort();
      expect(documented, `${key}: the document lists what the declaration and the platform answer`).toEqual(
        Object.keys(responsesOf(route.spec)).map(Number).sort(),
      );
      const declared = Object.keys(route.spec.responses)
        .map(Number)
        .filter((status) => !(status in (unreachableFromOutside[key] ?? {})));
      expect(seen, `${key}: every status it declares was answered live`).toEqual(
        expect.arrayContaining(declared),
      );
    }
  });
});
