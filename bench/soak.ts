// `npm run soak`: a bounded, loopback-only soak of the whole stack as `npm start` runs it (gateway, products,
// orders, dev issuer). A mixed workload over many tenants — browsing, ordering (with Idempotency-Key and
// retries of it), cancelling, admin product edits and order status moves — for a fixed time, then checks:
// no 5xx, no lost or duplicated order, stock consistent with the live orders, all through the API.
// Prints latency percentiles per operation; exits 1 on any violation.
//
//   node bench/soak.ts [--duration 2m] [--stores embedded|real] [--tenants 6] [--concurrency 8] [--quiet]
//     --duration        how long the load runs: 90s, 2m, 120 (seconds); default 2m
//     --stores real     products on MySQL/MariaDB (a fresh database on --mysql-url, default TEST_MYSQL_URL's
//                       server or mysql://root@127.0.0.1:3306) and orders on DynamoDB (--dynamodb-endpoint,
//                       default TEST_DYNAMODB_ENDPOINT, else a DynamoDB Local of its own); embedded = SQLite
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as pause } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import {
  formatLatencyTable,
  type Json,
  latencyTable,
  Recorder,
  type Reply,
  send,
} from '@shop/reliability/load';
import { freePort, waitFor } from '@shop/reliability/net';
import { repoRoot } from '@shop/reliability/service-process';
import { type StoreProcess, startDynamoDbLocal } from '@shop/reliability/store-processes';

const { values: args } = parseArgs({
  options: {
    duration: { type: 'string', default: '2m' },
    stores: { type: 'string', default: 'embedded' },
    tenants: { type: 'string', default: '6' },
    concurrency: { type: 'string', default: '8' },
    'mysql-url': { type: 'string' },
    'dynamodb-endpoint': { type: 'string' },
    quiet: { type: 'boolean', default: false },
  },
});

function durationMs(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text.trim());
  if (!match) throw new Error(`--duration ${text}: expected e.g. 20s, 2m or 120`);
  return Number(match[1]) * ({ ms: 1, s: 1000, m: 60_000 }[match[2] ?? 's'] ?? 1000);
}

const DURATION_MS = durationMs(args.duration!);
const TENANTS = Number(args.tenants);
const CONCURRENCY = Number(args.concurrency);
if (args.stores !== 'embedded' && args.stores !== 'real')
  throw new Error('--stores must be embedded or real');
if (!(DURATION_MS > 0 && TENANTS > 0 && CONCURRENCY > 0))
  throw new Error('--duration, --tenants, --concurrency > 0');
/** A request that takes longer than this counts as hung. */
const HUNG_MS = 30_000;
const STOCK = 100_000;
/** One product per tenant with little stock, so that orders also meet "not enough stock". */
const SCARCE_STOCK = 25;

const log = (line: string) => console.log(line);
const violations: string[] = [];
const violation = (text: string) => {
  violations.push(text);
  if (violations.length <= 20) console.error(`VIOLATION ${text}`);
};

// ------------------------------------------------------------------ the stack

interface Stack {
  gateway: string;
  issuer: string;
  stop(): Promise<void>;
  output(): string;
}

