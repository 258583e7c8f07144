import { decimalToMinor, type FieldError, type Logger, type TenantId } from '@shop/platform';
import { type StockReservations, StockUnavailable } from '../domain/ports.ts';

export interface ProductsClientOptions {
  baseUrl: string;
  /** The orders service's own credential for a tenant (scope stock:reserve, audience products). */
  tokenFor(tenantId: string): Promise<string>;
  timeoutMs: number;
  /** Attempts after the first, for calls that are safe to repeat. */
  retries: number;
  logger: Logger;
}

interface ReservationBody {
  reservation_id: string;
  status: string;
  items: Array<{
    product_id: string;
    sku: string;
    name: string;
    quantity: number;
    unit_price: number | string;
    currency: string;
  }>;
}

/** A failure worth another attempt: the call may not have reached products, or products failed. */
class TransientFailure extends Error {
  readonly retryAfterSeconds: number | undefined;
  constructor(message: string, retryAfterSeconds?: number, cause?: unknown) {
    super(message, { cause });
    this.name = 'TransientFailure';
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

const retryAfterOf = (response: Response): number | undefined => {
  const value = Number(response.headers.get('retry-after'));
  return Number.isInteger(value) && value > 0 && value <= 60 ? value : undefined;
};

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Statuses a Response is built without a body for. */
const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);

/**
 * HTTP client of the products service. Every call is idempotent (the reservation by its id), so each
 * is retried on connection failures, timeouts and 5xx with capped, jittered exponential backoff; when
 * products stays unreachable the call throws StockUnavailable. Global fetch keeps connections alive.
 */
export function createProductsClient(options: ProductsClientOptions): StockReservations {
  const base = options.baseUrl.replace(/\/+$/, '');

  async function call(
    tenantId: TenantId,
    method: 'GET' | 'POST' | 'DELETE',
    path: string,
    body?: unknown,
  ): Promise<Response> {
    let lastFailure: TransientFailure | undefined;
    for (let attempt = 0; attempt <= options.retries; attempt++) {
      if (attempt > 0) {
        // Full jitter on an exponential step: 0–100 ms, 0–200 ms, 0–400 ms ... capped at 1 s.
        await delay(Math.random() * Math.min(1000, 100 * 2 ** (attempt - 1)));
      }
      try {
        return await callOnce(tenantId, method, path, body);
      } catch (error) {
        lastFailure =
          error instanceof TransientFailure
            ? error
            : new TransientFailure(`products unreachable: ${(error as Error).message}`, undefined, error);
        options.logger.warn({ err: lastFailure, method, path, attempt }, 'products call failed');
      }
    }
    throw new StockUnavailable(
      'The products service is unavailable; retry shortly.',
      lastFailure?.retryAfterSeconds ?? 2,
      { cause: lastFailure },
    );
  }

  /** One attempt, bounded in time: the answer (read whole) of anything below 500. */
  async function callOnce(
    tenantId: TenantId,
    method: 'GET' | 'POST' | 'DELETE',
    path: string,
    body: unknown,
  ): Promise<Response> {
    // A timer of our own, cleared once the answer is read: an AbortSignal.timeout cannot be cleared, and
    // firing seconds after every finished call it runs fetch's abort path each time (bench/fixes.md: abort-signal-timeout).
    const controller = new AbortController();
    const timer = setTimeout(
      () => controller.abort(new DOMException('The products call timed out', 'TimeoutError')),
      options.timeoutMs,
    );
    try {
      const response = await fetch(`${base}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${await options.tokenFor(tenantId)}`,
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: controller.signal,
      });
      if (response.status >= 500) {
        await response.body?.cancel();
        throw new TransientFailure(`products answered ${response.status}`, retryAfterOf(response));
      }
      // The body is read within the same time bound, then handed on whole.
      const bytes = NULL_BODY_STATUSES.has(response.status) ? null : await response.arrayBuffer();
      return new Response(bytes, { status: response.status, headers: response.headers });
    } finally {
      clearTimeout(timer);
    }
  }

  async function problemOf(response: Response): Promise<Record<string, unknown>> {
    try {
      return (await response.json()) as Record<string, unknown>;
    } catch {
      return {};
    }
  }

  /** A 4xx that should never happen between the two services: configuration or contract drift. */
  function unexpected(status: number, problem: unknown, what: string): never {
    options.logger.error({ status, problem }, `products refused ${what}`);
    throw new StockUnavailable('The products service refused the request; retry later.', 5);
  }

  return {
    async reserve(tenantId, reservationId, lines) {
      const items = lines.map((line) =>
        'productId' in line.product
          ? { product_id: line.product.productId, quantity: line.quantity }
          : { sku: line.product.sku, quantity: line.quantity },
      );
      const response = await call(tenantId, 'POST', '/stock/reservations', {
        reservation_id: reservationId,
        items,
      });
      if (response.status === 200 || response.status === 201) {
        const body = (await response.json()) as ReservationBody;
        const reserved = body.items.map((item) => ({
          productId: item.product_id,
          sku: item.sku,
          name: item.name,
          quantity: item.quantity,
          unitPrice: decimalToMinor(item.unit_price),
          currency: item.currency,
        }));
        return { kind: 'reserved', lines: reserved };
      }
      const problem = await problemOf(response);
      if (response.status === 409 && problem.code === 'insufficient_stock') {
        return { kind: 'insufficient_stock', lines: (problem.lines as unknown[] | undefined) ?? [] };
      }
      if (response.status === 409 && Array.isArray(problem.currencies)) {
        return { kind: 'mixed_currencies', currencies: problem.currencies as string[] };
      }
      if (response.status === 400) {
        // Products checks what only it knows (e.g. the shape of a SKU): name the order's own fields.
        const errors = ((problem.errors as FieldError[] | undefined) ?? []).map((error) => ({
          field: error.field.replace(/\.sku$/, '.product_sku'),
          message: error.message,
        }));
        return { kind: 'invalid_items', errors };
      }
      return unexpected(response.status, problem, 'the reservation');
    },

    async release(tenantId, reservationId) {
      const response = await call(
        tenantId,
        'DELETE',
        `/stock/reservations/${encodeURIComponent(reservationId)}`,
      );
      if (response.ok || response.status === 404) {
        await response.body?.cancel();
        return;
      }
      return unexpected(response.status, await problemOf(response), 'the release');
    },

    async ensureReachable(tenantId, reservationId) {
      const response = await call(
        tenantId,
        'GET',
        `/stock/reservations/${encodeURIComponent(reservationId)}`,
      );
      if (response.ok || response.status === 404) {
        await response.body?.cancel();
        return;
      }
      return unexpected(response.status, await problemOf(response), 'a reservation lookup');
    },
  };
}
