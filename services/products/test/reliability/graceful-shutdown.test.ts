import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DevIssuer } from '@shop/platform/dev-issuer';
import { listen } from '@shop/platform/testing';
import { waitFor } from '@shop/reliability/net';
import {
  type RawReply,
  rawRequest,
  refusesConnections,
  type ServiceProcess,
  slowUpload,
  startService,
} from '@shop/reliability/service-process';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import { buildDeps } from '../../src/deps.ts';
import {
  aProduct,
  apiOf,
  newTenant,
  SERVICE_TOKEN_SECRET,
  startIssuer,
  testConfig,
  tokensOf,
} from '../support/harness.ts';

/** Slack on top of a deadline for a process to be scheduled and exit on a busy CI box. */
const EXIT_SLACK_MS = 2000;

let issuer: DevIssuer;
const started: ServiceProcess[] = [];
const folders: string[] = [];

beforeAll(async () => {
  issuer = await startIssuer();
});
afterEach(async () => {
  for (const service of started.splice(0)) service.kill();
  for (const folder of folders.splice(0)) await rm(folder, { recursive: true, force: true });
});
afterAll(() => issuer?.close());

async function startProductsProcess(env: Record<string, string>) {
  const folder = await mkdtemp(join(tmpdir(), 'products-shutdown-'));
  folders.push(folder);
  const databaseUrl = `sqlite:${join(folder, 'products.sqlite')}`;
  const service = await startService('services/products/src/server.ts', {
    NODE_ENV: 'test',
    LOG_LEVEL: 'info',
    DATABASE_URL: databaseUrl,
    MIGRATE_ON_START: 'true',
    AUTH_PROVIDER: 'dev',
    AUTH_ISSUER: issuer.issuer,
    AUTH_AUDIENCE: issuer.audience,
    SERVICE_TOKEN_SECRET,
    SERVICE_NAME: 'products',
    ...env,
  });
  started.push(service);
  return { service, databaseUrl };
}

const isPending = async (reply: Promise<unknown>) =>
  (await Promise.race([
    reply.then(() => 'settled'),
    new Promise((resolve) => setImmediate(resolve, 'pending')),
  ])) === 'pending';

