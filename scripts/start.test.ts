import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from '@shop/reliability/net';
import { afterEach, describe, expect, it } from 'vitest';

/**
 * `npm start` as a user runs it, on free ports with its own data. Its stdout and stderr pipes are shared
 * by every process of the stack (the children inherit them), so they close only when the last of them
 * has exited: waiting for that is how these tests see that nothing was left running.
 */

const root = resolve(import.meta.dirname, '..');
/** Starting the stack migrates two stores and builds the storefront: slow on a busy machine. */
const STACK_TEST_TIMEOUT_MS = 180_000;

interface Stack {
  process: ChildProcess;
  ports: { gateway: number; products: number; orders: number; issuer: number };
  output: () => string;
  /** Resolves once every process of the stack has exited (both pipes closed). */
  allGone: Promise<unknown>;
  exitCode: Promise<number | null>;
}

const started: Stack[] = [];
const dataDirs: string[] = [];
afterEach(async () => {
  for (const stack of started.splice(0)) if (stack.process.exitCode === null) stack.process.kill('SIGKILL');
  await Promise.all(dataDirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

async function startStack(ports?: Partial<Stack['ports']>): Promise<Stack> {
  const dataDir = await mkdtemp(join(tmpdir(), 'start-test-'));
  dataDirs.push(dataDir);
  const chosen = {
    gateway: ports?.gateway ?? (await freePort()),
    products: await freePort(),
    orders: await freePort(),
    issuer: await freePort(),
  };
  const child = spawn(
    process.execPath,
    [
      'scripts/start.ts',
      '--port',
      String(chosen.gateway),
      '--products-port',
      String(chosen.products),
      '--orders-port',
      String(chosen.orders),
      '--issuer-port',
      String(chosen.issuer),
      '--quiet',
    ],
    {
      cwd: root,
      env: { ...process.env, DATA_DIR: dataDir, LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const stack: Stack = {
    process: child,
    ports: chosen,
    output: () => output,
    allGone: Promise.all([once(child.stdout, 'close'), once(child.stderr, 'close')]),
    exitCode: once(child, 'exit').then(([code]) => code as number | null),
  };
  started.push(stack);
  return stack;
}

/** Resolves when the banner is printed (the stack is up), rejects if npm start exits first. */
function ready(stack: Stack): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = () => {
      if (stack.output().includes('Shop is running')) resolve();
    };
    stack.process.stdout?.on('data', check);
    check();
    void stack.exitCode.then((code) => reject(new Error(`npm start exited (${code}):\n${stack.output()}`)));
  });
}

/** The processes npm start runs, by the script each runs. */
function childrenOf(pid: number): Map<string, number> {
  const found = new Map<string, number>();
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    for (const child of readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8')
      .split(' ')
      .filter(Boolean)) {
      const args = readFileSync(`/proc/${child}/cmdline`, 'utf8').split('\0');
      const script = args.find((arg) => arg.endsWith('.ts') && !arg.includes('exit-with-parent'));
      if (script) found.set(script, Number(child));
    }
  }
  return found;
}

/** Every listening TCP socket on `port`, as the kernel lists it: IPv4 `a.b.c.d`, IPv6 as hex. */
function listenersOn(port: number): string[] {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  const found: string[] = [];
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const [, local, , state] = line.trim().split(/\s+/);
      if (state !== '0A' || !local?.endsWith(`:${hexPort}`)) continue;
      const address = local.slice(0, -5);
      found.push(address.length === 8 ? Buffer.from(address, 'hex').reverse().join('.') : `[${address}]`);
    }
  }
  return found;
}

describe.skipIf(process.platform !== 'linux')('npm start', () => {
  it(
    'When the stack is up, then the services and the dev issuer listen on loopback only; when a service dies, then npm start names it, stops the rest and exits 1',
    async () => {
      const stack = await startStack();
      await ready(stack);

      expect({
        products: listenersOn(stack.ports.products),
        orders: listenersOn(stack.ports.orders),
        issuer: listenersOn(stack.ports.issuer),
        gateway: listenersOn(stack.ports.gateway),
      }).toEqual({
        products: ['127.0.0.1'],
        orders: ['127.0.0.1'],
        issuer: ['127.0.0.1'],
        gateway: ['127.0.0.1'],
      });

      const products = childrenOf(stack.process.pid!).get('services/products/src/server.ts');
      expect(products).toBeDefined();
      process.kill(products!, 'SIGKILL');

      expect(await stack.exitCode).toBe(1);
      await stack.allGone;
      expect(stack.output()).toContain('npm start: products exited (signal SIGKILL); stopping the stack.');
    },
    STACK_TEST_TIMEOUT_MS,
  );

  it(
    'When npm start itself is killed outright, then no process of the stack outlives it',
    async () => {
      const stack = await startStack();
      await ready(stack);
      expect([...childrenOf(stack.process.pid!).keys()].sort()).toEqual([
        'services/orders/src/server.ts',
        'services/products/src/server.ts',
      ]);

      stack.process.kill('SIGKILL');

      await stack.allGone;
    },
    STACK_TEST_TIMEOUT_MS,
  );

  it(
    'When the gateway cannot listen, then npm start says so, stops the services it started and exits 1',
    async () => {
      const taken: Server = createServer();
      await new Promise<void>((done) => taken.listen(0, '127.0.0.1', done));
      const port = (taken.address() as { port: number }).port;
      try {
        const stack = await startStack({ gateway: port });

        expect(await stack.exitCode).toBe(1);
        await stack.allGone;
        expect(stack.output()).toMatch(
          new RegExp(
            `npm start: the gateway \\(port ${port}\\) failed: .*EADDRINUSE.*; stopping the stack\\.`,
          ),
        );
      } finally {
        await new Promise((done) => taken.close(done));
      }
    },
    STACK_TEST_TIMEOUT_MS,
  );
});
