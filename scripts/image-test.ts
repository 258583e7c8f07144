// `make image-test`: builds both images and proves them the way a platform would run them.
// Docker when an engine answers, else podman (../shared/tools/offline-images.sh prepares it offline).
// For each image: migrations from the image, the server against a real store (products on MariaDB /
// MySQL, orders on DynamoDB Local calling the products container), /healthz, a store-backed request,
// a non-root user, and SIGTERM under load: every accepted request answered, exit within 2 s.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startDevIssuer } from '@shop/platform/dev-issuer';
import { freePort, waitFor } from '@shop/reliability/net';

const root = resolve(import.meta.dirname, '..');
const skipBuild = process.argv.includes('--no-build');
const mysqlUrl = process.env.IMAGE_TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306';

function engine(): { cli: string; build: string[]; run: string[] } {
  if (spawnSync('docker', ['info'], { stdio: 'ignore' }).status === 0) {
    return { cli: 'docker', build: ['build'], run: ['run', '--network=host'] };
  }
  if (spawnSync('podman', ['--version'], { stdio: 'ignore' }).status !== 0) {
    const prepare = resolve(root, '../shared/tools/offline-images.sh');
    if (!existsSync(prepare)) throw new Error('neither a Docker engine nor podman is available');
    execFileSync('bash', [prepare], { stdio: 'inherit' });
  }
  return {
    cli: 'podman',
    build: ['build', '--isolation', 'chroot', '--network=host'],
    // This sandbox refuses the runtime's default rlimits; a real host needs none of these flags.
    run: [
      'run',
      '--runtime',
      'runc',
      '--network=host',
      '--ulimit',
      'nofile=1024:4096',
      '--ulimit',
      'nproc=1024:4096',
    ],
  };
}

const { cli, build, run } = engine();
const sh = (args: string[], options: { quiet?: boolean } = {}) =>
  execFileSync(cli, args, { cwd: root, stdio: options.quiet ? 'pipe' : 'inherit', encoding: 'utf8' });

/** Until `url` answers 2xx. */
const waitForOk = (url: string, seconds = 60) =>
  waitFor(`${url} answering 2xx`, async () => (await fetch(url)).ok, {
    withinMs: seconds * 1000,
    everyMs: 250,
  });

function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(`FAILED: ${message}`);
  console.log(`  ok  ${message}`);
}

/** Runs the container CLI without blocking the event loop (requests in flight must keep flowing). */
const shAsync = (args: string[]) =>
  new Promise<void>((done, fail) =>
    spawn(cli, args, { stdio: 'ignore' }).on('exit', (code) =>
      code === 0 ? done() : fail(new Error(`${cli} ${args.join(' ')}: ${code}`)),
    ),
  );

/**
 * Sends `count` requests at once and, when every one has been written to the server and the first is
 * answered, sends SIGTERM: each of them is in flight, so each must be answered.
 */
async function sigtermUnderLoad(name: string, url: string, count = 40) {
  const outcomes = { answered: 0, refused: 0, cut: 0, errors: new Set<string>() };
  let first: () => void = () => undefined;
  const firstAnswered = new Promise<void>((done) => {
    first = done;
  });
  const sent: Promise<void>[] = [];
  const one = () =>
    new Promise<void>((done) => {
      const req = request(url, { agent: false }, (res) => {
        res.resume();
        res.on('end', () => {
          outcomes.answered++;
          first();
          done();
        });
        res.on('error', (error: NodeJS.ErrnoException) => {
          outcomes.errors.add(`response: ${error.code ?? error.message}`);
          outcomes.cut++;
          done();
        });
      });
      sent.push(new Promise<void>((written) => req.on('finish', () => written())));
      req.on('error', (error: NodeJS.ErrnoException) => {
        if (error.code === 'ECONNREFUSED') outcomes.refused++;
        else {
          outcomes.errors.add(`request: ${error.code ?? error.message}`);
          outcomes.cut++;
        }
        done();
      });
      req.end();
    });
  const all = Promise.all(Array.from({ length: count }, one));
  await Promise.all([firstAnswered, ...sent]);
  const started = Date.now();
  await shAsync(['kill', '--signal', 'TERM', name]);
  await shAsync(['wait', name]);
  const stoppedIn = Date.now() - started;
  await all;
  return { ...outcomes, stoppedIn };
}

const env = (vars: Record<string, string>) =>
  Object.entries(vars).flatMap(([key, value]) => ['-e', `${key}=${value}`]);

const keysDir = await mkdtemp(join(tmpdir(), 'image-test-issuer-'));
const issuer = await startDevIssuer({ port: await freePort(), keysDir, issuer: undefined });
const secret = 'image-test-service-secret-0123456789abcdef';
const auth = {
  NODE_ENV: 'production',
  AUTH_PROVIDER: 'dev',
  AUTH_ALLOW_DEV_PROVIDER: 'true',
  AUTH_ISSUER: issuer.issuer,
  AUTH_AUDIENCE: issuer.audience,
  SERVICE_TOKEN_SECRET: secret,
};
const containers: string[] = [];
let dynamo: ReturnType<typeof spawn> | undefined;