describe('products on SIGTERM', () => {
  it('When SIGTERM arrives during load, then every request in flight is answered, new connections are refused meanwhile, and the process exits 0 within SHUTDOWN_TIMEOUT_MS', async () => {
    const SHUTDOWN_TIMEOUT_MS = 5000;
    const { service, databaseUrl } = await startProductsProcess({
      SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
      REQUEST_TIMEOUT_MS: '20000',
    });
    const tenant = newTenant();
    const admin = { authorization: `Bearer ${await tokensOf(issuer).admin(tenant)}` };

    // Load: catalog reads on connections of their own, until the server stops taking them.
    let loading = true;
    const background: Array<RawReply | Error> = [];
    const reader = (async () => {
      while (loading) {
        background.push(await rawRequest(service.url, 'GET', '/products?limit=5', { 'x-tenant-id': tenant }));
      }
    })();
    // In flight: four creations whose bodies are still on their way when the signal comes.
    const uploads = Array.from({ length: 4 }, () =>
      slowUpload(service.url, '/products', admin, JSON.stringify(aProduct())),
    );
    expect(await rawRequest(service.url, 'GET', '/healthz')).toMatchObject({ status: 200 });

    const signalledAt = performance.now();
    service.child.kill('SIGTERM');
    await waitFor('new connections to be refused', () => refusesConnections(service.port), {
      withinMs: 3000,
    });
    const stillInFlight = await Promise.all(uploads.map((upload) => isPending(upload.reply)));
    for (const upload of uploads) upload.finish();
    const replies = await Promise.all(uploads.map((upload) => upload.reply));
    loading = false;
    await reader;
    const exit = await service.exited;

    expect(stillInFlight).toEqual([true, true, true, true]);
    expect(replies.map((reply) => (reply instanceof Error ? reply.message : reply.status))).toEqual([
      201, 201, 201, 201,
    ]);
    expect(exit.code).toBe(0);
    expect(exit.at - signalledAt).toBeLessThan(SHUTDOWN_TIMEOUT_MS);
    expect(service.output()).toContain('shutdown complete');
    // Reads before the signal were answered whole; after it, connections were refused, never cut mid-answer.
    const answered = background.filter((reply): reply is RawReply => !(reply instanceof Error));
    expect(answered.length).toBeGreaterThan(0);
    expect(answered.every((reply) => reply.status === 200 && JSON.parse(reply.body).items)).toBe(true);
    const refused = background.filter((reply): reply is Error => reply instanceof Error);
    expect(refused.map((error) => (error as NodeJS.ErrnoException).code)).toEqual(
      refused.map(() => expect.stringMatching(/^(ECONNREFUSED|ECONNRESET)$/)),
    );

    // What the answered requests created is in the store.
    const deps = await buildDeps(testConfig(databaseUrl, issuer));
    const reread = await listen(createApp(deps).callback());
    try {
      for (const reply of replies as RawReply[]) {
        const product = JSON.parse(reply.body);
        expect(
          (await apiOf(reread.url).get(`/products/${product.product_id}`, { headers: admin })).body,
        ).toEqual(product);
      }
    } finally {
      await reread.close();
      await deps.close();
    }
  });

  it('When a request in flight stalls past REQUEST_TIMEOUT_MS during the drain, then it is answered 503 with Retry-After, and the process exits 0 within SHUTDOWN_TIMEOUT_MS', async () => {
    const SHUTDOWN_TIMEOUT_MS = 4000;
    const { service } = await startProductsProcess({
      SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
      REQUEST_TIMEOUT_MS: '1000',
    });
    const admin = { authorization: `Bearer ${await tokensOf(issuer).admin(newTenant())}` };
    const stalled = slowUpload(service.url, '/products', admin, JSON.stringify(aProduct()));
    expect(await rawRequest(service.url, 'GET', '/healthz')).toMatchObject({ status: 200 });

    const signalledAt = performance.now();
    service.child.kill('SIGTERM');
    const reply = await stalled.reply;
    const exit = await service.exited;

    expect(reply).toMatchObject({ status: 503, headers: { 'retry-after': expect.any(String) } });
    expect(JSON.parse((reply as RawReply).body)).toMatchObject({ code: 'timeout' });
    expect(exit.code).toBe(0);
    expect(exit.at - signalledAt).toBeLessThan(SHUTDOWN_TIMEOUT_MS);
  });

  it('When a request in flight outlives SHUTDOWN_TIMEOUT_MS, then its connection is cut at the deadline and the process still exits 0', async () => {
    const SHUTDOWN_TIMEOUT_MS = 1000;
    const { service } = await startProductsProcess({
      SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
      REQUEST_TIMEOUT_MS: '60000',
    });
    const admin = { authorization: `Bearer ${await tokensOf(issuer).admin(newTenant())}` };
    const stalled = slowUpload(service.url, '/products', admin, JSON.stringify(aProduct()));
    expect(await rawRequest(service.url, 'GET', '/healthz')).toMatchObject({ status: 200 });

    const signalledAt = performance.now();
    service.child.kill('SIGTERM');
    const exit = await Promise.race([service.exited, bound(SHUTDOWN_TIMEOUT_MS + 10_000)]);

    expect(exit?.code).toBe(0);
    expect(exit!.at - signalledAt).toBeGreaterThanOrEqual(SHUTDOWN_TIMEOUT_MS - 50);
    expect(exit!.at - signalledAt).toBeLessThan(SHUTDOWN_TIMEOUT_MS + EXIT_SLACK_MS);
    expect(await stalled.reply).toBeInstanceOf(Error);
    expect(service.output()).toContain('shutdown deadline reached');
  });
});

/** Resolves to undefined after `ms`: a ceiling on a wait, so a missing protection fails instead of hanging. */
const bound = (ms: number) =>
  new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), ms).unref());