async function startStack(): Promise<Stack> {
  const [gatewayPort, productsPort, ordersPort, issuerPort] = await Promise.all([
    freePort(),
    freePort(),
    freePort(),
    freePort(),
  ]);
  const dataDir = await mkdtemp(join(tmpdir(), 'soak-'));
  const cleanups: Array<() => Promise<unknown>> = [() => rm(dataDir, { recursive: true, force: true })];
  const env: Record<string, string> = {};
  if (args.stores === 'real') {
    const server = new URL(args['mysql-url'] ?? process.env.TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306');
    server.pathname = '/';
    const database = `soak_${randomBytes(4).toString('hex')}`;
    const { createConnection } = await import('mysql2/promise');
    const admin = await createConnection({ uri: server.toString() });
    await admin.query(`create database ${database}`);
    await admin.end();
    cleanups.push(async () => {
      const again = await createConnection({ uri: server.toString() });
      await again.query(`drop database if exists ${database}`);
      await again.end();
    });
    env.PRODUCTS_DATABASE_URL = new URL(database, server).toString();

    let endpoint = args['dynamodb-endpoint'] ?? process.env.TEST_DYNAMODB_ENDPOINT;
    let own: StoreProcess | undefined;
    if (!endpoint) {
      own = await startDynamoDbLocal({ persistent: false });
      endpoint = own.url;
      cleanups.push(() => own!.destroy());
    }
    const table = `soak-${randomBytes(4).toString('hex')}`;
    Object.assign(env, { ORDERS_STORE: 'dynamodb', DYNAMODB_ENDPOINT: endpoint, DYNAMODB_TABLE: table });
    if (!own) {
      cleanups.push(async () => {
        const { DynamoDBClient, DeleteTableCommand } = await import('@aws-sdk/client-dynamodb');
        const client = new DynamoDBClient({
          region: 'us-east-1',
          endpoint,
          credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
        });
        await client.send(new DeleteTableCommand({ TableName: table })).catch(() => {});
        client.destroy();
      });
    }
    log(`stores: products on ${env.PRODUCTS_DATABASE_URL}, orders on DynamoDB ${endpoint} table ${table}`);
  } else {
    log(`stores: embedded (SQLite files under ${dataDir})`);
  }

  // Its own process group, so that whatever start.ts runs can be stopped with it.
  const child: ChildProcess = spawn(
    process.execPath,
    [
      'scripts/start.ts',
      '--port',
      String(gatewayPort),
      '--products-port',
      String(productsPort),
      '--orders-port',
      String(ordersPort),
      '--issuer-port',
      String(issuerPort),
      '--quiet',
    ],
    {
      cwd: repoRoot,
      env: { ...process.env, DATA_DIR: dataDir, HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    },
  );
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-100_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const gateway = `http://127.0.0.1:${gatewayPort}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => {
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          // already gone
        }
      }, 15_000);
      await exited;
      clearTimeout(timer);
    }
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
  };
  try {
    await waitFor(
      'the stack to answer through its gateway',
      async () => {
        if (child.exitCode !== null) throw new Error(`npm start exited with ${child.exitCode}`);
        const products = await fetch(`${gateway}/products?limit=1`, { headers: { 'x-tenant-id': 'demo' } });
        const orders = await fetch(`${gateway}/orders`);
        return products.status === 200 && orders.status === 401;
      },
      { withinMs: 90_000, everyMs: 250 },
    );
  } catch (error) {
    console.error(output.slice(-5000));
    await stop();
    throw error;
  }
  return { gateway, issuer: `http://127.0.0.1:${issuerPort}`, stop, output: () => output };
}

// ------------------------------------------------------------------ the workload

interface Product {
  id: string;
  initial: number;
}

interface Customer {
  id: string;
  token: string;
}

interface Tenant {
  id: string;
  admin: string;
  customers: Customer[];
  products: Product[];
}

interface PlacedOrder {
  tenant: Tenant;
  customer: Customer;
  key: string;
  orderId: string;
  body: Json;
  items: Array<{ product_id: string; quantity: number }>;
}

async function tokenFor(issuer: string, tenant: string, role: 'admin' | 'customer', sub: string) {
  const reply = await send(issuer, 'POST', '/token', { body: { tenant, role, sub } });
  if (reply.status !== 200) throw new Error(`token for ${tenant}/${sub}: ${reply.status}`);
  return reply.body.access_token as string;
}

async function openTenants(stack: Stack): Promise<Tenant[]> {
  return Promise.all(
    Array.from({ length: TENANTS }, async (_, n) => {
      const id = `soak-${randomBytes(3).toString('hex')}-${n}`;
      const admin = await tokenFor(stack.issuer, id, 'admin', `${id}-admin`);
      const customers = await Promise.all(
        [0, 1, 2].map(async (i) => ({
          id: `${id}-c${i}`,
          token: await tokenFor(stack.issuer, id, 'customer', `${id}-c${i}`),
        })),
      );
      const products: Product[] = [];
      for (let i = 0; i < 5; i++) {
        const initial = i === 0 ? SCARCE_STOCK : STOCK;
        const reply = await send(stack.gateway, 'POST', '/products', {
          token: admin,
          body: {
            sku: `SOAK-${n}-${i}`,
            name: `Soak product ${i}`,
            price: 5 + i,
            currency: 'EUR',
            stock_quantity: initial,
          },
        });
        if (reply.status !== 201)
          throw new Error(`seeding ${id}: ${reply.status} ${JSON.stringify(reply.body)}`);
        products.push({ id: reply.body.product_id, initial });
      }
      return { id, admin, customers, products };
    }),
  );
}

const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)]!;
const NEXT_STATUS: Record<string, string> = {
  PENDING: 'CONFIRMED',
  CONFIRMED: 'SHIPPED',
  SHIPPED: 'DELIVERED',
};

