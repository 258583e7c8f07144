// The `npm start` stack on free ports with its own data directory: products and orders on SQLite, the
// dev issuer, and the gateway serving the freshly built storefront. Plus small API helpers for
// arranging data and asserting through the API.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from '@shop/reliability/net';
import { patience } from './patience.ts';

const repoRoot = resolve(import.meta.dirname, '../../../..');

export interface Stack {
  /** The gateway: storefront at `/`, API under /products, /orders, /dev-issuer. */
  url: string;
  token(tenant: string, role: 'admin' | 'customer', sub?: string, email?: string): Promise<string>;
  api<T = unknown>(path: string, options?: ApiCall): Promise<{ status: number; body: T; headers: Headers }>;
  stop(): Promise<void>;
}

export interface ApiCall {
  method?: string;
  token?: string;
  body?: unknown;
  headers?: Record<string, string>;
}

/** A tenant id no other test (or earlier run) uses. */
export const freshTenant = (label: string) => `e2e-${label}-${randomBytes(4).toString('hex')}`;

export async function startStack(): Promise<Stack> {
  const dataDir = await mkdtemp(join(tmpdir(), 'storefront-e2e-'));
  const ports = new Set<number>();
  while (ports.size < 4) ports.add(await freePort());
  const [port, productsPort, ordersPort, issuerPort] = [...ports] as [number, number, number, number];
  const child: ChildProcess = spawn(
    process.execPath,
    [
      'scripts/start.ts',
      '--port',
      String(port),
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
      env: { ...process.env, DATA_DIR: dataDir, LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  const url = `http://localhost:${port}`;

  const stop = async () => {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    await rm(dataDir, { recursive: true, force: true });
  };

  // Ready when the gateway serves the catalog through to products (migrated and seeded) and the page.
  const readyWithinMs = patience(90_000);
  const deadline = Date.now() + readyWithinMs;
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`npm start exited with ${child.exitCode} before it was ready:\n${output}`);
    }
    try {
      const [products, page] = await Promise.all([fetch(`${url}/products`), fetch(`${url}/`)]);
      if (products.ok && page.ok && (await page.text()).includes('assets/app-')) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`npm start was not ready within ${readyWithinMs / 1000} s:\n${output}`);
    }
    await new Promise((done) => setTimeout(done, 200));
  }

  const api: Stack['api'] = async (path, options = {}) => {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${url}${path}`, {
      method: options.method ?? 'GET',
      headers,
      body: options.body === undefined ? null : JSON.stringify(options.body),
    });
    const text = await response.text();
    return {
      status: response.status,
      body: (text ? JSON.parse(text) : null) as never,
      headers: response.headers,
    };
  };

  const token: Stack['token'] = async (tenant, role, sub, email) => {
    const { status, body } = await api<{ access_token: string }>('/dev-issuer/token', {
      method: 'POST',
      body: { tenant, role, ...(sub ? { sub } : {}), ...(email ? { email } : {}) },
    });
    if (status !== 200) throw new Error(`dev issuer answered ${status}`);
    return body.access_token;
  };

  return { url, token, api, stop };
}

export interface NewProduct {
  sku: string;
  name: string;
  price: number;
  stock_quantity?: number;
  description?: string;
  currency?: string;
}

/** Creates products in a tenant through the API, as its admin. */
export async function createProducts(stack: Stack, adminToken: string, products: NewProduct[]) {
  const created: Array<{ product_id: string; sku: string; name: string; version: number; price: number }> =
    [];
  for (const product of products) {
    const { status, body } = await stack.api<{
      product_id: string;
      sku: string;
      name: string;
      version: number;
      price: number;
    }>('/products', {
      method: 'POST',
      token: adminToken,
      body: { stock_quantity: 50, ...product },
    });
    if (status !== 201)
      throw new Error(`creating ${product.sku} answered ${status}: ${JSON.stringify(body)}`);
    created.push(body);
  }
  return created;
}
