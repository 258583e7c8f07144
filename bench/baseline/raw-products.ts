// Raw baseline of the products service: a bare node:http server doing the same I/O as the service's
// routes (same statements, same driver, same pool size) with no framework, ORM, validation, auth or
// logging: the limit for Node on this machine. Benchmark use only.
//   DATABASE_URL=mysql://… | postgresql://…  PORT  DB_POOL_MAX (10)  DEFAULT_TENANT (demo)
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { logRequest } from './log.ts';
import { iso, openRawSql, stamp } from './sql.ts';

const db = openRawSql(process.env.DATABASE_URL ?? '', Number(process.env.DB_POOL_MAX ?? 10));
const tenant = process.env.DEFAULT_TENANT ?? 'demo';
type Row = Record<string, unknown>;

const COLUMNS =
  'product_id, tenant_id, sku, name, description, price, currency, stock_quantity, is_active, version, created_at, updated_at';

const productJson = (row: Row) => ({
  product_id: String(row.product_id),
  tenant_id: row.tenant_id,
  sku: row.sku,
  name: row.name,
  description: row.description,
  price: Number(row.price),
  currency: row.currency,
  stock_quantity: row.stock_quantity,
  is_active: Boolean(row.is_active),
  version: row.version,
  created_at: iso(row.created_at),
  updated_at: iso(row.updated_at),
});

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
}

async function getProduct(res: ServerResponse, id: string) {
  const [row] = await db.all(
    `SELECT ${COLUMNS} FROM products WHERE tenant_id = ? AND product_id = ? LIMIT 1`,
    [tenant, id],
  );
  if (!row?.is_active) return send(res, 404, { code: 'not_found' });
  send(res, 200, productJson(row), { etag: `"${row.version}"` });
}

async function listProducts(res: ServerResponse, query: URLSearchParams) {
  const limit = Number(query.get('limit') ?? 20);
  const rows = await db.all(
    `SELECT ${COLUMNS} FROM products WHERE tenant_id = ? AND is_active = ? ORDER BY name ASC, product_id ASC LIMIT ?`,
    [tenant, true, limit + 1],
  );
  const items = rows.slice(0, limit).map(productJson);
  const last = items.at(-1);
  send(res, 200, {
    items,
    next_cursor:
      rows.length > limit && last
        ? Buffer.from(JSON.stringify({ k: last.name, id: last.product_id })).toString('base64url')
        : null,
  });
}

interface Line {
  product_id: string;
  quantity: number;
}

/** POST /stock/reservations: the service's statements, in its order, in one transaction. */
async function reserve(req: IncomingMessage, res: ServerResponse) {
  const body = await readJson(req);
  const reservationId = String(body.reservation_id);
  const lines = body.items as Line[];
  const tenantId = tenant;
  const requestHash = createHash('sha256').update(JSON.stringify(lines)).digest('hex');
  const existing = await db.all(
    'SELECT tenant_id, reservation_id, status FROM stock_reservations WHERE tenant_id = ? AND reservation_id = ? LIMIT 1',
    [tenantId, reservationId],
  );
  if (existing.length) return send(res, 409, { code: 'conflict' });
  const now = new Date();
  const at = stamp(db.engine, now);
  const reserved = await db.transaction(async (trx) => {
    await trx.run(
      'INSERT INTO stock_reservations (tenant_id, reservation_id, status, request_hash, created_at, released_at) VALUES (?, ?, ?, ?, ?, ?)',
      [tenantId, reservationId, 'active', requestHash, at, null],
    );
    const ids = lines.map((line) => line.product_id);
    const products = await trx.all(
      `SELECT ${COLUMNS} FROM products WHERE tenant_id = ? AND product_id IN (${ids.map(() => '?').join(', ')})`,
      [tenantId, ...ids],
    );
    const byId = new Map(products.map((row) => [String(row.product_id), row]));
    const out = [];
    for (const line of [...lines].sort((a, b) => (a.product_id < b.product_id ? -1 : 1))) {
      const changed = await trx.run(
        'UPDATE products SET stock_quantity = stock_quantity - ?, version = version + 1, updated_at = ? WHERE tenant_id = ? AND product_id = ? AND is_active = ? AND stock_quantity >= ?',
        [line.quantity, at, tenantId, line.product_id, true, line.quantity],
      );
      if (changed !== 1) throw new Error('insufficient stock');
    }
    for (const line of lines) {
      const product = byId.get(line.product_id) as Row;
      out.push({
        product_id: line.product_id,
        sku: String(product.sku),
        name: String(product.name),
        quantity: line.quantity,
        unit_price: Number(product.price),
        currency: String(product.currency),
      });
    }
    await trx.run(
      `INSERT INTO stock_reservation_lines (tenant_id, reservation_id, line_no, product_id, sku, name, quantity, unit_price, currency) VALUES ${out
        .map(() => '(?, ?, ?, ?, ?, ?, ?, ?, ?)')
        .join(', ')}`,
      out.flatMap((line, lineNo) => [
        tenantId,
        reservationId,
        lineNo,
        line.product_id,
        line.sku,
        line.name,
        line.quantity,
        line.unit_price,
        line.currency,
      ]),
    );
    return out;
  });
  send(
    res,
    201,
    {
      reservation_id: reservationId,
      status: 'active',
      items: reserved,
      created_at: now.toISOString(),
      released_at: null,
    },
    { location: `/stock/reservations/${reservationId}` },
  );
}

async function route(req: IncomingMessage, res: ServerResponse) {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  if (req.method === 'GET' && path === '/healthz') return send(res, 200, { status: 'ok' });
  if (req.method === 'GET' && path.startsWith('/products/')) return getProduct(res, path.slice(10));
  if (req.method === 'GET' && path === '/products')
    return listProducts(res, new URLSearchParams(q < 0 ? '' : url.slice(q + 1)));
  if (req.method === 'POST' && path === '/stock/reservations') return reserve(req, res);
  send(res, 404, { code: 'not_found' });
}

const server = createServer((req, res) => {
  const started = performance.now();
  res.once('finish', () => logRequest('raw-products', req.method, req.url, res.statusCode, started));
  route(req, res).catch((error: unknown) => {
    process.stderr.write(`${(error as Error).stack}\n`);
    if (!res.headersSent) send(res, 500, { code: 'internal' });
  });
});
server.keepAliveTimeout = 65_000;
server.listen(Number(process.env.PORT ?? 8080), process.env.HOST ?? '127.0.0.1');
process.once('SIGTERM', () => {
  server.close();
  server.closeAllConnections();
  void db.close().finally(() => process.exit(0));
});
