// `npm start`: the whole stack with no Docker. Products and orders on SQLite under .data/, the dev
// issuer, and a gateway on http://localhost:8080 that serves the storefront and routes the API as the
// cloud gateways do. A second run reuses the data; Ctrl-C stops everything. If any part dies, the rest is
// stopped and the exit code is 1: nothing is left running on its own, even when this process is killed.
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
import { type DevIssuer, startDevIssuer } from '@shop/platform/dev-issuer';
import { buildStorefront } from '../services/storefront/build.ts';
import { startGateway } from './local/gateway.ts';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: process.env.PORT ?? '8080' },
    'products-port': { type: 'string', default: '8081' },
    'orders-port': { type: 'string', default: '8082' },
    'issuer-port': { type: 'string', default: '8090' },
    // The gateway's address. Loopback by default: it also fronts the dev issuer, which signs anyone in as
    // anyone. The services and the issuer stay on loopback whatever this says (/stock* is internal).
    host: { type: 'string', default: process.env.GATEWAY_HOST ?? '127.0.0.1' },
    quiet: { type: 'boolean', default: false },
  },
});

const root = resolve(import.meta.dirname, '..');
const dataDir = resolve(process.env.DATA_DIR ?? join(root, '.data'));
/** Where the services and the dev issuer listen: only the gateway is meant to be reached. */
const LOOPBACK = '127.0.0.1';
/** A child that has not stopped this long after SIGTERM is killed (the services drain in at most 8 s). */
const STOP_GRACE_MS = 10_000;
/** Loaded into every child: it stops when this process goes away, however that happens. */
const EXIT_WITH_PARENT = join(import.meta.dirname, 'local/exit-with-parent.ts');

const children = new Set<ChildProcess>();
let gateway: Awaited<ReturnType<typeof startGateway>> | undefined;
let issuer: DevIssuer | undefined;
let stopping = false;

/** Says which part failed, then stops everything else and exits non-zero. */
function fail(reason: string): void {
  if (stopping) return;
  console.error(`npm start: ${reason}; stopping the stack.`);
  void stop(1);
}

const exited = (child: ChildProcess) =>
  new Promise<number>((done) => {
    if (child.exitCode !== null || child.signalCode !== null) done(child.exitCode ?? 1);
    else child.once('exit', (code) => done(code ?? 1));
  });

