// The local stand-in for API Gateway / a load balancer: serves the storefront's static files at `/`
// and forwards API paths to the services, as the cloud gateways route them. `/stock*` is internal (orders
// calls products directly) and is refused here, as it is by every cloud deployment.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, resolve } from 'node:path';

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

function problem(status: number, code: string, detail: string) {
  return JSON.stringify({ type: 'about:blank', title: detail, status, code, detail });
}

export async function startGateway(options: GatewayOptions): Promise<{ server: Server; url: string }> {
  const root = options.staticDir ? resolve(options.staticDir) : undefined;
  const server = createServer((req, res) => {
    const url = req.url ?? '/';
    const path = url.split('?')[0] ?? '/';
    if (matches(path, '/stock')) {
      res.writeHead(404, { 'content-type': 'application/problem+json' });
      res.end(problem(404, 'not_found', 'No route matches this path.'));
      return;
    }
    const route = options.routes.find((candidate) => matches(path, candidate.prefix));
    if (route) {
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
      return;
    }
    if (!root || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(404, { 'content-type': 'application/problem+json' });
      res.end(problem(404, 'not_found', 'No route matches this path.'));
      return;
    }
    void serveStatic(root, path, res);
  });
  await new Promise<void>((done) => server.listen(options.port, options.host ?? '127.0.0.1', done));
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

async function serveStatic(root: string, path: string, res: import('node:http').ServerResponse) {
  const relative = normalize(decodeURIComponent(path)).replace(/^(\.\.[/\\])+/, '');
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
