import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, type RunningServer, serve } from '@shop/platform';
import { fuzzOptions } from '@shop/platform/testing';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway } from './local/gateway.ts';

/**
 * The local gateway of `npm start` against a stub upstream and a static folder. It runs in this process:
 * an exception it let escape would fail the run as an unhandled error, as it killed `npm start`.
 */

let gateway: { server: Server; url: string };
let upstream: Server;
const forwarded: string[] = [];
let staticDir: string;

beforeAll(async () => {
  staticDir = await mkdtemp(join(tmpdir(), 'gateway-test-'));
  await writeFile(join(staticDir, 'index.html'), '<!doctype html><title>shop</title>');
  upstream = createServer((req, res) => {
    forwarded.push(req.url ?? '');
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"upstream":true}');
  });
  await new Promise<void>((done) => upstream.listen(0, '127.0.0.1', done));
  const target = `http://127.0.0.1:${(upstream.address() as { port: number }).port}`;
  gateway = await startGateway({
    port: 0,
    staticDir,
    routes: [
      { prefix: '/products', target },
      { prefix: '/orders', target },
      { prefix: '/dev-issuer', target, strip: true },
    ],
  });
});

afterAll(async () => {
  gateway?.server.closeAllConnections();
  await new Promise((done) => gateway?.server.close(done));
  upstream?.closeAllConnections();
  await new Promise((done) => upstream?.close(done));
  await rm(staticDir, { recursive: true, force: true });
});

interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * Sends `bytes` as they are on a fresh connection (`connection: close`, so the gateway ends it) and reads
 * the first response, whatever follows it. The client does not half-close: Node drops a request whose
 * client did, which no real client does.
 */
function exchange(bytes: Buffer): Promise<RawAnswer | undefined> {
  const { port } = new URL(gateway.url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('latin1');
      const end = text.indexOf('\r\n\r\n');
      const status = /^HTTP\/1\.1 (\d{3}) /.exec(text);
      if (end < 0 || !status) return resolve(undefined);
      const headers: Record<string, string> = {};
      for (const line of text.slice(0, end).split('\r\n').slice(1)) {
        const colon = line.indexOf(':');
        headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
      const rest = text.slice(end + 4);
      const body = headers['transfer-encoding'] === 'chunked' ? dechunked(rest) : rest;
      resolve({ status: Number(status[1]), headers, body });
    });
    socket.write(bytes);
  });
}

function dechunked(text: string): string {
  let body = '';
  for (let at = 0; ; ) {
    const eol = text.indexOf('\r\n', at);
    const size = Number.parseInt(text.slice(at, eol), 16);
    if (!size) return body;
    body += text.slice(eol + 2, eol + 2 + size);
    at = eol + 2 + size + 2;
  }
}

const requestFor = (target: Buffer | string, method = 'GET') =>
  Buffer.concat([
    Buffer.from(`${method} `),
    Buffer.from(target as string, 'latin1'),
    Buffer.from(' HTTP/1.1\r\nhost: localhost\r\nconnection: close\r\n\r\n'),
  ]);

function expectProblem(answer: RawAnswer | undefined, status: number, code: string) {
  expect(answer?.status, answer?.body).toBe(status);
  expect(answer?.headers['content-type']).toBe('application/problem+json');
  expect(JSON.parse(answer?.body ?? '')).toEqual(
    expect.objectContaining({ status, code, title: expect.any(String), detail: expect.any(String) }),
  );
}

