import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { serve } from '../src/lifecycle.ts';
import { createLogger } from '../src/logging.ts';

const logger = createLogger({ service: 'test', level: 'silent' });

const get = (url: string) =>
  new Promise<{ status: number; body: string; connection?: string }>((resolve, reject) => {
    const req = request(url, { agent: false }, (res) => {
      let body = '';
      res.on('data', (chunk) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, connection: res.headers.connection }));
    });
    req.on('error', reject);
    req.end();
  });

describe('graceful shutdown', () => {
  it('When shutdown starts during a request, then that request is answered, new ones refused, hooks run', async () => {
    let release: () => void = () => undefined;
    let arrived: () => void = () => undefined;
    const reached = new Promise<void>((resolve) => {
      arrived = resolve;
    });
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const closed: string[] = [];
    const running = await serve(
      async (_req, res) => {
        arrived();
        await gate;
        res.end('done');
      },
      {
        port: 0,
        host: '127.0.0.1',
        logger,
        shutdownTimeoutMs: 5000,
        acceptWhileClosingMs: 0,
        exit: false,
        signals: [],
        onShutdown: [() => void closed.push('pool')],
      },
    );
    const inFlight = get(`${running.url}/`);
    await reached;
    const stopping = running.shutdown('test');
    await expect(get(`${running.url}/`)).rejects.toThrow();
    release();
    expect(await inFlight).toMatchObject({ status: 200, body: 'done' });
    await stopping;
    expect(closed).toEqual(['pool']);
  });

  it('When a request outlives the deadline, then its connection is cut and shutdown still completes', async () => {
    let arrived: () => void = () => undefined;
    const reached = new Promise<void>((resolve) => {
      arrived = resolve;
    });
    const running = await serve(() => arrived(), {
      port: 0,
      host: '127.0.0.1',
      logger,
      shutdownTimeoutMs: 100,
      acceptWhileClosingMs: 0,
      exit: false,
      signals: [],
    });
    const hanging = get(`${running.url}/`).catch((error: Error) => error);
    await reached;
    await running.shutdown();
    expect(await hanging).toBeInstanceOf(Error);
  });
});

describe('connections queued at shutdown', () => {
  it('When a request arrives just after shutdown starts, then it is still answered, with Connection: close, and later ones are refused', async () => {
    const running = await serve((_req, res) => res.end('ok'), {
      port: 0,
      host: '127.0.0.1',
      logger,
      shutdownTimeoutMs: 1000,
      acceptWhileClosingMs: 200,
      exit: false,
      signals: [],
    });
    const stopping = running.shutdown('test');
    expect(await get(`${running.url}/`)).toEqual({ status: 200, body: 'ok', connection: 'close' });
    await stopping;
    await expect(get(`${running.url}/`)).rejects.toThrow();
  });
});

describe('start-up memory', () => {
  const loggedLines = () => {
    const lines: Array<Record<string, unknown>> = [];
    const log = createLogger({
      service: 'test',
      level: 'info',
      destination: { write: (line: string) => void lines.push(JSON.parse(line)) },
    });
    return { lines, log };
  };
  const options = (log: ReturnType<typeof createLogger>, releaseStartupMemoryAfterMs: number) => ({
    port: 0,
    host: '127.0.0.1',
    logger: log,
    shutdownTimeoutMs: 1000,
    exit: false,
    signals: [],
    releaseStartupMemoryAfterMs,
  });
  const released = (lines: Array<Record<string, unknown>>) =>
    lines.filter((line) => line.message === 'start-up memory released');

  it('When the service has been up and idle for a moment, then one compacting collection runs and says what it gave back', async () => {
    const { lines, log } = loggedLines();
    const running = await serve((_req, res) => res.end('ok'), options(log, 20));
    await expect.poll(() => released(lines).length, { timeout: 5000 }).toBe(1);
    expect(released(lines)[0]).toMatchObject({
      rssBeforeMb: expect.any(Number),
      rssAfterMb: expect.any(Number),
      ms: expect.any(Number),
    });
    expect(typeof (globalThis as { gc?: unknown }).gc).toBe('undefined');
    await running.shutdown('test');
  });

  it('When a request is in flight at that moment, then the collection waits until it is answered', async () => {
    const { lines, log } = loggedLines();
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let arrived: () => void = () => undefined;
    const reached = new Promise<void>((resolve) => {
      arrived = resolve;
    });
    const running = await serve(
      async (_req, res) => {
        arrived();
        await gate;
        res.end('ok');
      },
      options(log, 20),
    );
    const answer = get(`${running.url}/`);
    await reached;
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(released(lines)).toHaveLength(0);
    release();
    await answer;
    await expect.poll(() => released(lines).length, { timeout: 5000 }).toBe(1);
    await running.shutdown('test');
  });
});
