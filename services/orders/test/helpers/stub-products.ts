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

export async function startStubProducts(): Promise<StubProducts> {
  const products = new Map<string, Product>(); // `${tenant}/${id}`
  const reservations = new Map<string, Reservation>(); // `${tenant}/${id}`
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

    if (request.method === 'POST' && pathname === '/products') {
      const product: Product = { product_id: randomUUID(), is_active: true, ...body };
      products.set(`${tenant}/${product.product_id}`, product);
      return send(response, 201, product);
    }
    const productMatch = /^\/products\/([\w-]+)$/.exec(pathname);
    if (request.method === 'GET' && productMatch) {
      const product = products.get(`${tenant}/${productMatch[1]}`);
      return product ? send(response, 200, product) : send(response, 404, { code: 'not_found' });
    }
    if (request.method === 'POST' && pathname === '/stock/reservations') {
      const key = `${tenant}/${body.reservation_id}`;
      const fingerprint = JSON.stringify(body.items);
      const existing = reservations.get(key);
      if (existing) {
        if (existing.request !== fingerprint) return send(response, 422, { code: 'idempotency_key_reused' });
        return send(response, 200, { ...existing, request: undefined });
      }
      const lines = (body.items as Array<{ product_id?: string; sku?: string; quantity: number }>).map(
        (item) => ({
          item,
          product: [...products.entries()].find(
            ([id, p]) =>
              id.startsWith(`${tenant}/`) && (p.product_id === item.product_id || p.sku === item.sku),
          )?.[1],
        }),
      );
      const problems = lines.flatMap(({ item, product }, index) => {
        const reason = !product
          ? 'not_found'
          : !product.is_active
            ? 'inactive'
            : product.stock_quantity < item.quantity
              ? 'insufficient_stock'
              : undefined;
        return reason
          ? [
              {
                index,
                ...item,
                reason,
                requested: item.quantity,
                available: product?.stock_quantity,
                quantity: undefined,
              },
            ]
          : [];
      });
      if (problems.length) return send(response, 409, { code: 'insufficient_stock', lines: problems });
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
      reservations.set(key, reservation);
      return send(response, 201, { ...reservation, request: undefined });
    }
    const reservationMatch = /^\/stock\/reservations\/([\w-]+)$/.exec(pathname);
    if (request.method === 'DELETE' && reservationMatch) {
      const reservation = reservations.get(`${tenant}/${reservationMatch[1]}`);
      if (!reservation) return send(response, 404, { code: 'not_found' });
      if (reservation.status === 'active') {
        reservation.status = 'released';
        for (const line of reservation.items)
          products.get(`${tenant}/${line.product_id}`)!.stock_quantity += line.quantity;
      }
      return send(response, 200, { ...reservation, request: undefined });
    }
    return send(response, 404, { code: 'not_found' });
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