describe('local gateway', () => {
  it('When a path holds a malformed percent-escape, then 400 problem+json, and nothing is forwarded', async () => {
    const before = forwarded.length;

    expectProblem(await exchange(requestFor('/%E0%A4%A')), 400, 'bad_request');
    expectProblem(await exchange(requestFor('/products/%E0%A4%A')), 400, 'bad_request');
    expectProblem(await exchange(requestFor('/assets/%zz.js')), 400, 'bad_request');

    expect(forwarded.length).toBe(before);
    expect((await fetch(`${gateway.url}/`)).status).toBe(200);
  });

  it('When the request line cannot be parsed as HTTP, then 400 problem+json rather than a bare 400', async () => {
    expectProblem(await exchange(Buffer.from('GET /a b c\r\nhost: x\r\n\r\n')), 400, 'bad_request');
  });

  it('When a well-formed path is asked for, then it is routed or served as before', async () => {
    expect(await (await fetch(`${gateway.url}/products/abc?limit=1`)).json()).toEqual({ upstream: true });
    expect(forwarded.at(-1)).toBe('/products/abc?limit=1');
    expect(await (await fetch(`${gateway.url}/some/page%20name`)).text()).toContain('<title>shop</title>');
    expect((await fetch(`${gateway.url}/stock/reservations`)).status).toBe(404);
  });

  const prefixes = fc.constantFrom('', '/', '/products/', '/orders/', '/dev-issuer/', '/stock/', '/assets/');
  // Raw bytes of any value but CR and LF, which end the request line: what follows is another request.
  const rawBytes = fc
    .uint8Array({ maxLength: 12 })
    .map((bytes) => Buffer.from(bytes.filter((b) => b !== 13 && b !== 10)));
  const pieces = fc.oneof(
    rawBytes,
    fc
      .uint8Array({ maxLength: 12 })
      .map((bytes) => Buffer.from([...bytes].map((b) => `%${b.toString(16)}`).join(''))),
    fc.string({ maxLength: 12 }).map((text) => Buffer.from(encodeURIComponent(text))),
    fc
      .constantFrom(
        '%',
        '%z',
        '%E0%A4%A',
        '%C0%AF',
        '%ED%A0%80',
        '%FF',
        '%00',
        '..',
        '%2e%2e',
        '%2F',
        '?',
        '#',
      )
      .map((text) => Buffer.from(text)),
  );

  it('When the path holds any bytes, then the gateway answers (never a 5xx; errors as problems) and stays up', async () => {
    await fc.assert(
      fc.asyncProperty(prefixes, fc.array(pieces, { maxLength: 4 }), async (prefix, parts) => {
        const target = Buffer.concat([Buffer.from(prefix), ...parts]);
        const answer = await exchange(requestFor(target.toString('latin1')));

        expect(answer, `no answer to ${JSON.stringify(target.toString('latin1'))}`).toBeDefined();
        expect(answer!.status, answer!.body).toBeLessThan(500);
        if (answer!.status >= 400) {
          expect(answer!.headers['content-type']).toBe('application/problem+json');
          expect(JSON.parse(answer!.body).status).toBe(answer!.status);
        }
      }),
      fuzzOptions(300),
    );
    expect((await fetch(`${gateway.url}/`)).status).toBe(200);
  });

  it('When a client revalidates a cached read, then If-None-Match reaches the service and its 304 comes back bodiless with ETag, Cache-Control and Vary', async () => {
    const conditions: Array<string | undefined> = [];
    const caching = {
      etag: '"7"',
      'cache-control': 'public, max-age=30, stale-while-revalidate=30',
      vary: 'Origin, X-Tenant-Id, Authorization',
    };
    const service = createServer((req, res) => {
      conditions.push(req.headers['if-none-match']);
      if (req.headers['if-none-match'] === '"7"') {
        res.writeHead(304, caching);
        res.end();
        return;
      }
      res.writeHead(200, { ...caching, 'content-type': 'application/json' });
      res.end('{"version":7}');
    });
    await new Promise<void>((done) => service.listen(0, '127.0.0.1', done));
    const cached = await startGateway({
      port: 0,
      routes: [
        { prefix: '/products', target: `http://127.0.0.1:${(service.address() as { port: number }).port}` },
      ],
    });
    const headersOf = (reply: Response) => ({
      status: reply.status,
      etag: reply.headers.get('etag'),
      'cache-control': reply.headers.get('cache-control'),
      vary: reply.headers.get('vary'),
    });
    try {
      const full = await fetch(`${cached.url}/products/p1`);
      const revalidated = await fetch(`${cached.url}/products/p1`, { headers: { 'if-none-match': '"7"' } });

      expect({ ...headersOf(full), body: await full.text() }).toEqual({
        status: 200,
        ...caching,
        body: '{"version":7}',
      });
      expect({ ...headersOf(revalidated), body: await revalidated.text() }).toEqual({
        status: 304,
        ...caching,
        body: '',
      });
      expect(conditions).toEqual([undefined, '"7"']);
    } finally {
      cached.server.closeAllConnections();
      await new Promise((done) => cached.server.close(done));
      service.closeAllConnections();
      await new Promise((done) => service.close(done));
    }
  });

  it('When handling a request fails unexpectedly, then that request is a 500 problem and the gateway stays up', async () => {
    const misconfigured = await startGateway({
      port: 0,
      routes: [{ prefix: '/broken', target: 'not a url' }],
    });
    try {
      const reply = await fetch(`${misconfigured.url}/broken`);

      expect(reply.status).toBe(500);
      expect(await reply.json()).toMatchObject({ status: 500, code: 'internal' });
      expect((await fetch(`${misconfigured.url}/broken`)).status).toBe(500);
    } finally {
      misconfigured.server.closeAllConnections();
      await new Promise((done) => misconfigured.server.close(done));
    }
  });

  it('When a connection idles between requests, then the gateway keeps it as long as the services do', async () => {
    const service: RunningServer = await serve((_req, res) => res.end(), {
      port: 0,
      host: '127.0.0.1',
      logger: createLogger({ service: 'gateway-test', level: 'silent' }),
      shutdownTimeoutMs: 0,
      acceptWhileClosingMs: 0,
      exit: false,
      signals: [],
      releaseStartupMemoryAfterMs: false,
    });
    try {
      expect({
        keepAliveTimeout: gateway.server.keepAliveTimeout,
        headersTimeout: gateway.server.headersTimeout,
      }).toEqual({
        keepAliveTimeout: service.server.keepAliveTimeout,
        headersTimeout: service.server.headersTimeout,
      });
      expect(gateway.server.keepAliveTimeout).toBeGreaterThan(60_000);
    } finally {
      await service.shutdown();
    }
  });
});
