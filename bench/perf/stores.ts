// The benchmark's stores: a fresh database per engine and service (dropped at the end), migrated by the
// bundled migrate.mjs as the images do it, a catalog with stock that never runs out, and DynamoDB Local.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { freePort, probe, root, sleep } from './proc.ts';

export const MYSQL_SERVER = process.env.BENCH_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306';
export const POSTGRES_SERVER = process.env.BENCH_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432';

export type SqlEngine = 'mysql' | 'postgresql';
export const serverOf = (engine: SqlEngine) => (engine === 'mysql' ? MYSQL_SERVER : POSTGRES_SERVER);

/** Creates a database and returns its URL. */
export async function createDatabase(engine: SqlEngine, name: string): Promise<string> {
  if (engine === 'mysql') {
    const connection = await mysql.createConnection(MYSQL_SERVER);
    await connection.query(`CREATE DATABASE \`${name}\``);
    await connection.end();
  } else {
    const client = new pg.Client({ connectionString: `${POSTGRES_SERVER}/postgres` });
    await client.connect();
    await client.query(`CREATE DATABASE "${name}"`);
    await client.end();
  }
  return `${serverOf(engine)}/${name}`;
}

export async function dropDatabase(engine: SqlEngine, name: string): Promise<void> {
  try {
    if (engine === 'mysql') {
      const connection = await mysql.createConnection(MYSQL_SERVER);
      await connection.query(`DROP DATABASE IF EXISTS \`${name}\``);
      await connection.end();
    } else {
      const client = new pg.Client({ connectionString: `${POSTGRES_SERVER}/postgres` });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await client.end();
    }
  } catch (error) {
    console.warn(`could not drop ${engine} database ${name}: ${(error as Error).message}`);
  }
}

/** `node dist/migrate.mjs` in an app folder (or the repo's services/<svc>), as a deployment runs it. */
export function migrate(service: 'products' | 'orders', env: Record<string, string>, app?: string): void {
  execFileSync(process.execPath, [app ? 'dist/migrate.mjs' : `services/${service}/dist/migrate.mjs`], {
    cwd: app ?? root,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

export interface SeededProduct {
  productId: string;
  price: number;
}

/** `count` active products in `tenant`, stock 1e9 each: reservations never run out in a bounded run. */
export async function seedProducts(
  engine: SqlEngine,
  url: string,
  tenant: string,
  count: number,
): Promise<SeededProduct[]> {
  const products = Array.from({ length: count }, (_, index) => ({
    productId: randomUUID(),
    sku: `BENCH-${String(index).padStart(4, '0')}`,
    name: `Bench product ${String(index).padStart(4, '0')}`,
    description: 'A product of the benchmark catalog, with a description of realistic length for a shop.',
    price: 10 + (index % 50) + 0.99,
  }));
  const columns =
    '(product_id, tenant_id, sku, name, description, price, currency, stock_quantity, is_active, version, created_at, updated_at)';
  const values = products.map((product) => [
    product.productId,
    tenant,
    product.sku,
    product.name,
    product.description,
    product.price.toFixed(2),
    'USD',
    1_000_000_000,
    true,
    1,
  ]);
  if (engine === 'mysql') {
    const connection = await mysql.createConnection(url);
    const rows = values.map((row) => [...row, new Date(), new Date()]);
    await connection.query(`INSERT INTO products ${columns} VALUES ?`, [rows]);
    await connection.end();
  } else {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    for (const row of values) {
      await client.query(
        `INSERT INTO products ${columns} VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,now(),now())`,
        row,
      );
    }
    await client.end();
  }
  return products.map(({ productId, price }) => ({ productId, price }));
}

export interface DynamoLocal {
  endpoint: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** DynamoDB Local (in memory, telemetry off) from the simulator package, run from a scratch folder. */
export async function startDynamoLocal(logDir: string): Promise<DynamoLocal> {
  const emulator = join(root, 'node_modules/amplify-dynamodb-simulator/emulator');
  const port = await freePort();
  const fd = openSync(join(logDir, 'dynamodb-local.log'), 'a');
  const scratch = mkdtempSync(join(tmpdir(), 'bench-dynamodb-'));
  const child = spawn(
    'java',
    [
      `-Djava.library.path=${emulator}/DynamoDBLocal_lib`,
      '-jar',
      `${emulator}/DynamoDBLocal.jar`,
      '-inMemory',
      '-disableTelemetry',
      '-port',
      String(port),
    ],
    { cwd: scratch, stdio: ['ignore', fd, fd] },
  );
  const endpoint = `http://127.0.0.1:${port}`;
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const deadline = Date.now() + 60_000;
  // Any HTTP answer (400 to a bare GET) means it is listening.
  while ((await probe(endpoint)) === 0) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error('DynamoDB Local did not start');
    await sleep(200);
  }
  return {
    endpoint,
    process: child,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await Promise.race([exited, sleep(5000)]);
      if (child.exitCode === null) child.kill('SIGKILL');
      rmSync(scratch, { recursive: true, force: true });
    },
  };
}
