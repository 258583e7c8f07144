import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A contract-faithful stand-in for the products service (the parts orders uses): products per tenant,
 * all-or-nothing reservations idempotent by id, releases. Tokens are decoded, not verified: this stub
 * tests orders, not auth. Fault tests use it to fail on cue.
 */
export interface StubProducts {
  url: string;
  /** Answer every stock call with this status (e.g. 503) until cleared. */
  failStockCallsWith(status: number | undefined): void;
  readonly calls: Array<{ method: string; path: string }>;
  close(): Promise<void>;
}

interface Product {
  product_id: string;
  sku: string;
  name: string;
  price: number;
  currency: string;
  stock_quantity: number;
  is_active: boolean;
}

interface Reservation {
  reservation_id: string;
  status: 'active' | 'released';
  items: Array<{
    product_id: string;
    sku: string;
    name: string;
    quantity: number;
    unit_price: number;
    currency: string;
  }>;
  request: string;
  created_at: string;
}

const tenantOf = (request: IncomingMessage): string | undefined => {
  const token = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
  const payload = token?.split('.')[1];
  if (!payload) return undefined;
  return (JSON.parse(Buffer.from(payload, 'base64url').toString()) as { tenant_id?: string }).tenant_id;
};

// biome-ignore lint/suspicious/noExplicitAny: the stub trusts its caller's JSON, as a stub may
async function readBody(request: IncomingMessage): Promise<any> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return chunks.length ? JSON.parse(Buffer.concat(chunks).toString()) : undefined;
}

/** The stub's data: products and reservations, each keyed `${tenant}/${id}`. */
interface Store {
  products: Map<string, Product>;
  reservations: Map<string, Reservation>;
}

interface Answer {
  status: number;
  body: unknown;
}

// biome-ignore lint/suspicious/noExplicitAny: the stub trusts its caller's JSON, as a stub may
type Body = any;

type Route = {
  method: string;
  path: RegExp;
  /** `id` is the path's one captured segment, when it has one. */
  answer(store: Store, tenant: string, body: Body, id: string): Answer;
};

const notFound: Answer = { status: 404, body: { code: 'not_found' } };

/** The products routes orders calls; anything else is a 404. */
const routes: Route[] = [
  { method: 'POST', path: /^\/products$/, answer: createProduct },
  { method: 'GET', path: /^\/products\/([\w-]+)$/, answer: getProduct },
  { method: 'POST', path: /^\/stock\/reservations$/, answer: reserve },
  { method: 'DELETE', path: /^\/stock\/reservations\/([\w-]+)$/, answer: release },
];

function createProduct(store: Store, tenant: string, body: Body): Answer {
  const product: Product = { product_id: randomUUID(), is_active: true, ...body };
  store.products.set(`${tenant}/${product.product_id}`, product);
  return { status: 201, body: product };
}

function getProduct(store: Store, tenant: string, _body: Body, id: string): Answer {
  const product = store.products.get(`${tenant}/${id}`);
  return product ? { status: 200, body: product } : notFound;
}

type Line = { item: { product_id?: string; sku?: string; quantity: number }; product: Product | undefined };

/** All or nothing, idempotent by reservation id: a replay with other items is refused. */
function reserve(store: Store, tenant: string, body: Body): Answer {
  const key = `${tenant}/${body.reservation_id}`;
  const fingerprint = JSON.stringify(body.items);
  const existing = store.reservations.get(key);
  if (existing) {
    return existing.request === fingerprint
      ? { status: 200, body: { ...existing, request: undefined } }
      : { status: 422, body: { code: 'idempotency_key_reused' } };
  }
  const lines: Line[] = (body.items as Line['item'][]).map((item) => ({
    item,
    product: productFor(store, tenant, item),
  }));
  const problems = lines.flatMap(lineProblem);
  if (problems.length) return { status: 409, body: { code: 'insufficient_stock', lines: problems } };
  for (const { item, product } of lines) product!.stock_quantity -= item.quantity;
  const reservation: Reservation = {
    reservation_id: body.reservation_id,
    status: 'active',
    items: lines.map(({ item, product }) => ({
      product_id: product!.product_id,
      sku: product!.sku,
      name: product!.name,
      quantity: item.quantity,
      unit_price: product!.price,
      currency: product!.currency,
    })),
    request: fingerprint,
    created_at: new Date().toISOString(),
  };
  store.reservations.set(key, reservation);
  return { status: 201, body: { ...reservation, request: undefined } };
}

/** The tenant's product an order line names, by id or by SKU. */
const productFor = (store: Store, tenant: string, item: Line['item']): Product | undefined =>
  [...store.products.entries()].find(
    ([id, p]) => id.startsWith(`${tenant}/`) && (p.product_id === item.product_id || p.sku === item.sku),
  )?.[1];

const reasonOf = ({ item, product }: Line): string | undefined => {
  if (!product) return 'not_found';
  if (!product.is_active) return 'inactive';
  return product.stock_quantity < item.quantity ? 'insufficient_stock' : undefined;
};

/** The line as products' 409 names it, or nothing when it can be reserved. */
function lineProblem(line: Line, index: number): object[] {
  const reason = reasonOf(line);
  if (!reason) return [];
  const { item, product } = line;
  return [
    {
      index,
      ...item,
      reason,
      requested: item.quantity,
      available: product?.stock_quantity,
      quantity: undefined,
    },
  ];
}

/** Releasing puts the stock back once; a second release answers the released reservation. */
function release(store: Store, tenant: string, _body: Body, id: string): Answer {
  const reservation = store.reservations.get(`${tenant}/${id}`);
  if (!reservation) return notFound;
  if (reservation.status === 'active') {
    reservation.status = 'released';
    for (const line of reservation.items)
      store.products.get(`${tenant}/${line.product_id}`)!.stock_quantity += line.quantity;
  }
  return { status: 200, body: { ...reservation, request: undefined } };
}

function route(method: string | undefined, pathname: string): { route: Route; id: string } | undefined {
  for (const candidate of routes) {
    const match = candidate.method === method ? candidate.path.exec(pathname) : null;
    if (match) return { route: candidate, id: match[1] ?? '' };
  }
  return undefined;
}

export async function startStubProducts(): Promise<StubProducts> {
  const store: Store = { products: new Map(), reservations: new Map() };
  const calls: StubProducts['calls'] = [];
  let failWith: number | undefined;

  const send = (response: ServerResponse, status: number, body: unknown) => {
    response.writeHead(status, {
      'content-type': status >= 400 ? 'application/problem+json' : 'application/json',
    });
    response.end(JSON.stringify(body));
  };

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const { pathname } = new URL(request.url ?? '/', 'http://stub');
    calls.push({ method: request.method ?? '', path: pathname });
    const tenant = tenantOf(request);
    if (!tenant) return send(response, 401, { code: 'unauthenticated' });
    const body = await readBody(request);
    if (pathname.startsWith('/stock/') && failWith) return send(response, failWith, { code: 'internal' });
    const found = route(request.method, pathname);
    const answer = found ? found.route.answer(store, tenant, body, found.id) : notFound;
    return send(response, answer.status, answer.body);
  };

  const server = createServer((request, response) => {
    handle(request, response).catch((error) =>
      send(response, 500, { code: 'internal', detail: String(error) }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    failStockCallsWith: (status) => {
      failWith = status;
    },
    calls,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
