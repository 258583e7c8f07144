// The local stand-in for API Gateway / a load balancer: serves the storefront's static files at `/`
// and forwards API paths to the services, as the cloud gateways route them. `/stock*` is internal (orders
// calls products directly) and is refused here, as it is by every cloud deployment.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, resolve } from 'node:path';
import type { Duplex } from 'node:stream';
import { applyConnectionTimeouts } from '@shop/platform';

export interface GatewayRoute {
  /** Path prefix, matched at a segment boundary: `/products` matches `/products` and `/products/x`. */
  prefix: string;
  target: string;
  /** Strip the prefix before forwarding (for the dev issuer under `/dev-issuer`). */
  strip?: boolean;
}

export interface GatewayOptions {
  port: number;
  host?: string;
  routes: GatewayRoute[];
  staticDir?: string;
}

const types: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.map': 'application/json',
};

const matches = (path: string, prefix: string) =>
  path === prefix || path.startsWith(`${prefix}/`) || path.startsWith(`${prefix}?`);

const titles: Record<number, string> = {
  400: 'Bad Request',
  404: 'Not Found',
  408: 'Request Timeout',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

function problem(status: number, code: string, detail: string): string {
  return JSON.stringify({ type: 'about:blank', title: titles[status] ?? 'Error', status, code, detail });
}

function answerProblem(res: ServerResponse, status: number, code: string, detail: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(status, { 'content-type': 'application/problem+json' });
  res.end(problem(status, code, detail));
}

/** Visible ASCII only: anything else in a request target must be percent-encoded (RFC 3986). */
const TARGET = /^\/[\x21-\x7e]*$/;

/**
 * The path of an origin-form request target, decoded once, or undefined when the target is not one a
 * client may send: not a path, raw bytes outside visible ASCII, or a percent-escape that is not UTF-8.
 */
function decodedPathOf(target: string): string | undefined {
  if (!TARGET.test(target)) return undefined;
  try {
    return decodeURIComponent(target.split('?')[0]!);
  } catch {
    return undefined;
  }
}

/**
 * Parser-level refusals (a request line or headers Node cannot read) are answered as problems too, the
 * way the services' own errors are, instead of Node's bare `400 Bad Request`.
 */
function answerClientError(error: NodeJS.ErrnoException, socket: Duplex): void {
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const [status, code, detail] =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'headers_too_large', 'The request headers are too large.']
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'timeout', 'The request was not received in time.']
        : [400, 'bad_request', 'The request could not be read as HTTP.'];
  const body = problem(status, code, detail);
  socket.end(
    `HTTP/1.1 ${status} ${titles[status]}\r\ncontent-type: application/problem+json\r\n` +
      `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  );
}

export async function startGateway(options: GatewayOptions): Promise<{ server: Server; url: string }> {
  const root = options.staticDir ? resolve(options.staticDir) : undefined;

  function forward(route: GatewayRoute, req: IncomingMessage, res: ServerResponse, url: string): void {
    const target = new URL(route.target);
    const forwardedPath = route.strip ? url.slice(route.prefix.length) || '/' : url;
    const upstream = request(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: forwardedPath,
        headers: { ...req.headers, host: target.host, 'x-forwarded-host': req.headers.host ?? '' },
      },
      (upstreamResponse) => {
        res.writeHead(upstreamResponse.statusCode ?? 502, upstreamResponse.headers);
        upstreamResponse.pipe(res);
      },
    );
    upstream.on('error', () => {
      if (res.headersSent) return res.destroy();
      res.writeHead(503, { 'content-type': 'application/problem+json', 'retry-after': '2' });
      res.end(problem(503, 'dependency_unavailable', 'The service behind this path is not answering.'));
    });
    req.pipe(upstream);
  }

  function handle(req: IncomingMessage, res: ServerResponse): void {
    const url = req.url ?? '/';
    const path = decodedPathOf(url);
    if (path === undefined) {
      answerProblem(res, 400, 'bad_request', 'The request path is not a valid, percent-encoded URL path.');
      return;
    }
    const rawPath = url.split('?')[0]!;
    if (matches(rawPath, '/stock')) {
      answerProblem(res, 404, 'not_found', 'No route matches this path.');
      return;
    }
    const route = options.routes.find((candidate) => matches(rawPath, candidate.prefix));
    if (route) {
      forward(route, req, res, url);
      return;
    }
    if (!root || (req.method !== 'GET' && req.method !== 'HEAD')) {
      answerProblem(res, 404, 'not_found', 'No route matches this path.');
      return;
    }
    serveStatic(root, path, res).catch((error: unknown) => unexpected(res, error));
  }

  // Whatever a request holds, the gateway answers it and stays up: a bug is a 500 for that request only.
  function unexpected(res: ServerResponse, error: unknown): void {
    console.error(`gateway: ${(error as Error)?.stack ?? String(error)}`);
    answerProblem(res, 500, 'internal', 'The gateway failed on this request.');
  }

  const server = createServer((req, res) => {
    try {
      handle(req, res);
    } catch (error) {
      unexpected(res, error);
    }
  });
  applyConnectionTimeouts(server);
  server.on('clientError', answerClientError);
  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(options.port, options.host ?? '127.0.0.1', () => {
      server.off('error', fail);
      done();
    });
  });
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://localhost:${port}` };
}

/** index.html and config.json change with every build or deploy; content-hashed assets never do. */
function cacheControl(root: string, file: string): string {
  if (file.endsWith('config.json') || file.endsWith('.html')) return 'no-store';
  if (/^assets[/\\].+-[A-Z0-9]{8}\.(js|css)(\.map)?$/.test(file.slice(root.length + 1))) {
    return 'public, max-age=31536000, immutable';
  }
  return 'public, max-age=300';
}

/** `path` is already decoded. */
async function serveStatic(root: string, path: string, res: ServerResponse) {
  const relative = normalize(path).replace(/^(\.\.[/\\])+/, '');
  let file = join(root, relative);
  if (!file.startsWith(root)) file = join(root, 'index.html');
  try {
    const info = await stat(file);
    if (info.isDirectory()) file = join(file, 'index.html');
    await stat(file);
  } catch {
    // Unknown paths fall back to the single page.
    file = join(root, 'index.html');
  }
  res.writeHead(200, {
    'content-type': types[extname(file)] ?? 'application/octet-stream',
    'cache-control': cacheControl(root, file),
  });
  createReadStream(file)
    .on('error', () => res.destroy())
    .pipe(res);
}
