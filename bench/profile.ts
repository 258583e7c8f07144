// `node bench/profile.ts <scenario>`: one service from source (unminified, so frames name their files)
// under --cpu-prof, loaded with wrk for a bounded time, then a summary (self time per function,
// time per package anywhere on the stack) and a flame graph SVG in bench/.profiles/. A tool to find the
// cause of a missed budget; `npm run bench` does not run it.
//   scenarios: product-anonymous | product-token | product-list | reserve (POST /stock/reservations with the
//              orders service's credential)   [--engine mysql|postgresql] [--seconds N]
//              [--bundle] (profile dist/server.mjs instead of src)  [--env KEY=VALUE ...]

import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createServiceTokenIssuer } from '@shop/platform';
import { startDevIssuer } from '@shop/platform/dev-issuer';
import { flameGraphSvg, summarise } from './perf/cpu-profile.ts';
import { cleanupLoad, measure, type RequestSpec, UNIQUE } from './perf/load.ts';
import { freePort, root, spawnNode, stop, waitForOk } from './perf/proc.ts';
import { createDatabase, dropDatabase, migrate, type SqlEngine, seedProducts } from './perf/stores.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    engine: { type: 'string', default: 'mysql' },
    seconds: { type: 'string', default: '8' },
    bundle: { type: 'boolean', default: false },
    env: { type: 'string', multiple: true, default: [] },
    connections: { type: 'string', default: '10' },
  },
});
const scenario = positionals[0] ?? 'product-anonymous';
const engine = values.engine as SqlEngine;
const outDir = join(root, 'bench', '.profiles');
mkdirSync(outDir, { recursive: true });
const logDir = mkdtempSync(join(tmpdir(), 'bench-profile-'));

const name = `bench_profile_${Date.now().toString(36)}`;
const url = await createDatabase(engine, name);
const keysDir = mkdtempSync(join(tmpdir(), 'bench-issuer-'));
const issuer = await startDevIssuer({ port: await freePort(), keysDir });
try {
  const env = {
    NODE_ENV: 'production',
    AUTH_PROVIDER: 'dev',
    AUTH_ALLOW_DEV_PROVIDER: 'true',
    AUTH_ISSUER: issuer.issuer,
    AUTH_AUDIENCE: issuer.audience,
    SERVICE_TOKEN_SECRET: 'bench-service-token-secret-0123456789abcdef',
    SERVICE_NAME: 'products',
    DATABASE_URL: url,
    DB_POOL_MAX: '10',
    DEFAULT_TENANT: 'bench',
    ...Object.fromEntries(values.env.map((pair) => pair.split('=') as [string, string])),
  };
  migrate('products', env);
  const catalog = await seedProducts(engine, url, 'bench', 200);
  const [product] = catalog;
  const serviceToken = await createServiceTokenIssuer({
    secret: env.SERVICE_TOKEN_SECRET,
    issuer: 'orders',
    audience: 'products',
    scopes: ['stock:reserve'],
  }).tokenFor('bench');
  const token = await issuer.mint({ tenant: 'bench', role: 'customer', sub: 'bench-customer' });
  const label = `${scenario}-${engine}${values.bundle ? '-bundle' : ''}-${Date.now().toString(36)}`;
  const child = spawnNode({
    name: label,
    args: [values.bundle ? 'services/products/dist/server.mjs' : 'services/products/src/server.ts'],
    env,
    port: await freePort(),
    logDir,
    nodeOptions: ['--cpu-prof', '--cpu-prof-dir', outDir, '--cpu-prof-name', `${label}.cpuprofile`],
  });
  await waitForOk(child, '/readyz', { seconds: 60 });
  // A new reservation id on every request (wrk.lua's {{unique}}), one unit of a random product.
  const reserve = catalog.map(({ productId }) =>
    JSON.stringify({ reservation_id: UNIQUE, items: [{ product_id: productId, quantity: 1 }] }),
  );
  const request: RequestSpec =
    scenario === 'reserve'
      ? {
          method: 'POST' as const,
          path: '/stock/reservations',
          headers: { authorization: `Bearer ${serviceToken}` },
          bodies: reserve,
        }
      : scenario === 'product-list'
        ? { path: '/products?limit=20' }
        : {
            path: `/products/${product?.productId}`,
            ...(scenario === 'product-token' ? { headers: { authorization: `Bearer ${token}` } } : {}),
          };
  const result = await measure(child.url, request, {
    connections: Number(values.connections),
    warmupSeconds: 2,
    durationSeconds: Number(values.seconds),
  });
  await stop(child);
  const file = join(outDir, `${label}.cpuprofile`);
  if (!readdirSync(outDir).includes(`${label}.cpuprofile`)) throw new Error('no profile written');
  const summary = summarise(file);
  writeFileSync(join(outDir, `${label}.svg`), flameGraphSvg(file, `${scenario} on ${engine}`));
  writeFileSync(join(outDir, `${label}.json`), JSON.stringify({ result, summary }, null, 2));
  console.log(
    `${scenario} on ${engine}: ${result.rps} req/s, p50 ${result.p50} ms, p99 ${result.p99} ms, errors ${result.errors}`,
  );
  console.log(`busy ${summary.totalMs} ms, idle ${summary.idleMs} ms`);
  console.log('\nself time by package:');
  for (const row of summary.selfByPackage)
    console.log(`  ${row.share.toFixed(1).padStart(5)} %  ${row.name}`);
  console.log('\non the stack (inclusive) by package:');
  for (const row of summary.inclusiveByPackage)
    console.log(`  ${row.share.toFixed(1).padStart(5)} %  ${row.name}`);
  console.log('\nself time by function:');
  for (const row of summary.selfByFunction)
    console.log(`  ${row.share.toFixed(1).padStart(5)} %  ${row.name}`);
  console.log(`\n${file}\n${join(outDir, `${label}.svg`)}`);
} finally {
  cleanupLoad();
  await issuer.close();
  await dropDatabase(engine, name);
  rmSync(keysDir, { recursive: true, force: true });
  rmSync(logDir, { recursive: true, force: true });
}
