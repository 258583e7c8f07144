import { createHash, randomUUID } from 'node:crypto';
import { AppError, type Logger, type TenantId } from '@shop/platform';
import type { Order } from './order.ts';
import type { IdempotencyRecord, OrderStore } from './ports.ts';

export interface IdempotencyOptions {
  /** How long a completed key answers retries (at least 24 h). */
  ttlMs: number;
  /** How long a concurrent duplicate waits for the first request to finish before a 409. */
  waitMs: number;
  /** A claim older than this belongs to a request that died (crash, frozen Lambda) and may be taken over. */
  staleClaimMs: number;
  pollMs: number;
}

export type Claim =
  /** The first request created `orderId`; `placed` is the order as it answered it (null for older records). */
  | { kind: 'replay'; orderId: string; placed: Order | null }
  | {
      kind: 'claimed';
      record: IdempotencyRecord;
      /** The order id of a dead request whose claim this one took over: it may have created the order. */
      abandonedOrderId: string | undefined;
    };

const PRINTABLE_KEY = /^[\x20-\x7e]{1,255}$/;

/** `Idempotency-Key`: 1–255 printable ASCII characters, or a 400 naming the header. */
export function parseIdempotencyKey(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (!PRINTABLE_KEY.test(value)) {
    throw AppError.validation([
      { in: 'headers', field: 'Idempotency-Key', message: 'must be 1 to 255 printable ASCII characters' },
    ]);
  }
  return value;
}

/** Key order does not change what a JSON body means, so it does not change its hash. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export const requestHashOf = (body: unknown): string =>
  createHash('sha256').update(canonical(body)).digest('hex');

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Idempotency keys, scoped to (tenant, customer, key), claimed with a conditional insert before any side
 * effect. Only a created order is remembered: a request that fails (validation, price mismatch, no
 * stock, products down) frees its claim, because it created nothing and a retry may well succeed.
 */
export class IdempotencyKeys {
  readonly #store: OrderStore;
  readonly #options: IdempotencyOptions;
  readonly #logger: Logger;

  constructor(store: OrderStore, options: IdempotencyOptions, logger: Logger) {
    this.#store = store;
    this.#options = options;
    this.#logger = logger;
  }

  /** Claims the key, or answers with the first request's order, or waits for a concurrent twin. */
  async claim(tenantId: TenantId, customerId: string, key: string, requestHash: string): Promise<Claim> {
    const deadline = Date.now() + this.#options.waitMs;
    for (;;) {
      const now = Date.now();
      const fresh: IdempotencyRecord = {
        tenantId,
        customerId,
        key,
        requestHash,
        claimToken: randomUUID(),
        state: 'in_progress',
        orderId: randomUUID(),
        placed: null,
        createdAt: new Date(now).toISOString(),
        expiresAt: new Date(now + this.#options.ttlMs).toISOString(),
      };
      const step = await this.#claimOnce(fresh, now);
      if (step === 'again') continue;
      if (step !== 'wait') return step;
      if (now >= deadline) {
        throw new AppError(
          409,
          'idempotency_in_progress',
          'A request with this Idempotency-Key is still being processed; retry shortly.',
          { headers: { 'retry-after': '1' } },
        );
      }
      await delay(this.#options.pollMs);
    }
  }

  /**
   * One try: the key is ours (new, expired or abandoned by a dead request), or a replay, or held by a live
   * twin ('wait'), or changed hands while we looked ('again').
   */
  async #claimOnce(fresh: IdempotencyRecord, now: number): Promise<Claim | 'again' | 'wait'> {
    if (await this.#store.insertIdempotency(fresh))
      return { kind: 'claimed', record: fresh, abandonedOrderId: undefined };
    const held = await this.#store.getIdempotency(fresh.tenantId, fresh.customerId, fresh.key);
    if (!held) return 'again'; // freed between our insert and our read
    if (Date.parse(held.expiresAt) <= now) {
      const taken = await this.#store.replaceIdempotency(fresh, held.claimToken);
      return taken ? { kind: 'claimed', record: fresh, abandonedOrderId: undefined } : 'again';
    }
    if (held.requestHash !== fresh.requestHash) {
      throw new AppError(
        422,
        'idempotency_key_reused',
        'This Idempotency-Key was used with a different request body; use a new key for a new order.',
      );
    }
    if (held.state === 'completed') return { kind: 'replay', orderId: held.orderId, placed: held.placed };
    if (now - Date.parse(held.createdAt) <= this.#options.staleClaimMs) return 'wait';
    if (!(await this.#store.replaceIdempotency(fresh, held.claimToken))) return 'again';
    this.#logger.warn(
      { key: fresh.key, abandoned_order_id: held.orderId },
      'took over a stale idempotency claim',
    );
    return { kind: 'claimed', record: fresh, abandonedOrderId: held.orderId };
  }

  /** Remembers the order for the key's retries. A failure here is logged, never thrown: the order exists. */
  async complete(record: IdempotencyRecord, placed: Order): Promise<void> {
    try {
      const stored = await this.#store.replaceIdempotency(
        { ...record, state: 'completed', placed },
        record.claimToken,
      );
      if (!stored)
        this.#logger.warn({ key: record.key }, 'idempotency claim was taken over before completion');
    } catch (error) {
      this.#logger.error({ err: error, key: record.key }, 'could not store the idempotent order');
    }
  }

  /** Frees the key after a failed attempt that created nothing. */
  async release(record: IdempotencyRecord): Promise<void> {
    try {
      await this.#store.deleteIdempotency(record.tenantId, record.customerId, record.key, record.claimToken);
    } catch (error) {
      this.#logger.error({ err: error, key: record.key }, 'could not free the idempotency claim');
    }
  }
}
