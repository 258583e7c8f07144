// `make compose-test`: proves `docker compose up` end to end. Builds every image of docker-compose.yml,
// brings the stack up, waits until the gateway serves the API, then drives it through
// http://127.0.0.1:8080 as a user would: the storefront page, the anonymous catalog, a dev-issuer
// token, an order placed and read back (priced by the server, stock taken), /stock refused. Then
// `down -v`. Twice: orders on DynamoDB Local (the default), then ORDERS_STORE=sql --profile postgres.
//
// Compose v2 (`docker compose`) runs the file as is. Where only Compose v1 (`docker-compose` 1.29)
// exists, it runs a copy without the keys v1 does not know (top-level `name`, `depends_on.*.required`),
// and says so.
//
//   node scripts/compose-test.ts [--no-build] [--keep] [--only dynamodb|postgres]
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { parse, stringify } from 'yaml';

const root = resolve(import.meta.dirname, '..');
const gateway = 'http://127.0.0.1:8080';
const project = (parse(readFileSync(join(root, 'docker-compose.yml'), 'utf8')) as { name: string }).name;
const { values: args } = parseArgs({
  options: {
    'no-build': { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
    only: { type: 'string' },
  },
});

interface ComposeFile {
  name?: string;
  services: Record<
    string,
    { profiles?: string[]; depends_on?: Record<string, { condition: string; required?: boolean }> }
  >;
}

interface Variant {
  name: 'dynamodb' | 'postgres';
  env: Record<string, string>;
  profiles: string[];
  /** The store orders-migrate reports it migrated. */
  store: string;
}
const allVariants: Variant[] = [
  { name: 'dynamodb', env: {}, profiles: [], store: 'dynamodb' },
  { name: 'postgres', env: { ORDERS_STORE: 'sql' }, profiles: ['postgres'], store: 'postgresql' },
];
const variants = allVariants.filter((v) => !args.only || v.name === args.only);

const log = (line: string) => process.stdout.write(`compose-test: ${line}\n`);

function fail(message: string): never {
  throw new Error(message);
}

function run(command: string[], env: Record<string, string> = {}, options: { quiet?: boolean } = {}) {
  const result = spawnSync(command[0]!, command.slice(1), {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: options.quiet ? 'pipe' : 'inherit',
    encoding: 'utf8',
  });
  if (result.status !== 0) {
    if (options.quiet) process.stderr.write(`${result.stdout ?? ''}${result.stderr ?? ''}`);
    fail(`${command.join(' ')} exited with ${result.status ?? result.signal}`);
  }
  return result.stdout ?? '';
}

const succeeds = (command: string[]) =>
  spawnSync(command[0]!, command.slice(1), { stdio: 'ignore' }).status === 0;

/** `docker compose` (v2) when the plugin is there, else `docker-compose` (v1) on a copy it accepts. */
function composeCommand(profiles: string[]): { command: string[]; cleanup(): void } {
  if (succeeds(['docker', 'compose', 'version'])) {
    log('Compose v2: running docker-compose.yml as is');
    return { command: ['docker', 'compose', '-f', 'docker-compose.yml'], cleanup: () => {} };
  }
  if (!succeeds(['docker-compose', 'version']))
    fail('neither `docker compose` (v2) nor `docker-compose` (v1) is installed');
  const file = parse(readFileSync(join(root, 'docker-compose.yml'), 'utf8'), { merge: true }) as ComposeFile;
  delete file.name;
  for (const service of Object.values(file.services)) {
    for (const [dependency, spec] of Object.entries(service.depends_on ?? {})) {
      if (spec.required !== false) continue;
      // What v2 does with required: false: wait for it when its profile runs, else ignore it.
      const theirs: string[] = file.services[dependency]?.profiles ?? [];
      if (theirs.length && !theirs.some((p) => profiles.includes(p))) delete service.depends_on?.[dependency];
      else delete spec.required;
    }
  }
  const dir = mkdtempSync(join(tmpdir(), 'compose-v1-'));
  const copy = join(dir, 'docker-compose.v1.yml');
  // Every string quoted: v1 reads YAML 1.1, where a bare `no` (restart: "no") is a boolean.
  writeFileSync(
    copy,
    stringify(file, {
      aliasDuplicateObjects: false,
      defaultStringType: 'QUOTE_DOUBLE',
      defaultKeyType: 'PLAIN',
    }),
  );
  log(
    'only Compose v1 here (docker-compose 1.29): running a copy of docker-compose.yml without the keys ' +
      `v1 does not know (top-level name -> -p ${project}; depends_on.*.required resolved for profiles ` +
      `[${profiles.join(', ')}]): ${copy}`,
  );
  return {
    command: ['docker-compose', '-p', project, '--project-directory', root, '-f', copy],
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

async function portIsFree(port: number): Promise<boolean> {
  return new Promise((done) => {
    const server = createServer()
      .once('error', () => done(false))
      .listen(port, '127.0.0.1', () => server.close(() => done(true)));
  });
}

async function http(
  method: string,
  path: string,
  init: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
) {
  const response = await fetch(`${gateway}${path}`, {
    method,
    headers: {
      ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
      ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...init.headers,
    },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  const type = response.headers.get('content-type') ?? '';
  return { status: response.status, type, text, json: type.includes('json') ? JSON.parse(text) : undefined };
}

function expectThat(condition: unknown, what: string, detail?: unknown): void {
  if (!condition) fail(`${what}${detail === undefined ? '' : `: ${JSON.stringify(detail).slice(0, 600)}`}`);
  log(`ok  ${what}`);
}

async function waitForGateway(project: string, seconds: number) {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const ready = await http('GET', '/products?limit=1').then(
      (r) => r.status === 200,
      () => false,
    );
    if (ready) return;
    // Any container of the project that exited non-zero (a migration, a service) ends the wait.
    const exited = run(
      [
        'docker',
        'ps',
        '-a',
        '--filter',
        `label=com.docker.compose.project=${project}`,
        '--format',
        '{{.Names}} {{.Status}}',
      ],
      {},
      { quiet: true },
    )
      .split('\n')
      .filter((line) => /Exited \([1-9]/.test(line));
    if (exited.length) fail(`a container failed:\n${exited.join('\n')}`);
    if (Date.now() > deadline) fail(`the gateway did not serve /products within ${seconds} s`);
    await new Promise((r) => setTimeout(r, 2000));
  }
}

async function driveTheShop(variant: Variant, compose: string[], env: Record<string, string>) {
  const migrated = run([...compose, 'logs', '--no-color', 'orders-migrate'], env, { quiet: true });
  expectThat(
    migrated.includes(`"store":"${variant.store}"`),
    `orders runs on ${variant.store}`,
    migrated.slice(-400),
  );

  const page = await http('GET', '/');
  expectThat(
    page.status === 200 && page.type.includes('text/html'),
    'GET / serves the storefront page',
    page.status,
  );
  const script =
    page.text.match(/src="\/?(assets\/app-[\w-]+\.js)"/)?.[1] ?? fail('the page loads no app script');
  const app = await http('GET', `/${script}`);
  expectThat(
    app.status === 200 && app.text.length > 1000,
    `GET /${script} serves the storefront's code`,
    app.status,
  );
  const config = await http('GET', '/config.json');
  expectThat(
    config.status === 200 && config.json?.tenant === 'demo',
    'GET /config.json names the demo tenant',
    config.json,
  );

  const catalog = await http('GET', '/products?limit=100');
  const products = catalog.json?.items ?? [];
  expectThat(
    catalog.status === 200 && products.length >= 10,
    'GET /products lists the seeded demo catalog anonymously',
    catalog.json,
  );
  const product =
    products.find((p: { stock_quantity: number }) => p.stock_quantity >= 2) ?? fail('no product in stock');

  const token = await http('POST', '/dev-issuer/token', {
    body: { tenant: 'demo', role: 'customer', sub: `compose-${variant.name}-${randomUUID().slice(0, 8)}` },
  });
  expectThat(
    token.status === 200 && typeof token.json?.access_token === 'string',
    'POST /dev-issuer/token signs a customer in',
    token.json,
  );
  const bearer = token.json.access_token as string;

  const order = {
    shipping_address: { street: '1 Main St', city: 'Springfield', zip_code: '12345', country: 'USA' },
    items: [{ product_id: product.product_id, quantity: 2 }],
  };
  const key = randomUUID();
  const placed = await http('POST', '/orders', {
    token: bearer,
    body: order,
    headers: { 'idempotency-key': key },
  });
  expectThat(placed.status === 201, 'POST /orders places an order', placed.json);
  const created = placed.json.order;
  const expectedTotal = (Number(product.price) * 2).toFixed(2);
  expectThat(
    Number(created.total_amount).toFixed(2) === expectedTotal,
    `the server priced it (${expectedTotal} ${product.currency})`,
    created,
  );
  const retried = await http('POST', '/orders', {
    token: bearer,
    body: order,
    headers: { 'idempotency-key': key },
  });
  expectThat(
    retried.json?.order?.order_id === created.order_id,
    'a retry with the same Idempotency-Key returns the same order',
    retried.json,
  );

  const read = await http('GET', `/orders/${created.order_id}`, { token: bearer });
  expectThat(
    read.status === 200 && read.json?.order_id === created.order_id,
    'GET /orders/{id} reads it back',
    read.json,
  );
  const mine = await http('GET', '/orders?my_orders=true', { token: bearer });
  const listed = mine.json?.orders ?? mine.json?.items ?? [];
  expectThat(
    listed.some((o: { order_id: string }) => o.order_id === created.order_id),
    'GET /orders?my_orders=true lists it',
    mine.json,
  );

  const after = await http('GET', `/products/${product.product_id}`);
  expectThat(
    after.json?.stock_quantity === product.stock_quantity - 2,
    'the stock went down by the quantity ordered',
    after.json,
  );

  for (const [method, path] of [
    ['GET', '/stock/reservations'],
    ['POST', '/stock/reservations'],
    ['DELETE', `/stock/reservations/${created.order_id}`],
  ] as const) {
    const refused = await http(method, path, { token: bearer, body: method === 'POST' ? {} : undefined });
    expectThat(refused.status === 404, `${method} ${path} is not routed by the gateway`, refused.status);
  }
}

async function main() {
  if (!succeeds(['docker', 'version'])) fail('no Docker engine answers (docker version failed)');
  if (!(await portIsFree(8080))) fail('port 8080 is taken: the compose gateway publishes it');
  let built = args['no-build'];
  for (const variant of variants) {
    const compose = composeCommand(variant.profiles);
    const env = { ...variant.env, COMPOSE_PROFILES: variant.profiles.join(',') };
    const started = Date.now();
    try {
      if (!built) {
        log('building the images (docker compose build)');
        run([...compose.command, 'build'], { ...env, DOCKER_BUILDKIT: process.env.DOCKER_BUILDKIT ?? '0' });
        built = true;
      }
      log(`up: orders on ${variant.name}`);
      run([...compose.command, 'up', '-d'], env);
      await waitForGateway(project, 240);
      log(`stack serving after ${((Date.now() - started) / 1000).toFixed(0)} s`);
      await driveTheShop(variant, compose.command, env);
      log(`PASSED: docker compose up with orders on ${variant.name}`);
    } catch (error) {
      run([...compose.command, 'ps'], env);
      run([...compose.command, 'logs', '--tail', '40'], env);
      throw error;
    } finally {
      if (!args.keep) {
        const down = spawnSync(
          compose.command[0]!,
          [...compose.command.slice(1), 'down', '-v', '--remove-orphans'],
          {
            cwd: root,
            env: { ...process.env, ...env },
            stdio: 'ignore',
          },
        );
        if (down.status !== 0) log('WARNING: compose down failed; remove the stack by hand');
      }
      compose.cleanup();
    }
  }
}

main().then(
  () => log('all variants passed'),
  (error: Error) => {
    process.stderr.write(`compose-test: FAILED: ${error.message}\n`);
    process.exit(1);
  },
);
