// The API client: base URL from config.json, the bearer token (or the store's X-Tenant-Id for anonymous
// visitors), problem+json into ApiError, one renewal and retry after a 401, and safe retries: a GET, or
// a request carrying an Idempotency-Key, is repeated after a network failure or a 503 — the key makes
// the repeat answer the first result instead of doing it twice.

import type { Auth } from './auth/auth.ts';
import { apiUrl, type StorefrontConfig } from './config.ts';
import { type Problem, problemSummary, toProblem } from './problem.ts';

export class ApiError extends Error {
  readonly problem: Problem;
  constructor(problem: Problem) {
    super(problemSummary(problem));
    this.name = 'ApiError';
    this.problem = problem;
  }
  get status(): number {
    return this.problem.status;
  }
  get code(): string | undefined {
    return this.problem.code;
  }
}

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE';
  query?: Record<string, string | number | boolean | undefined | null>;
  body?: unknown;
  idempotencyKey?: string;
  /** The version read (`ETag: "<version>"`); the change is refused with 412 if it moved on. */
  ifMatch?: number;
  signal?: AbortSignal;
}

export interface ApiResponse<T> {
  status: number;
  data: T;
  etag: string | null;
  headers: Headers;
}

const NETWORK_RETRIES = 2;
const BUSY_RETRIES = 5;

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(signal.reason);
    });
  });

const retryAfterMs = (headers: Headers, fallback: number, cap: number) => {
  const seconds = Number(headers.get('retry-after'));
  return Math.min(cap, Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : fallback);
};

async function readBody(response: Response): Promise<unknown> {
  if (response.status === 204) return null;
  const text = await response.text();
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export class Api {
  readonly #config: StorefrontConfig;
  readonly #auth: Auth;
  readonly #page: () => string;
  readonly #onSessionExpired: (hadSession: boolean) => void;

  constructor(
    config: StorefrontConfig,
    auth: Auth,
    page: () => string,
    onSessionExpired: (hadSession: boolean) => void,
  ) {
    this.#config = config;
    this.#auth = auth;
    this.#page = page;
    this.#onSessionExpired = onSessionExpired;
  }

  url(path: string, query?: RequestOptions['query']): string {
    const url = new URL(apiUrl(this.#config, path, this.#page()));
    for (const [name, value] of Object.entries(query ?? {})) {
      if (value !== undefined && value !== null && value !== '') url.searchParams.set(name, String(value));
    }
    return url.toString();
  }

  async request<T>(path: string, options: RequestOptions = {}): Promise<ApiResponse<T>> {
    const method = options.method ?? 'GET';
    const repeatable = method === 'GET' || options.idempotencyKey !== undefined;
    let networkFailures = 0;
    let busyWaits = 0;
    let renewed = false;
    for (;;) {
      const token = await this.#auth.bearer();
      const headers: Record<string, string> = { accept: 'application/json, application/problem+json' };
      if (token) headers.authorization = `Bearer ${token}`;
      // Anonymous visitors browse the configured store; a token's own tenant always wins at the API.
      else headers['x-tenant-id'] = this.#config.tenant;
      if (options.body !== undefined) headers['content-type'] = 'application/json';
      if (options.idempotencyKey) headers['idempotency-key'] = options.idempotencyKey;
      if (options.ifMatch !== undefined) headers['if-match'] = `"${options.ifMatch}"`;

      let response: Response;
      try {
        response = await fetch(this.url(path, options.query), {
          method,
          headers,
          body: options.body === undefined ? null : JSON.stringify(options.body),
          signal: options.signal ?? null,
          cache: 'no-store',
        });
      } catch (error) {
        if (options.signal?.aborted) throw error;
        if (repeatable && networkFailures < NETWORK_RETRIES) {
          networkFailures++;
          await sleep(400 * networkFailures, options.signal);
          continue;
        }
        throw new ApiError({ status: 0, code: 'network' });
      }

      const body = await readBody(response);
      if (response.ok) {
        return {
          status: response.status,
          data: body as T,
          etag: response.headers.get('etag'),
          headers: response.headers,
        };
      }
      const problem = toProblem(response.status, body);

      if (response.status === 401 && token && !renewed) {
        renewed = true;
        if (await this.#auth.renew()) continue;
      }
      if (response.status === 401) {
        this.#onSessionExpired(token !== null);
        throw new ApiError({
          ...problem,
          detail: token ? 'Your session has ended. Please sign in again.' : problemSummary(problem),
        });
      }
      const busy =
        (response.status === 409 && problem.code === 'idempotency_in_progress') ||
        (response.status === 503 && repeatable);
      if (busy && busyWaits < BUSY_RETRIES) {
        busyWaits++;
        await sleep(retryAfterMs(response.headers, 1000, 3000), options.signal);
        continue;
      }
      throw new ApiError(problem);
    }
  }

  get<T>(path: string, query?: RequestOptions['query'], signal?: AbortSignal) {
    return this.request<T>(path, { query, ...(signal ? { signal } : {}) });
  }
}