/** A child process; `oneShot` children (migrations) may exit 0, any other exit stops the stack. */
function run(
  name: string,
  script: string,
  env: Record<string, string>,
  { args = [], oneShot = false }: { args?: string[]; oneShot?: boolean } = {},
): ChildProcess {
  const child = spawn(process.execPath, ['--import', EXIT_WITH_PARENT, script, ...args], {
    cwd: root,
    env: { ...process.env, ...common, ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  children.add(child);
  child.on('error', (error) => fail(`${name} could not be started (${error.message})`));
  child.on('exit', (code, signal) => {
    children.delete(child);
    if (oneShot && code === 0) return;
    fail(`${name} exited (${signal ? `signal ${signal}` : `code ${code}`})`);
  });
  return child;
}

let stopped: Promise<never> | undefined;
function stop(code = 0): Promise<never> {
  stopping = true;
  stopped ??= (async () => {
    gateway?.server.close();
    gateway?.server.closeAllConnections();
    const running = [...children];
    for (const child of running) child.kill('SIGTERM');
    const killer = setTimeout(() => {
      for (const child of running) child.kill('SIGKILL');
    }, STOP_GRACE_MS);
    await Promise.all(running.map(exited));
    clearTimeout(killer);
    await issuer?.close().catch(() => undefined);
    process.exit(code);
  })();
  return stopped;
}

/** Where start-up halts once the stack is stopping: stop() exits the process. */
const halted = () => new Promise<never>(() => {});

process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
// Nothing this process runs (gateway, dev issuer, storefront build) may take it down alone.
process.on('uncaughtException', (error) => fail(`unexpected error: ${error.stack ?? error.message}`));
process.on('unhandledRejection', (error) => fail(`unexpected error: ${(error as Error)?.stack ?? error}`));

/** One start-up step; its failure names it. */
async function step<T>(what: string, action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (error) {
    fail(`${what} failed: ${(error as Error).message}`);
    return halted();
  }
}

await mkdir(dataDir, { recursive: true });

/** One secret for service credentials, made on first run and kept with the data. */
async function serviceSecret(): Promise<string> {
  const file = join(dataDir, 'service-token-secret');
  if (existsSync(file)) return (await readFile(file, 'utf8')).trim();
  const secret = randomBytes(32).toString('base64url');
  await writeFile(file, secret, { mode: 0o600 });
  return secret;
}

issuer = await step('the dev issuer', () =>
  startDevIssuer({
    port: Number(values['issuer-port']),
    host: LOOPBACK,
    keysDir: join(dataDir, 'dev-issuer'),
  }),
);
const devIssuer = issuer;
const secret = await serviceSecret();
const productsUrl = `http://${LOOPBACK}:${values['products-port']}`;
const ordersUrl = `http://${LOOPBACK}:${values['orders-port']}`;

const common = {
  NODE_ENV: 'development',
  HOST: LOOPBACK,
  LOG_LEVEL: process.env.LOG_LEVEL ?? (values.quiet ? 'warn' : 'info'),
  AUTH_PROVIDER: 'dev',
  AUTH_ISSUER: devIssuer.issuer,
  AUTH_AUDIENCE: devIssuer.audience,
  SERVICE_TOKEN_SECRET: secret,
  CORS_ORIGINS: '*',
  MIGRATE_ON_START: 'true',
  DEFAULT_TENANT: process.env.DEFAULT_TENANT ?? 'demo',
};

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

// Schema and demo data first (idempotent), then the servers. A failed migration stops the stack itself.
await exited(
  run('products-migrate', 'services/products/src/migrate.ts', productsEnv, {
    args: ['--seed'],
    oneShot: true,
  }),
);
if (stopping) await halted();
await exited(run('orders-migrate', 'services/orders/src/migrate.ts', ordersEnv, { oneShot: true }));
if (stopping) await halted();

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

gateway = await step(`the gateway (port ${values.port})`, () =>
  startGateway({
    port: Number(values.port),
    host: values.host,
    staticDir: join(storefront, existsSync(join(storefront, 'dist/index.html')) ? 'dist' : 'public'),
    routes: [
      { prefix: '/products', target: productsUrl },
      { prefix: '/orders', target: ordersUrl },
      { prefix: '/customers', target: ordersUrl },
      { prefix: '/dev-issuer', target: devIssuer.url, strip: true },
    ],
  }),
);
gateway.server.on('error', (error) => fail(`the gateway failed: ${error.message}`));
const gatewayUrl = gateway.url;

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
await step('waiting for the services', () => Promise.all([waitHealthy(productsUrl), waitHealthy(ordersUrl)]));

const admin = await devIssuer.mint({
  tenant: 'demo',
  role: 'admin',
  sub: 'demo-admin',
  email: 'admin@demo.shop',
});
const customer = await devIssuer.mint({
  tenant: 'demo',
  role: 'customer',
  sub: 'demo-customer',
  email: 'ada@demo.shop',
});
console.log(`
  Shop is running: ${gatewayUrl}
    storefront   ${gatewayUrl}/              (Sign in: pick a store, a role and a user)
    products     ${gatewayUrl}/products
    orders       ${gatewayUrl}/orders            (bearer token required)
    dev issuer   ${devIssuer.url}  (tokens: npm run token -- --tenant demo --role admin)

  Demo tokens (tenant "demo", valid 1 h):
    admin     ${admin}
    customer  ${customer}

  curl ${gatewayUrl}/products
  curl -H "Authorization: Bearer $TOKEN" ${gatewayUrl}/orders

  Ctrl-C stops everything; data stays in ${dataDir}.
`);
