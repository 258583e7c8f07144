import { connect, createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../src/logging.ts';
import { whenStoreAnswers } from '../src/wait-for-store.ts';

const logger = createLogger({ service: 'test', level: 'silent' });

/** A port nothing listens on (yet). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Connects to the "store": resolves once it accepts, fails with the socket's own error otherwise. */
const reach = (port: number) =>
  new Promise<string>((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.end();
      resolve('answered');
    });
    socket.on('error', reject);
  });

describe('whenStoreAnswers', () => {
  let server: Server | undefined;
  afterEach(() => server?.close());

  it('When the store refuses connections at first, then the task is retried until it answers', async () => {
    const port = await closedPort();
    let attempts = 0;
    const result = await whenStoreAnswers(
      async () => {
        attempts++;
        if (attempts === 3) {
          server = createServer((socket) => socket.end());
          await new Promise<void>((resolve) => server!.listen(port, '127.0.0.1', resolve));
        }
        return reach(port);
      },
      { timeoutMs: 10_000, intervalMs: 10, logger },
    );
    expect(result).toBe('answered');
    expect(attempts).toBe(3);
  });

  it('When the store never answers, then the last refusal is thrown once the time is up', async () => {
    const port = await closedPort();
    let attempts = 0;
    const waiting = whenStoreAnswers(
      () => {
        attempts++;
        return reach(port);
      },
      { timeoutMs: 100, intervalMs: 10, logger },
    );
    await expect(waiting).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    expect(attempts).toBeGreaterThan(1);
  });

  it('When the task fails for another reason, then it is thrown at once, not retried', async () => {
    let attempts = 0;
    const waiting = whenStoreAnswers(
      async () => {
        attempts++;
        throw Object.assign(new Error('denied'), { name: 'AccessDeniedException' });
      },
      { timeoutMs: 10_000, intervalMs: 10, logger },
    );
    await expect(waiting).rejects.toThrow('denied');
    expect(attempts).toBe(1);
  });
});
