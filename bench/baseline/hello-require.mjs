// hello.mjs with node:http taken through require(): an ESM `import` of node:http makes Node 24 load
// undici, tls and http2 for the module's lazy `WebSocket` export (its ESM facade reads every export).
// The services' bundles do the same (scripts/bundle-plugins.ts); shown beside the reference for that.
import { createRequire } from 'node:module';

const { createServer } = createRequire(import.meta.url)('node:http');
createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end('{"status":"ok"}');
}).listen(Number(process.env.PORT ?? 8080), process.env.HOST ?? '127.0.0.1');
process.once('SIGTERM', () => process.exit(0));
