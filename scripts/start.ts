// `npm start`: the whole stack with no Docker. Products and orders on SQLite under .data/, the dev
// issuer, and a gateway on http://localhost:8080 that serves the storefront and routes the API as the
// cloud gateways do. A second run reuses the data; Ctrl-C stops everything.
//
//   npm start -- --port 9090
//   PRODUCTS_DATABASE_URL=mysql://root@127.0.0.1:3306/shop npm start
//   ORDERS_STORE=dynamodb DYNAMODB_ENDPOINT=http://127.0.0.1:8000 npm start
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startDevIssuer } from '@shop/platform/dev-issuer';
import { buildStorefront } from '../services/storefront/build.ts';
import { startGateway } from './local/gateway.ts';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: process.env.PORT ?? '8080' },
    'products-port': { type: 'string', default: '8081' },
    'orders-port': { type: 'string', default: '8082' },
    'issuer-port': { type: 'string', default: '8090' },
    // Loopback by default: the gateway also fronts the dev issuer, which signs anyone in as anyone.
    host: { type: 'string', default: process.env.GATEWAY_HOST ?? '127.0.0.1' },
    quiet: { type: 'boolean', default: false },
  },
});

const root = resolve(import.meta.dirname, '..');
const dataDir = resolve(process.env.DATA_DIR ?? join(root, '.data'));
await mkdir(dataDir, { recursive: true });

/** One secret for service credentials, made on first run and kept with the data. */
async function serviceSecret(): Promise<string> {
  const file = join(dataDir, 'service-token-secret');
  if (existsSync(file)) return (await readFile(file, 'utf8')).trim();
  const secret = randomBytes(32).toString('base64url');
  await writeFile(file, secret, { mode: 0o600 });
  return secret;
}

const issuer = await startDevIssuer({
  port: Number(values['issuer-port']),
  keysDir: join(dataDir, 'dev-issuer'),
});
const secret = await serviceSecret();
const productsUrl = `http://127.0.0.1:${values['products-port']}`;
const ordersUrl = `http://127.0.0.1:${values['orders-port']}`;

const common = {
  NODE_ENV: 'development',
  LOG_LEVEL: process.env.LOG_LEVEL ?? (values.quiet ? 'warn' : 'info'),
  AUTH_PROVIDER: 'dev',
  AUTH_ISSUER: issuer.issuer,
  AUTH_AUDIENCE: issuer.audience,
  SERVICE_TOKEN_SECRET: secret,
  CORS_ORIGINS: '*',
  MIGRATE_ON_START: 'true',
  DEFAULT_TENANT: process.env.DEFAULT_TENANT ?? 'demo',
};

const children: ChildProcess[] = [];
let stopping = false;
function run(name: string, script: string, env: Record<string, string>, args: string[] = []): ChildProcess {
  const child = spawn(process.execPath, [script, ...args], {
    cwd: root,
    env: { ...process.env, ...common, ...env },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  child.on('exit', (code, signal) => {
    if (!stopping && script.endsWith('server.ts')) {
      console.error(`${name} exited (${signal ?? code}); stopping the stack`);
      void stop(1);
    }
  });
  children.push(child);
  return child;
}

const exited = (child: ChildProcess) =>
  new Promise<number>((done) => child.on('exit', (code) => done(code ?? 1)));

const productsEnv = {
  SERVICE_NAME: 'products',
  PORT: values['products-port']!,
  DATABASE_URL: process.env.PRODUCTS_DATABASE_URL ?? `sqlite:${join(dataDir, 'products.sqlite')}`,
};
const ordersEnv = {
  SERVICE_NAME: 'orders',
  PORT: values['orders-port']!,
  ORDERS_STORE: process.env.ORDERS_STORE ?? 'sql',
  DATABASE_URL: process.env.ORDERS_DATABASE_URL ?? `sqlite:${join(dataDir, 'orders.sqlite')}`,
  PRODUCTS_URL: productsUrl,
  ...(process.env.DYNAMODB_ENDPOINT ? { DYNAMODB_ENDPOINT: process.env.DYNAMODB_ENDPOINT } : {}),
};

// Schema and demo data first (idempotent), then the servers.
const seeded = await exited(
  run('products-migrate', 'services/products/src/migrate.ts', productsEnv, ['--seed']),
);
if (seeded !== 0) throw new Error('products migration failed');
const migrated = await exited(run('orders-migrate', 'services/orders/src/migrate.ts', ordersEnv));
if (migrated !== 0) throw new Error('orders migration failed');

run('products', 'services/products/src/server.ts', productsEnv);
run('orders', 'services/orders/src/server.ts', ordersEnv);

// The storefront is built on every start (well under a second), with the local config.json: same-origin
// API through this gateway and dev-issuer sign-in. A failed build still serves the API.
const storefront = join(root, 'services/storefront');
try {
  await buildStorefront({ outDir: join(storefront, 'dist') });
} catch (error) {
  console.error(`storefront build failed; serving the last build, if any: ${(error as Error).message}`);
}

const gateway = await startGateway({
  port: Number(values.port),
  host: values.host,
  staticDir: join(storefront, existsSync(join(storefront, 'dist/index.html')) ? 'dist' : 'public'),
  routes: [
    { prefix: '/products', target: productsUrl },
    { prefix: '/orders', target: ordersUrl },
    { prefix: '/customers', target: ordersUrl },
    { prefix: '/dev-issuer', target: issuer.url, strip: true },
  ],
});

async function waitHealthy(url: string): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt++) {
    try {
      if ((await fetch(`${url}/healthz`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((done) => setTimeout(done, 100));
  }
  throw new Error(`${url} did not become healthy`);
}
await Promise.all([waitHealthy(productsUrl), waitHealthy(ordersUrl)]);

const admin = await issuer.mint({
  tenant: 'demo',
  role: 'admin',
  sub: 'demo-admin',
  email: 'admin@demo.shop',
});
const customer = await issuer.mint({
  tenant: 'demo',
  role: 'customer',
  sub: 'demo-customer',
  email: 'ada@demo.shop',
});
console.log(`
  Shop is running: ${gateway.url}
    storefront   ${gateway.url}/              (Sign in: pick a store, a role and a user)
    products     ${gateway.url}/products
    orders       ${gateway.url}/orders            (bearer token required)
    dev issuer   ${issuer.url}  (tokens: npm run token -- --tenant demo --role admin)

  Demo tokens (tenant "demo", valid 1 h):
    admin     ${admin}
    customer  ${customer}

  curl ${gateway.url}/products
  curl -H "Authorization: Bearer $TOKEN" ${gateway.url}/orders

  Ctrl-C stops everything; data stays in ${dataDir}.
`);

async function stop(code = 0) {
  if (stopping) return;
  stopping = true;
  gateway.server.close();
  gateway.server.closeAllConnections();
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
  await Promise.all(children.filter((child) => child.exitCode === null).map(exited));
  await issuer.close();
  process.exit(code);
}
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