async function runLoad(stack: Stack, tenants: Tenant[], recorder: Recorder, orders: PlacedOrder[]) {
  const base = stack.gateway;
  const deadline = performance.now() + DURATION_MS;
  const timeoutMs = HUNG_MS;
  const expect = (op: string, reply: Reply | undefined, allowed: number[]): reply is Reply => {
    if (!reply) return false;
    if (!allowed.includes(reply.status)) {
      violation(`${op}: unexpected ${reply.status} ${JSON.stringify(reply.body).slice(0, 300)}`);
      return false;
    }
    return true;
  };

  const operations: Array<[weight: number, run: () => Promise<void>]> = [
    [
      25,
      async () => {
        const tenant = pick(tenants);
        const reply = await recorder.record('browse catalog', () =>
          send(base, 'GET', '/products?limit=20&sort=price', {
            headers: { 'x-tenant-id': tenant.id },
            timeoutMs,
          }),
        );
        expect('browse catalog', reply, [200]);
      },
    ],
    [
      15,
      async () => {
        const tenant = pick(tenants);
        const reply = await recorder.record('view product', () =>
          send(base, 'GET', `/products/${pick(tenant.products).id}`, {
            token: pick(tenant.customers).token,
            timeoutMs,
          }),
        );
        expect('view product', reply, [200]);
      },
    ],
    [
      22,
      async () => {
        const tenant = pick(tenants);
        const customer = pick(tenant.customers);
        const lines = [...new Set([pick(tenant.products), pick(tenant.products)])].map((product) => ({
          product_id: product.id,
          quantity: 1 + Math.floor(Math.random() * 3),
        }));
        const body = {
          shipping_address: { street: '1 Soak St', city: 'Loadville', zip_code: '12345', country: 'NL' },
          items: lines,
        };
        const key = randomUUID();
        const headers = { 'idempotency-key': key };
        const reply = await recorder.record('place order', () =>
          send(base, 'POST', '/orders', { token: customer.token, body, headers, timeoutMs }),
        );
        if (!expect('place order', reply, [201, 409])) return;
        if (reply.status === 409) {
          if (reply.body.code !== 'insufficient_stock') violation(`place order: 409 ${reply.body.code}`);
          return;
        }
        const order: PlacedOrder = {
          tenant,
          customer,
          key,
          orderId: reply.body.order.order_id,
          body,
          items: lines,
        };
        orders.push(order);
        // A client that lost the answer retries with the same key: the same order comes back, nothing new.
        if (Math.random() < 0.15) {
          const again = await recorder.record('retry order (same key)', () =>
            send(base, 'POST', '/orders', { token: customer.token, body, headers, timeoutMs }),
          );
          if (!expect('retry order (same key)', again, [201])) return;
          if (
            again.body.order.order_id !== order.orderId ||
            again.headers.get('idempotent-replayed') !== 'true'
          ) {
            violation(
              `retry of key ${key}: answered order ${again.body.order?.order_id}, not ${order.orderId}`,
            );
          }
        }
      },
    ],
    [
      10,
      async () => {
        if (!orders.length) return;
        const order = pick(orders);
        const reply = await recorder.record('view order', () =>
          send(base, 'GET', `/orders/${order.orderId}`, { token: order.customer.token, timeoutMs }),
        );
        if (expect('view order', reply, [200]) && reply.body.order_id !== order.orderId) {
          violation(`view order ${order.orderId}: got ${reply.body.order_id}`);
        }
      },
    ],
    [
      8,
      async () => {
        const tenant = pick(tenants);
        const reply = await recorder.record('list my orders', () =>
          send(base, 'GET', '/orders?limit=10', { token: pick(tenant.customers).token, timeoutMs }),
        );
        expect('list my orders', reply, [200]);
      },
    ],
    [
      8,
      async () => {
        if (!orders.length) return;
        const order = pick(orders);
        const reply = await recorder.record('cancel order', () =>
          send(base, 'PUT', `/orders/${order.orderId}`, {
            token: order.customer.token,
            body: { status: 'CANCELLED', reason: 'soak' },
            timeoutMs,
          }),
        );
        // 409: already cancelled, shipped or changing; 403: an admin confirmed it first.
        expect('cancel order', reply, [200, 403, 409]);
      },
    ],
    [
      6,
      async () => {
        const tenant = pick(tenants);
        const changes = pick([
          { name: `Renamed ${randomBytes(2).toString('hex')}` },
          { description: `Soaked at ${new Date().toISOString()}` },
          // Cents, built from an integer: 5 + n / 100 in floating point can carry a third decimal (a 400).
          { price: Number(((500 + Math.floor(Math.random() * 500)) / 100).toFixed(2)) },
        ]);
        const reply = await recorder.record('admin edits product', () =>
          send(base, 'PUT', `/products/${pick(tenant.products).id}`, {
            token: tenant.admin,
            body: changes,
            timeoutMs,
          }),
        );
        expect('admin edits product', reply, [200]);
      },
    ],
    [
      6,
      async () => {
        if (!orders.length) return;
        const order = pick(orders);
        const current = await recorder.record('admin views order', () =>
          send(base, 'GET', `/orders/${order.orderId}`, { token: order.tenant.admin, timeoutMs }),
        );
        if (!expect('admin views order', current, [200])) return;
        const next = NEXT_STATUS[current.body.status];
        if (!next) return;
        const reply = await recorder.record('admin moves order', () =>
          send(base, 'PUT', `/orders/${order.orderId}`, {
            token: order.tenant.admin,
            body: { status: next },
            timeoutMs,
          }),
        );
        expect('admin moves order', reply, [200, 409]);
      },
    ],
  ];
  const total = operations.reduce((sum, [weight]) => sum + weight, 0);
  const chooseOperation = () => {
    let roll = Math.random() * total;
    for (const [weight, run] of operations) {
      roll -= weight;
      if (roll < 0) return run;
    }
    return operations[0]![1];
  };

  const progress = args.quiet
    ? undefined
    : setInterval(() => {
        const fives = recorder.outcomes.filter((o) => o.status >= 500 || o.status === 0).length;
        log(
          `  ${Math.round(recorder.elapsed() / 1000)} s: ${recorder.outcomes.length} requests, ${orders.length} orders, ${fives} 5xx/no answer, ${violations.length} violations`,
        );
      }, 10_000);
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < deadline) {
        await chooseOperation()();
        await pause(1);
      }
    }),
  );
  clearInterval(progress);
}