try {
  if (!skipBuild) {
    for (const service of ['products', 'orders']) {
      console.log(`\n== building shop-${service} with ${cli}`);
      sh([...build, '-f', `services/${service}/Dockerfile`, '-t', `shop-${service}`, '.']);
    }
  }

  console.log('\n== products on MySQL/MariaDB');
  const database = `image_test_${Date.now()}`;
  execFileSync('mysql', ['-h127.0.0.1', '-uroot', '-e', `CREATE DATABASE ${database}`]);
  const productsEnv = { ...auth, SERVICE_NAME: 'products', DATABASE_URL: `${mysqlUrl}/${database}` };
  sh([...run, '--rm', ...env(productsEnv), 'shop-products', 'node', 'dist/migrate.mjs', '--seed']);
  const productsPort = await freePort();
  containers.push('image-test-products');
  sh(
    [
      ...run,
      '-d',
      '--name',
      'image-test-products',
      ...env({ ...productsEnv, PORT: String(productsPort) }),
      'shop-products',
    ],
    {
      quiet: true,
    },
  );
  const productsUrl = `http://127.0.0.1:${productsPort}`;
  await waitForOk(`${productsUrl}/healthz`);
  check(true, 'products /healthz is 200');
  const catalog = (await (await fetch(`${productsUrl}/products?limit=5`)).json()) as { items: unknown[] };
  check(catalog.items.length === 5, 'products GET /products reads the seeded catalog from MySQL');
  const uid = sh(['exec', 'image-test-products', 'id', '-u'], { quiet: true }).trim();
  check(uid !== '0', `products runs as a non-root user (uid ${uid})`);

  console.log('\n== orders on DynamoDB Local, calling the products container');
  const emulator = join(root, 'node_modules/amplify-dynamodb-simulator/emulator');
  const dynamoPort = await freePort();
  dynamo = spawn(
    'java',
    [
      `-Djava.library.path=${emulator}/DynamoDBLocal_lib`,
      '-jar',
      `${emulator}/DynamoDBLocal.jar`,
      '-inMemory',
      '-port',
      String(dynamoPort),
    ],
    {
      stdio: 'ignore',
    },
  );
  await waitForOk(`http://127.0.0.1:${dynamoPort}`, 60).catch(() => undefined);
  const ordersEnv = {
    ...auth,
    SERVICE_NAME: 'orders',
    ORDERS_STORE: 'dynamodb',
    DYNAMODB_ENDPOINT: `http://127.0.0.1:${dynamoPort}`,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    PRODUCTS_URL: productsUrl,
  };
  sh([...run, '--rm', ...env(ordersEnv), 'shop-orders', 'node', 'dist/migrate.mjs']);
  const ordersPort = await freePort();
  containers.push('image-test-orders');
  sh(
    [
      ...run,
      '-d',
      '--name',
      'image-test-orders',
      ...env({ ...ordersEnv, PORT: String(ordersPort) }),
      'shop-orders',
    ],
    {
      quiet: true,
    },
  );
  const ordersUrl = `http://127.0.0.1:${ordersPort}`;
  await waitForOk(`${ordersUrl}/healthz`);
  check(true, 'orders /healthz is 200');
  const token = await issuer.mint({ tenant: 'demo', role: 'customer', sub: 'image-test-customer' });
  const first = catalog.items[0] as { product_id: string; price: number };
  const placed = await fetch(`${ordersUrl}/orders`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      'idempotency-key': 'image-test-1',
    },
    body: JSON.stringify({
      shipping_address: { street: '1 Main St', city: 'Springfield', zip_code: '12345', country: 'USA' },
      items: [{ product_id: first.product_id, quantity: 1 }],
    }),
  });
  check(
    placed.status === 201,
    `orders POST /orders reserves stock in products and writes DynamoDB (${placed.status})`,
  );
  const mine = (await (
    await fetch(`${ordersUrl}/orders`, { headers: { authorization: `Bearer ${token}` } })
  ).json()) as {
    orders: unknown[];
  };
  check(mine.orders.length === 1, 'orders GET /orders reads the order back from DynamoDB');
  const ordersUid = sh(['exec', 'image-test-orders', 'id', '-u'], { quiet: true }).trim();
  check(ordersUid !== '0', `orders runs as a non-root user (uid ${ordersUid})`);

  console.log('\n== SIGTERM under load');
  for (const [name, url] of [
    ['image-test-orders', `${ordersUrl}/healthz`],
    ['image-test-products', `${productsUrl}/products?limit=20`],
  ] as const) {
    const result = await sigtermUnderLoad(name, url);
    check(
      result.cut === 0,
      `${name}: every accepted request answered (${result.answered} answered, ${result.refused} refused after close${result.cut ? `, ${result.cut} cut: ${[...result.errors].join(', ')}` : ''})`,
    );
    check(result.stoppedIn < 2000, `${name}: exited ${result.stoppedIn} ms after SIGTERM`);
    const code = sh(['inspect', '--format', '{{.State.ExitCode}}', name], { quiet: true }).trim();
    check(code === '0', `${name}: exit code 0`);
  }
  console.log('\nimage-test passed');
} finally {
  for (const name of containers) spawnSync(cli, ['rm', '-f', name], { stdio: 'ignore' });
  dynamo?.kill();
  await issuer.close();
}
