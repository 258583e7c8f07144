// Raw baseline of the orders service: a bare node:http server doing the same I/O as POST /orders (with an
// Idempotency-Key: the key's claim, one reservation call to products over keep-alive fetch, the order
// write, then the key's completion with the order, as the service's statements) and GET
// /customers/{id}/orders, with the service's drivers (mysql2 / pg, or the AWS SDK) and pool sizes, and
// no framework, ORM, validation, auth or logging. Benchmark use only.
//   ORDERS_STORE=sql DATABASE_URL=…  |  ORDERS_STORE=dynamodb DYNAMODB_ENDPOINT DYNAMODB_TABLE AWS_REGION
//   PRODUCTS_URL  PORT  DB_POOL_MAX (10)  DEFAULT_TENANT  CUSTOMER_ID (who places orders)
import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AttributeValue, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { logRequest } from './log.ts';
import { iso, openRawSql, type RawSql, stamp } from './sql.ts';

type Row = Record<string, unknown>;
type Json = Record<string, unknown>;

const tenant = process.env.DEFAULT_TENANT ?? 'demo';
const customer = process.env.CUSTOMER_ID ?? 'customer';
const productsUrl = `${(process.env.PRODUCTS_URL ?? '').replace(/\/+$/, '')}/stock/reservations`;
const table = process.env.DYNAMODB_TABLE ?? 'orders';

/** An Idempotency-Key's record, as the service writes it (claimed, then completed with the order). */
interface KeyRecord {
  key: string;
  requestHash: string;
  claimToken: string;
  orderId: string;
  createdAt: Date;
  expiresAt: Date;
}

interface Store {
  create(order: Json): Promise<void>;
  list(customerId: string, limit: number): Promise<Json[]>;
  /** The service's claim: a conditional insert of the key in progress. */
  claim(record: KeyRecord): Promise<void>;
  /** The service's completion: the record replaced, on its claim token, by the completed one with the order. */
  complete(record: KeyRecord, order: Json): Promise<void>;
}

const DAY_MS = 24 * 3600 * 1000;

const cents = (value: number) => Math.round(value * 100);

