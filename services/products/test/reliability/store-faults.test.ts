import { randomUUID } from 'node:crypto';
import type { DevIssuer } from '@shop/platform/dev-issuer';
import { describeWhereInstalled, listen, type TestServer } from '@shop/platform/testing';
import { type LoadStep, mixedLoad, outageViolations, Recorder, send } from '@shop/reliability/load';
import { waitFor } from '@shop/reliability/net';
import { missingFor, type StoreProcess, startStore } from '@shop/reliability/store-processes';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import { applyMigrations } from '../../src/data-access/migrations.ts';
import { buildDeps, type Deps } from '../../src/deps.ts';
import { aProduct, newTenant, startIssuer, testConfig, tokensOf } from '../support/harness.ts';

const REQUEST_TIMEOUT_MS = 3000;
/** Every request is answered within this, outage or not: the request timeout plus slack for a busy CI box. */
const ANSWER_BOUND_MS = REQUEST_TIMEOUT_MS + 2500;
const WORKERS = 6;
const INITIAL_STOCK = 1000;

for (const kind of ['mariadb', 'postgresql'] as const) {
  describeWhereInstalled(`products when its ${kind} goes away mid-load`, missingFor(kind), () => {
    let store: StoreProcess;
    let issuer: DevIssuer;
    let deps: Deps;
    let server: TestServer;

    beforeAll(async () => {
      store = await startStore(kind);
      issuer = await startIssuer();
      deps = await buildDeps(
        testConfig(store.url, issuer, {
          // Small, so a connection lost for good (a transaction cut by the outage, never released) shows.
          DB_POOL_MAX: '2',
          DB_ACQUIRE_TIMEOUT_MS: '1000',
          REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
        }),
      );
      await applyMigrations(deps.database);
      server = await listen(createApp(deps).callback());
    });

    afterAll(async () => {
      // Every step, each bounded, whatever the one before did: no process of the test outlives it.
      for (const step of [
        () => server?.close(),
        () => deps?.close(),
        () => issuer?.close(),
        () => store?.destroy(),
      ]) {
        await Promise.race([
          Promise.resolve()
            .then(step)
            .catch(() => {}),
          bound(10_000),
        ]);
      }
    });

    it('When the database is killed during reservations and comes back, then every request is answered in time with 503 + Retry-After at worst, /readyz follows, the service recovers without a restart, and no reservation or unit of stock is lost', async () => {
      const base = server.url;
      const tenant = newTenant();
      const tokens = tokensOf(issuer);
      const admin = await tokens.admin(tenant);
      const service = await tokens.service(tenant);
      const productIds: string[] = [];
      for (let i = 0; i < 4; i++) {
        const created = await send(base, 'POST', '/products', {
          token: admin,
          body: aProduct({ stock_quantity: INITIAL_STOCK }),
        });
        expect(created.status).toBe(201);
        productIds.push(created.body.product_id);
      }

      // Load: reservations (some released again), catalog reads and admin edits, until told to stop.
      const recorder = new Recorder();
      const attempted = new Map<string, { productId: string; quantity: number }>();
      const reserved: string[] = [];
      let stopped = false;
      const pick = <T>(items: readonly T[]) => items[Math.floor(Math.random() * items.length)]!;
      const reserveSome = async () => {
        const productId = pick(productIds);
        const id = `res-${randomUUID()}`;
        const quantity = 1 + Math.floor(Math.random() * 3);
        attempted.set(id, { productId, quantity });
        const reply = await recorder.record('reserve', () =>
          send(base, 'POST', '/stock/reservations', {
            token: service,
            body: { reservation_id: id, items: [{ product_id: productId, quantity }] },
          }),
        );
        if (reply?.status === 201) reserved.push(id);
      };
      const releaseOne = () => {
        const id = pick(reserved);
        return recorder.record('release', () =>
          send(base, 'DELETE', `/stock/reservations/${id}`, { token: service }),
        );
      };
      const readOne = () =>
        recorder.record('read', () =>
          send(base, 'GET', `/products/${pick(productIds)}`, { headers: { 'x-tenant-id': tenant } }),
        );
      const listSome = () =>
        recorder.record('list', () =>
          send(base, 'GET', '/products?limit=20', { headers: { 'x-tenant-id': tenant } }),
        );
      const editOne = (roll: number) =>
        recorder.record('edit', () =>
          send(base, 'PUT', `/products/${pick(productIds)}`, {
            token: admin,
            body: { name: `Edited ${roll}` },
          }),
        );
      const mix: LoadStep[] = [
        { below: 0.5, run: reserveSome },
        // With nothing reserved yet, the roll falls through to a read.
        { below: 0.6, when: () => reserved.length > 0, run: releaseOne },
        { below: 0.8, run: readOne },
        { below: 0.9, run: listSome },
        { below: 1, run: editOne },
      ];
      const worker = () => mixedLoad(mix, recorder, () => stopped);
      const succeeded = (op: string, since = 0) =>
        recorder.outcomes.filter((o) => o.op === op && o.status < 300 && o.at >= since).length;
      const readiness = async () =>
        (await send(base, 'GET', '/readyz', { timeoutMs: ANSWER_BOUND_MS })).status;

      const workers = Array.from({ length: WORKERS }, worker);
      try {
        await waitFor('20 reservations before the outage', () => succeeded('reserve') >= 20, {
          withinMs: 15_000,
        });

        await store.kill();
        const killedAt = recorder.outcomes.length;
        await waitFor('/readyz to say 503', async () => (await readiness()) === 503, { withinMs: 10_000 });
        await waitFor(
          'requests to meet the outage',
          () => recorder.outcomes.slice(killedAt).filter((o) => o.status === 503).length >= 10,
          { withinMs: 10_000 },
        );

        await store.restart();
        await waitFor('/readyz to say 200 again', async () => (await readiness()) === 200, {
          withinMs: 20_000,
        });
        const recoveredAt = recorder.elapsed();
        await waitFor('20 reservations after recovery', () => succeeded('reserve', recoveredAt) >= 20, {
          withinMs: 20_000,
        });
      } finally {
        stopped = true;
        await Promise.all(workers);
      }

      expect(outageViolations(recorder.outcomes, ANSWER_BOUND_MS)).toEqual([]);
      expect(recorder.outcomes.filter((o) => o.status === 503).length).toBeGreaterThan(0);

      // Every reservation answered 201 still exists; stock is the initial stock minus what active ones hold.
      await waitFor(
        'stock to equal the initial stock minus the active reservations',
        async () => {
          const held = new Map(productIds.map((id) => [id, 0]));
          for (const [id, { productId, quantity }] of attempted) {
            const reply = await send(base, 'GET', `/stock/reservations/${id}`, { token: service });
            if (reply.status === 404 && !reserved.includes(id)) continue;
            expect(reply.status).toBe(200);
            if (reply.body.status === 'active') held.set(productId, held.get(productId)! + quantity);
          }
          for (const productId of productIds) {
            const reply = await send(base, 'GET', `/products/${productId}`, { token: admin });
            if (reply.body.stock_quantity !== INITIAL_STOCK - held.get(productId)!) return false;
          }
          return true;
        },
        { withinMs: 10_000, everyMs: 500 },
      );
      // No connection is left checked out by the outage: the pool closes (as on SIGTERM) at once.
      expect(await Promise.race([deps.close().then(() => 'closed'), bound(5000)])).toBe('closed');
    }, 90_000);
  });
}

/** Resolves to undefined after `ms`: a ceiling on a wait, so a missing protection fails instead of hanging. */
const bound = (ms: number) =>
  new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), ms).unref());
