import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { serve } from '../src/lifecycle.ts';
import { createLogger } from '../src/logging.ts';

const logger = createLogger({ service: 'test', level: 'silent' });

const get = (url: string) =>
  new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request(url, { agent: false }, (res) => {
      let body = '';
      res.on('data', (chunk) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
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
    expect(await inFlight).toEqual({ status: 200, body: 'done' });
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
      exit: false,
      signals: [],
    });
    const hanging = get(`${running.url}/`).catch((error: Error) => error);
    await reached;
    await running.shutdown();
    expect(await hanging).toBeInstanceOf(Error);
  });
});
