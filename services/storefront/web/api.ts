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
/** What one request has used up of its retries. */
interface Attempts {
  /** A GET, or a request with an Idempotency-Key: repeating it cannot do it twice. */
  repeatable: boolean;
  networkFailures: number;
  busyWaits: number;
  renewed: boolean;
}
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
    const attempts: Attempts = {
      repeatable: method === 'GET' || options.idempotencyKey !== undefined,
      networkFailures: 0,
      busyWaits: 0,
      renewed: false,
    };
    for (;;) {
      const token = await this.#auth.bearer();
      const response = await this.#send(path, method, token, options, attempts);
      if (!response) continue;
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
      if (await this.#tryAgain(response, problem, token, attempts, options.signal)) continue;
      throw this.#failure(response.status, problem, token);
    }
  }

  #headers(token: string | null, options: RequestOptions): Record<string, string> {
    const headers: Record<string, string> = { accept: 'application/json, application/problem+json' };
    if (token) headers.authorization = `Bearer ${token}`;
    // Anonymous visitors browse the configured store; a token's own tenant always wins at the API.
    else headers['x-tenant-id'] = this.#config.tenant;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    if (options.idempotencyKey) headers['idempotency-key'] = options.idempotencyKey;
    if (options.ifMatch !== undefined) headers['if-match'] = `"${options.ifMatch}"`;
    return headers;
  }

  /** The response, or undefined after a network failure that may be repeated (once the pause is over). */
  async #send(
    path: string,
    method: string,
    token: string | null,
    options: RequestOptions,
    attempts: Attempts,
  ): Promise<Response | undefined> {
    try {
      return await fetch(this.url(path, options.query), {
        method,
        headers: this.#headers(token, options),
        body: options.body === undefined ? null : JSON.stringify(options.body),
        signal: options.signal ?? null,
        cache: 'no-store',
      });
    } catch (error) {
      if (options.signal?.aborted) throw error;
      if (attempts.repeatable && attempts.networkFailures < NETWORK_RETRIES) {
        attempts.networkFailures++;
        await sleep(400 * attempts.networkFailures, options.signal);
        return undefined;
      }
      throw new ApiError({ status: 0, code: 'network' });
    }
  }

  /** Once more after a renewed session (401), or after a pause while the API is busy (409 in progress, 503). */
  async #tryAgain(
    response: Response,
    problem: Problem,
    token: string | null,
    attempts: Attempts,
    signal: AbortSignal | undefined,
  ): Promise<boolean> {
    if (response.status === 401) {
      if (!token || attempts.renewed) return false;
      attempts.renewed = true;
      return this.#auth.renew();
    }
    const busy =
      (response.status === 409 && problem.code === 'idempotency_in_progress') ||
      (response.status === 503 && attempts.repeatable);
    if (!busy || attempts.busyWaits >= BUSY_RETRIES) return false;
    attempts.busyWaits++;
    await sleep(retryAfterMs(response.headers, 1000, 3000), signal);
    return true;
  }

  #failure(status: number, problem: Problem, token: string | null): ApiError {
    if (status !== 401) return new ApiError(problem);
    this.#onSessionExpired(token !== null);
    return new ApiError({
      ...problem,
      detail: token ? 'Your session has ended. Please sign in again.' : problemSummary(problem),
    });
  }

  get<T>(path: string, query?: RequestOptions['query'], signal?: AbortSignal) {
    return this.request<T>(path, { query, ...(signal ? { signal } : {}) });
  }
}