async function sqlStore(): Promise<Store> {
  const db: RawSql = openRawSql(process.env.DATABASE_URL ?? '', Number(process.env.DB_POOL_MAX ?? 10));
  const keyValues = (record: KeyRecord, state: string, response: string | null) => [
    record.requestHash,
    record.claimToken,
    state,
    record.orderId,
    response,
    stamp(db.engine, record.createdAt),
    stamp(db.engine, record.expiresAt),
  ];
  const json = (value: unknown) =>
    value === null || value === undefined
      ? null
      : db.engine === 'postgresql'
        ? value
        : JSON.parse(String(value));
  return {
    async create(order) {
      const at = stamp(db.engine, new Date(String(order.created_at)));
      const items = order.items as Json[];
      await db.transaction(async (trx) => {
        await trx.run(
          `INSERT INTO orders (order_id, tenant_id, customer_id, customer_name, customer_email, customer_phone,
             shipping_address, billing_address, notes, status, total_amount, currency, created_by, created_by_email,
             version, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          [
            order.order_id,
            order.tenant_id,
            order.customer_id,
            order.customer_name,
            order.customer_email,
            order.customer_phone,
            JSON.stringify(order.shipping_address),
            order.billing_address === null ? null : JSON.stringify(order.billing_address),
            order.notes,
            order.status,
            (order.total_amount as number).toFixed(2),
            order.currency,
            order.created_by,
            order.created_by_email,
            order.version,
            at,
            at,
          ],
        );
        await trx.run(
          `INSERT INTO order_items (order_id, line_no, product_id, product_sku, product_name, quantity, unit_price, line_total)
           VALUES ${items.map(() => '(?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`,
          items.flatMap((item, index) => [
            order.order_id,
            index + 1,
            item.product_id,
            item.product_sku,
            item.product_name,
            item.quantity,
            (item.unit_price as number).toFixed(2),
            (item.line_total as number).toFixed(2),
          ]),
        );
        await trx.run(
          `INSERT INTO order_status_history (order_id, seq, from_status, to_status, changed_at, changed_by, changed_by_email, reason)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
          [order.order_id, 1, null, 'PENDING', at, order.created_by, order.created_by_email, null],
        );
      });
    },
    async list(customerId, limit) {
      const rows = await db.all(
        `SELECT * FROM orders WHERE tenant_id = ? AND customer_id = ?
         ORDER BY created_at DESC, order_id DESC LIMIT ${limit + 1} OFFSET 0`,
        [tenant, customerId],
      );
      const page = rows.slice(0, limit);
      if (!page.length) return [];
      const ids = page.map((row) => String(row.order_id));
      const marks = ids.map(() => '?').join(', ');
      const [itemRows, changeRows] = await Promise.all([
        db.all(`SELECT * FROM order_items WHERE order_id IN (${marks}) ORDER BY order_id, line_no`, ids),
        db.all(`SELECT * FROM order_status_history WHERE order_id IN (${marks}) ORDER BY order_id, seq`, ids),
      ]);
      const group = (list: Row[]) => {
        const groups = new Map<string, Row[]>();
        for (const row of list) {
          const key = String(row.order_id);
          const members = groups.get(key);
          if (members) members.push(row);
          else groups.set(key, [row]);
        }
        return groups;
      };
      const items = group(itemRows);
      const history = group(changeRows);
      return page.map((row) => {
        const id = String(row.order_id);
        return {
          order_id: id,
          tenant_id: row.tenant_id,
          customer_id: row.customer_id,
          customer_name: row.customer_name,
          customer_email: row.customer_email,
          customer_phone: row.customer_phone,
          shipping_address: json(row.shipping_address),
          billing_address: json(row.billing_address),
          notes: row.notes,
          status: row.status,
          order_status: row.status,
          items: (items.get(id) ?? []).map((item) => ({
            product_id: item.product_id,
            product_sku: item.product_sku,
            product_name: item.product_name,
            quantity: Number(item.quantity),
            unit_price: Number(item.unit_price),
            line_total: Number(item.line_total),
          })),
          total_amount: Number(row.total_amount),
          currency: String(row.currency).trim(),
          created_at: iso(row.created_at),
          updated_at: iso(row.updated_at),
          order_date: iso(row.created_at),
          created_by: row.created_by,
          created_by_email: row.created_by_email,
          version: Number(row.version),
          status_history: (history.get(id) ?? []).map((change) => ({
            from: change.from_status ?? null,
            to: change.to_status,
            at: iso(change.changed_at),
            by: change.changed_by,
            by_email: change.changed_by_email,
            reason: change.reason,
          })),
        };
      });
    },
    async claim(record) {
      await db.run(
        `INSERT INTO idempotency_keys (tenant_id, customer_id, idem_key, request_hash, claim_token, state, order_id,
           response, created_at, expires_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [tenant, customer, record.key, ...keyValues(record, 'in_progress', null)],
      );
    },
    async complete(record, order) {
      await db.run(
        `UPDATE idempotency_keys SET request_hash = ?, claim_token = ?, state = ?, order_id = ?, response = ?,
           created_at = ?, expires_at = ?
         WHERE tenant_id = ? AND customer_id = ? AND idem_key = ? AND claim_token = ?`,
        [
          ...keyValues(record, 'completed', JSON.stringify(order)),
          tenant,
          customer,
          record.key,
          record.claimToken,
        ],
      );
    },
  };
}

const toAttribute = (value: unknown): AttributeValue => {
  if (value === null || value === undefined) return { NULL: true };
  if (typeof value === 'string') return { S: value };
  if (typeof value === 'number') return { N: String(value) };
  if (typeof value === 'boolean') return { BOOL: value };
  if (Array.isArray(value)) return { L: value.map(toAttribute) };
  const map: Record<string, AttributeValue> = {};
  for (const [key, member] of Object.entries(value as Json)) map[key] = toAttribute(member);
  return { M: map };
};
const fromAttribute = (value: AttributeValue): unknown => {
  if (value.S !== undefined) return value.S;
  if (value.N !== undefined) return Number(value.N);
  if (value.BOOL !== undefined) return value.BOOL;
  if (value.L !== undefined) return value.L.map(fromAttribute);
  if (value.M !== undefined)
    return Object.fromEntries(Object.entries(value.M).map(([k, v]) => [k, fromAttribute(v)]));
  return null;
};

async function dynamoStore(): Promise<Store> {
  const { DynamoDBClient, PutItemCommand, QueryCommand } = await import('@aws-sdk/client-dynamodb');
  // The service's client settings: same endpoint, retries and time bounds.
  const client: DynamoDBClient = new DynamoDBClient({
    region: process.env.AWS_REGION ?? 'us-east-1',
    endpoint: process.env.DYNAMODB_ENDPOINT,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 3,
    requestHandler: { connectionTimeout: 2000, requestTimeout: 5000 },
  });
  const customerPartition = (customerId: string) =>
    `TENANT#${tenant}#CUSTOMER#${encodeURIComponent(customerId)}`;
  const putKey = async (
    record: KeyRecord,
    state: string,
    response: string | undefined,
    condition: string,
    values: Record<string, AttributeValue>,
  ) => {
    const item = toAttribute({
      entity: 'idempotency_key',
      tenant_id: tenant,
      customer_id: customer,
      idempotency_key: record.key,
      request_hash: record.requestHash,
      claim_token: record.claimToken,
      state,
      order_id: record.orderId,
      ...(response === undefined ? {} : { response }),
      created_at: record.createdAt.toISOString(),
      expires_at: Math.ceil(record.expiresAt.getTime() / 1000),
    }) as { M: Record<string, AttributeValue> };
    await client.send(
      new PutItemCommand({
        TableName: table,
        Item: {
          PK: { S: `${customerPartition(customer)}#IDEMPOTENCY#${encodeURIComponent(record.key)}` },
          SK: { S: 'IDEMPOTENCY' },
          ...item.M,
        },
        ConditionExpression: condition,
        ...(Object.keys(values).length ? { ExpressionAttributeValues: values } : {}),
      }),
    );
  };
  return {
    async create(order) {
      const position = `${order.created_at}#${order.order_id}`;
      const attributes: Json = {
        entity: 'order',
        GSI1PK: customerPartition(String(order.customer_id)),
        GSI1SK: position,
        GSI2PK: `TENANT#${tenant}`,
        GSI2SK: position,
        GSI3PK: `TENANT#${tenant}#STATUS#PENDING`,
        GSI3SK: position,
        ...order,
      };
      delete attributes.status;
      const item = (toAttribute(attributes) as { M: Record<string, AttributeValue> }).M;
      await client.send(
        new PutItemCommand({
          TableName: table,
          Item: { PK: { S: `TENANT#${tenant}#ORDER#${order.order_id}` }, SK: { S: 'ORDER' }, ...item },
          ConditionExpression: 'attribute_not_exists(PK)',
        }),
      );
    },
    async list(customerId, limit) {
      const page = await client.send(
        new QueryCommand({
          TableName: table,
          IndexName: 'GSI1',
          KeyConditionExpression: '#pk = :pk',
          ExpressionAttributeNames: { '#pk': 'GSI1PK' },
          ExpressionAttributeValues: { ':pk': { S: customerPartition(customerId) } },
          ScanIndexForward: false,
          Limit: limit + 1,
        }),
      );
      return (page.Items ?? []).slice(0, limit).map((item) => {
        const order = fromAttribute({ M: item }) as Json;
        for (const key of ['PK', 'SK', 'GSI1PK', 'GSI1SK', 'GSI2PK', 'GSI2SK', 'GSI3PK', 'GSI3SK', 'entity'])
          delete order[key];
        return { ...order, status: order.order_status };
      });
    },
    claim: (record) => putKey(record, 'in_progress', undefined, 'attribute_not_exists(PK)', {}),
    complete: (record, order) =>
      putKey(record, 'completed', JSON.stringify(order), 'claim_token = :token', {
        ':token': { S: record.claimToken },
      }),
  };
}

const store = process.env.ORDERS_STORE === 'dynamodb' ? await dynamoStore() : await sqlStore();

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

async function readText(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function placeOrder(req: IncomingMessage, res: ServerResponse) {
  const text = await readText(req);
  const body = JSON.parse(text) as Json;
  const orderId = randomUUID();
  const key = req.headers['idempotency-key'];
  const now = new Date();
  const record: KeyRecord | undefined =
    typeof key === 'string'
      ? {
          key,
          requestHash: createHash('sha256').update(text).digest('hex'),
          claimToken: randomUUID(),
          orderId,
          createdAt: now,
          expiresAt: new Date(now.getTime() + DAY_MS),
        }
      : undefined;
  if (record) await store.claim(record);
  const lines = body.items as Array<{ product_id: string; quantity: number }>;
  // Bounded like the service's call: a timer cleared once the answer is read.
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), 3000);
  let reserved: { items: Array<Json & { unit_price: number; quantity: number }> };
  try {
    const reservation = await fetch(productsUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({
        reservation_id: orderId,
        items: lines.map((line) => ({ product_id: line.product_id, quantity: line.quantity })),
      }),
      signal: controller.signal,
    });
    if (reservation.status !== 201) {
      await reservation.body?.cancel();
      return send(res, 503, { code: 'dependency_unavailable' });
    }
    reserved = (await reservation.json()) as typeof reserved;
  } finally {
    clearTimeout(timer);
  }
  const items = reserved.items.map((line) => ({
    product_id: line.product_id,
    product_sku: line.sku,
    product_name: line.name,
    quantity: line.quantity,
    unit_price: line.unit_price,
    line_total: (cents(line.unit_price) * line.quantity) / 100,
  }));
  const at = new Date().toISOString();
  const email = `${customer}@bench.example`;
  const order: Json = {
    order_id: orderId,
    tenant_id: tenant,
    customer_id: customer,
    customer_name: body.customer_name ?? null,
    customer_email: body.customer_email ?? email,
    customer_phone: body.customer_phone ?? null,
    shipping_address: body.shipping_address,
    billing_address: body.billing_address ?? null,
    notes: body.notes ?? null,
    status: 'PENDING',
    order_status: 'PENDING',
    items,
    total_amount: items.reduce((sum, line) => sum + cents(line.line_total), 0) / 100,
    currency: String(reserved.items[0]?.currency),
    created_at: at,
    updated_at: at,
    order_date: at,
    created_by: customer,
    created_by_email: email,
    version: 1,
    status_history: [{ from: null, to: 'PENDING', at, by: customer, by_email: email, reason: null }],
  };
  await store.create(order);
  if (record) await store.complete(record, order);
  send(
    res,
    201,
    { message: 'Order created successfully', order },
    { location: `/orders/${orderId}`, etag: '"1"' },
  );
}

async function route(req: IncomingMessage, res: ServerResponse) {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  if (req.method === 'GET' && path === '/healthz') return send(res, 200, { status: 'ok' });
  if (req.method === 'POST' && path === '/orders') return placeOrder(req, res);
  const match = /^\/customers\/([^/]+)\/orders$/.exec(path);
  if (req.method === 'GET' && match?.[1]) {
    const limit = Number(new URLSearchParams(q < 0 ? '' : url.slice(q + 1)).get('limit') ?? 20);
    const orders = await store.list(decodeURIComponent(match[1]), limit);
    return send(res, 200, { orders, next_cursor: null, count: orders.length });
  }
  send(res, 404, { code: 'not_found' });
}

const server = createServer((req, res) => {
  const started = performance.now();
  res.once('finish', () => logRequest('raw-orders', req.method, req.url, res.statusCode, started));
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
  process.exit(0);
});