// ------------------------------------------------------------------ the checks

async function allOrdersOf(base: string, tenant: Tenant): Promise<Json[]> {
  const all: Json[] = [];
  let cursor: string | null = null;
  do {
    const page: Reply = await send(
      base,
      'GET',
      `/orders?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      { token: tenant.admin },
    );
    if (page.status !== 200) throw new Error(`listing ${tenant.id}'s orders: ${page.status}`);
    all.push(...page.body.orders);
    cursor = page.body.next_cursor;
  } while (cursor);
  return all;
}

async function checkConsistency(stack: Stack, tenants: Tenant[], orders: PlacedOrder[]) {
  const base = stack.gateway;
  let readable = 0;
  // Every order answered 201 reads back, for its customer, with the lines it was placed with.
  for (let at = 0; at < orders.length; at += 16) {
    await Promise.all(
      orders.slice(at, at + 16).map(async (order) => {
        const reply = await send(base, 'GET', `/orders/${order.orderId}`, { token: order.customer.token });
        const lines = reply.body?.items?.map((item: Json) => ({
          product_id: item.product_id,
          quantity: item.quantity,
        }));
        if (reply.status !== 200) violation(`order ${order.orderId} (201) reads ${reply.status}`);
        else if (JSON.stringify(lines) !== JSON.stringify(order.items))
          violation(`order ${order.orderId}: lines changed`);
        else readable++;
      }),
    );
  }
  // One order per key: every key answered 201 once is in the tenant's list, and the list holds nothing else.
  let listed = 0;
  let productsChecked = 0;
  for (const tenant of tenants) {
    const all = await allOrdersOf(base, tenant);
    listed += all.length;
    const ids = new Set(all.map((order) => order.order_id));
    const placed = orders.filter((order) => order.tenant === tenant);
    if (ids.size !== all.length) violation(`${tenant.id}: an order is listed twice`);
    for (const order of placed)
      if (!ids.has(order.orderId)) violation(`${tenant.id}: order ${order.orderId} lost`);
    if (all.length !== placed.length) {
      violation(`${tenant.id}: ${all.length} orders stored for ${placed.length} keys answered 201`);
    }
    // Stock: what each product started with, minus what the live (not cancelled) orders hold.
    for (const product of tenant.products) {
      const held = all
        .filter((order) => order.status !== 'CANCELLED')
        .flatMap((order) => order.items)
        .filter((item: Json) => item.product_id === product.id)
        .reduce((sum: number, item: Json) => sum + item.quantity, 0);
      const reply = await send(base, 'GET', `/products/${product.id}`, { token: tenant.admin });
      if (reply.body.stock_quantity !== product.initial - held) {
        violation(
          `${tenant.id}: product ${product.id} has ${reply.body.stock_quantity} in stock, expected ${product.initial} - ${held}`,
        );
      }
      productsChecked++;
    }
  }
  // A last retry of a sample of keys: the same order, not a new one.
  const sample = [...orders].sort(() => Math.random() - 0.5).slice(0, 200);
  for (let at = 0; at < sample.length; at += 16) {
    await Promise.all(
      sample.slice(at, at + 16).map(async (order) => {
        const reply = await send(base, 'POST', '/orders', {
          token: order.customer.token,
          body: order.body,
          headers: { 'idempotency-key': order.key },
        });
        if (reply.status !== 201 || reply.body.order?.order_id !== order.orderId) {
          violation(
            `late retry of key ${order.key}: ${reply.status} ${reply.body.order?.order_id ?? reply.body.code}`,
          );
        }
      }),
    );
  }
  return { readable, listed, productsChecked, retried: sample.length };
}

// ------------------------------------------------------------------ main

async function main(): Promise<number> {
  log(
    `soak: ${args.duration} of load, ${args.stores} stores, ${TENANTS} tenants, ${CONCURRENCY} concurrent clients`,
  );
  const stack = await startStack();
  try {
    const tenants = await openTenants(stack);
    log(`stack up at ${stack.gateway}; ${tenants.length} tenants with 5 products each; load running`);
    const recorder = new Recorder();
    const orders: PlacedOrder[] = [];
    await runLoad(stack, tenants, recorder, orders);
    const elapsedS = recorder.elapsed() / 1000;

    for (const outcome of recorder.outcomes) {
      if (outcome.status === 0) violation(`${outcome.op}: no answer (${outcome.error})`);
      else if (outcome.status >= 500) violation(`${outcome.op}: ${outcome.status} ${outcome.code ?? ''}`);
      if (outcome.ms > HUNG_MS) violation(`${outcome.op}: took ${Math.round(outcome.ms)} ms`);
    }
    const checks = await checkConsistency(stack, tenants, orders);

    const fives = recorder.outcomes.filter((o) => o.status >= 500).length;
    log('');
    log(formatLatencyTable(latencyTable(recorder.outcomes)));
    log('');
    log(
      `requests ${recorder.outcomes.length} in ${elapsedS.toFixed(1)} s (${(recorder.outcomes.length / elapsedS).toFixed(0)}/s); ` +
        `5xx ${fives}; no answer ${recorder.outcomes.filter((o) => o.status === 0).length}`,
    );
    log(`statuses ${JSON.stringify(recorder.counts())}`);
    log(
      `orders answered 201: ${orders.length}, read back: ${checks.readable}, stored: ${checks.listed}; ` +
        `keys retried at the end: ${checks.retried}; products whose stock was checked: ${checks.productsChecked}`,
    );
    log(violations.length ? `FAIL: ${violations.length} violations` : 'PASS: no violations');
    if (violations.length) {
      // The services' own warnings and errors (JSON lines), not the banner with its demo tokens.
      const lines = stack
        .output()
        .split('\n')
        .filter((line) => line.startsWith('{'));
      console.error(lines.slice(-30).join('\n'));
    }
    return violations.length ? 1 : 0;
  } finally {
    await stack.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(error);
    process.exit(2);
  },
);
