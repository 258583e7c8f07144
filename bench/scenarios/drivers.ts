// Which drivers each service loads on each store (a load-hook trace of a bundled service that served one
// store-backed request): a store's deployment loads its own driver and no other.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Harness } from '../harness.ts';
import { analyseTrace, TRACE_HOOK } from '../perf/drivers.ts';
import { stop, waitForOk } from '../perf/proc.ts';
import type { Service } from '../perf/stage.ts';
import { bearer, type Fixture, NO_PRODUCTS } from '../setup.ts';

export interface DriverCheck {
  service: string;
  store: string;
  expected: string[];
  families: string[];
  chunks: string[];
  pass: boolean;
}

interface DriverCase {
  service: Service;
  store: string;
  env: Record<string, string>;
  own: string[];
}

function driverCases(fixture: Fixture): DriverCase[] {
  const { productsEnv, ordersEnv, sqlStore, dynamoEnv, productsDb, ordersDb } = fixture;
  const orm = 'MikroORM/kysely';
  return [
    { service: 'products', store: 'MariaDB', env: productsEnv(productsDb.mysql), own: ['mysql2', orm] },
    { service: 'products', store: 'PostgreSQL', env: productsEnv(productsDb.postgresql), own: ['pg', orm] },
    {
      service: 'products',
      store: 'SQLite',
      env: { ...productsEnv('sqlite::memory:'), MIGRATE_ON_START: 'true' },
      own: ['better-sqlite3', orm],
    },
    { service: 'orders', store: 'DynamoDB', env: ordersEnv(dynamoEnv, NO_PRODUCTS), own: ['AWS SDK'] },
    {
      service: 'orders',
      store: 'MariaDB',
      env: ordersEnv(sqlStore(ordersDb.mysql), NO_PRODUCTS),
      own: ['mysql2', orm],
    },
    {
      service: 'orders',
      store: 'PostgreSQL',
      env: ordersEnv(sqlStore(ordersDb.postgresql), NO_PRODUCTS),
      own: ['pg', orm],
    },
    {
      service: 'orders',
      store: 'SQLite',
      env: { ...ordersEnv(sqlStore('sqlite::memory:'), NO_PRODUCTS), MIGRATE_ON_START: 'true' },
      own: ['better-sqlite3', orm],
    },
  ];
}

export async function runDriverChecks(harness: Harness, fixture: Fixture): Promise<DriverCheck[]> {
  harness.log('driver check: which drivers each service loads on each store');
  const checks: DriverCheck[] = [];
  for (const check of driverCases(fixture)) {
    const report = await traceOf(harness, fixture, check);
    const unexpected = report.families.filter((family) => !check.own.includes(family));
    const missing = check.own.filter((family) => !report.families.includes(family));
    checks.push({
      service: check.service,
      store: check.store,
      expected: check.own,
      families: report.families,
      chunks: report.chunks,
      pass: unexpected.length === 0 && missing.length === 0,
    });
    harness.log(`  ${check.service} on ${check.store}: ${report.families.join(', ') || '(none)'}`);
  }
  harness.children.length = 0;
  return checks;
}

/** Starts the service with the load-hook trace, serves one store-backed request, stops it, reads the trace. */
async function traceOf(harness: Harness, fixture: Fixture, check: DriverCase) {
  const trace = join(harness.logDir, `trace-${check.service}-${check.store}.json`);
  const child = await harness.spawn(
    `drivers-${check.service}-${check.store}`,
    fixture.serviceArgs(check.service),
    { ...check.env, BENCH_MODULE_TRACE: trace },
    ['--import', TRACE_HOOK],
  );
  await waitForOk(child, '/readyz', { seconds: 30 });
  // A real store-backed route too, so anything loaded lazily on first use is loaded.
  const path = check.service === 'products' ? `/products/${randomUUID()}` : '/customers/bench-reader/orders';
  await fetch(`${child.url}${path}`, { headers: bearer(fixture.tokens.reader) }).then((response) =>
    response.arrayBuffer(),
  );
  await stop(child);
  return analyseTrace(fixture.apps[check.service].dir, JSON.parse(readFileSync(trace, 'utf8')) as string[]);
}
