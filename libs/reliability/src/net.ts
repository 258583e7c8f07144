import { createServer } from 'node:net';

/** A loopback port nothing listens on (yet). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Polls `probe` every `everyMs` until it returns true, for at most `withinMs`; throws `what` when it never does. */
export async function waitFor(
  what: string,
  probe: () => Promise<boolean> | boolean,
  { withinMs = 30_000, everyMs = 100 }: { withinMs?: number; everyMs?: number } = {},
): Promise<void> {
  const deadline = Date.now() + withinMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      if (await probe()) return;
    } catch (error) {
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
  throw new Error(
    `${what}: not within ${withinMs} ms${lastError ? ` (last error: ${(lastError as Error).message})` : ''}`,
  );
}
