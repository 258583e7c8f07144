import type { Context, Middleware } from 'koa';

/** Every error code the services answer with. Stable: clients may switch on it. */
export type ErrorCode =
  | 'bad_request'
  | 'validation_failed'
  | 'malformed_json'
  | 'unsupported_media_type'
  | 'unauthenticated'
  | 'forbidden'
  | 'tenant_missing'
  | 'not_found'
  | 'method_not_allowed'
  | 'conflict'
  | 'duplicate'
  | 'price_mismatch'
  | 'insufficient_stock'
  | 'invalid_transition'
  | 'idempotency_key_reused'
  | 'idempotency_in_progress'
  | 'precondition_failed'
  | 'precondition_required'
  | 'payload_too_large'
  | 'rate_limited'
  | 'timeout'
  | 'dependency_unavailable'
  | 'internal';

export interface FieldError {
  /** Where the field was: the body, the query string, the path or a header. */
  in?: 'body' | 'query' | 'params' | 'headers';
  /** The failing field: `items[0].quantity`, `limit`, `id`. */
  field: string;
  message: string;
}

export interface AppErrorOptions {
  detail?: string;
  errors?: FieldError[];
  /** Extra members of the problem document (e.g. the server's figures on a price mismatch). */
  extra?: Record<string, unknown>;
  headers?: Record<string, string>;
  cause?: unknown;
}

const titles: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  412: 'Precondition Failed',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  428: 'Precondition Required',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

/** The one error type of the platform: a status, a stable code, and whether the detail may be shown. */
export class AppError extends Error {
  readonly status: number;
  readonly code: ErrorCode;
  readonly expose: boolean;
  readonly errors: FieldError[] | undefined;
  readonly extra: Record<string, unknown> | undefined;
  readonly headers: Record<string, string> | undefined;

  constructor(status: number, code: ErrorCode, message: string, options: AppErrorOptions = {}) {
    super(options.detail ?? message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.status = status;
    this.code = code;
    this.expose = status < 500;
    this.errors = options.errors;
    this.extra = options.extra;
    this.headers = options.headers;
  }

  static badRequest(message: string, errors?: FieldError[]): AppError {
    return new AppError(400, 'bad_request', message, { errors });
  }
  static validation(errors: FieldError[], message = 'The request is not valid.'): AppError {
    return new AppError(400, 'validation_failed', message, { errors });
  }
  static unauthenticated(message = 'Authentication is required.'): AppError {
    return new AppError(401, 'unauthenticated', message, { headers: { 'www-authenticate': 'Bearer' } });
  }
  static forbidden(message = 'You are not allowed to do this.'): AppError {
    return new AppError(403, 'forbidden', message);
  }
  static notFound(what = 'Resource'): AppError {
    return new AppError(404, 'not_found', `${what} not found.`);
  }
  static conflict(code: ErrorCode, message: string, extra?: Record<string, unknown>): AppError {
    return new AppError(409, code, message, { extra });
  }
  static unavailable(
    message = 'A dependency is unavailable; retry shortly.',
    retryAfterSeconds = 2,
  ): AppError {
    return new AppError(503, 'dependency_unavailable', message, {
      headers: { 'retry-after': String(retryAfterSeconds) },
    });
  }
}

export const isAppError = (error: unknown): error is AppError => error instanceof AppError;

interface ErrorLike {
  name?: string;
  code?: string | number;
  status?: number;
  statusCode?: number;
  type?: string;
  message?: string;
  errno?: number;
}

const errorNames = (error: unknown): string[] => {
  const names: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current && typeof current === 'object' && depth < 4; depth++) {
    const e = current as ErrorLike & { cause?: unknown };
    if (e.name) names.push(e.name);
    if (typeof e.code === 'string') names.push(e.code);
    current = e.cause;
  }
  return names;
};

/** What each driver calls a unique or primary key violation; MikroORM wraps them under its own name. */
const DUPLICATE_KEY = new Set([
  'UniqueConstraintViolationException',
  'ER_DUP_ENTRY',
  '23505',
  'SQLITE_CONSTRAINT_UNIQUE',
  'SQLITE_CONSTRAINT_PRIMARYKEY',
]);

/** A unique or primary key violation from mysql2, pg, better-sqlite3 or MikroORM, however deeply wrapped. */
export const isDuplicateKey = (error: unknown): boolean =>
  errorNames(error).some((name) => DUPLICATE_KEY.has(name));

/**
 * pg and pg-pool name nothing and carry no code when the pool's acquire timeout (`connectionTimeoutMillis`)
 * expires or the server goes away under a query: only their messages say what happened.
 */
const PG_CONNECTION_FAILURES =
  /^timeout exceeded when trying to connect$|^Connection terminated due to connection timeout$|^Connection terminated unexpectedly$/;

const saysConnectionFailed = (error: unknown): boolean => {
  let current: unknown = error;
  for (let depth = 0; current && typeof current === 'object' && depth < 4; depth++) {
    const e = current as ErrorLike & { cause?: unknown };
    if (typeof e.message === 'string' && PG_CONNECTION_FAILURES.test(e.message)) return true;
    current = e.cause;
  }
  return false;
};

/** Deadlocks and lock-wait timeouts (the ORM's names, mysql2's codes, PostgreSQL's 40P01 and 40001). */
const STORE_BUSY = new Set([
  'DeadlockException',
  'LockWaitTimeoutException',
  'ER_LOCK_DEADLOCK',
  'ER_LOCK_WAIT_TIMEOUT',
  '40P01',
  '40001',
]);

/** DynamoDB's refusals of a conditional write or a transaction. */
const WRITE_CONFLICT = new Set(['ConditionalCheckFailedException', 'TransactionCanceledException']);

/** A store or its network not answering, or answering "not now". */
const STORE_UNAVAILABLE = new Set([
  'ConnectionException',
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'PROTOCOL_CONNECTION_LOST',
  // PostgreSQL: connection exceptions (class 08) and the server shutting down or starting up (57P0x).
  '08000',
  '08003',
  '08006',
  '57P01',
  '57P02',
  '57P03',
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'ServiceUnavailable',
  'InternalServerError',
  'TimeoutError',
  'SQLITE_BUSY',
  'PoolTimeoutError',
  // The ORM re-wraps driver errors under its own name, keeping their code.
  'POOL_ACQUIRE_TIMEOUT',
  'KnexTimeoutError',
]);

// A loop rather than names.some(): toAppError runs on every failed request, and this allocates nothing.
const anyIn = (names: string[], known: ReadonlySet<string>): boolean => {
  for (const name of names) if (known.has(name)) return true;
  return false;
};

/** jose, the ORM, the SQL drivers and the AWS SDK, by name; undefined when the error is none of theirs. */
function libraryAppError(error: unknown, e: ErrorLike): AppError | undefined {
  // jose: every verification failure is an authentication failure.
  if (typeof e.code === 'string' && e.code.startsWith('ERR_JW')) {
    return AppError.unauthenticated('The bearer token is not valid.');
  }
  const names = errorNames(error);
  if (names.includes('NotFoundError')) return AppError.notFound();
  if (anyIn(names, DUPLICATE_KEY)) {
    return new AppError(409, 'duplicate', 'A resource with the same unique key already exists.');
  }
  if (anyIn(names, STORE_BUSY)) {
    return new AppError(503, 'dependency_unavailable', 'The store was busy; retry shortly.', {
      headers: { 'retry-after': '1' },
    });
  }
  if (names.includes('OptimisticLockError')) {
    return new AppError(412, 'precondition_failed', 'The resource was changed by someone else.');
  }
  if (anyIn(names, WRITE_CONFLICT)) {
    return new AppError(409, 'conflict', 'The write conflicted with the current state.');
  }
  if (anyIn(names, STORE_UNAVAILABLE) || saysConnectionFailed(error)) return AppError.unavailable();
  return undefined;
}

const clientErrorCode = (status: number): ErrorCode =>
  status === 404 ? 'not_found' : status === 405 ? 'method_not_allowed' : 'bad_request';

/** Body-parser style errors (raw-body, co-body, http-errors); undefined unless one says 4xx. */
function requestAppError(error: unknown, e: ErrorLike): AppError | undefined {
  const status = e.status ?? e.statusCode;
  if (status === 413 || e.type === 'entity.too.large') {
    return new AppError(413, 'payload_too_large', 'The request body is too large.');
  }
  if (status === 415) return new AppError(415, 'unsupported_media_type', 'Unsupported content type.');
  if (e.type === 'entity.parse.failed' || (error instanceof SyntaxError && status === 400)) {
    return new AppError(400, 'malformed_json', 'The request body is not valid JSON.');
  }
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return new AppError(status, clientErrorCode(status), titles[status] ?? 'Bad Request');
  }
  return undefined;
}

/**
 * Library errors are translated here, once, at the edge. Libraries are matched by error name so that
 * the platform does not import the ORM or the AWS SDK (a service that does not use them never loads them).
 */
export function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  const e = (error ?? {}) as ErrorLike;
  return (
    libraryAppError(error, e) ??
    requestAppError(error, e) ??
    new AppError(500, 'internal', 'Internal Server Error', { cause: error })
  );
}

export interface ProblemDocument {
  type: string;
  title: string;
  status: number;
  code: ErrorCode;
  detail: string;
  instance?: string;
  request_id?: string;
  errors?: FieldError[];
  [extra: string]: unknown;
}

export function problemOf(error: AppError, requestId?: string, instance?: string): ProblemDocument {
  const doc: ProblemDocument = {
    type: `https://shop.dev/problems/${error.code.replaceAll('_', '-')}`,
    title: titles[error.status] ?? 'Error',
    status: error.status,
    code: error.code,
    detail: error.expose
      ? error.message
      : 'An unexpected error occurred. Quote the request id when reporting it.',
  };
  if (instance) doc.instance = instance;
  if (requestId) doc.request_id = requestId;
  if (error.expose && error.errors?.length) doc.errors = error.errors;
  if (error.expose && error.extra) Object.assign(doc, error.extra, { status: doc.status, code: doc.code });
  return doc;
}

export function sendProblem(ctx: Context, error: AppError): void {
  const requestId = ctx.state.requestId as string | undefined;
  ctx.status = error.status;
  if (error.headers) ctx.set(error.headers);
  ctx.type = 'application/problem+json';
  ctx.body = problemOf(error, requestId, ctx.path);
}

/**
 * The one error middleware: first (after the request logger) in every app. Handlers never catch;
 * whatever they throw becomes an RFC 9457 problem document here, and 5xx bodies say nothing internal.
 */
export function errorHandler(): Middleware {
  return async function handleErrors(ctx, next) {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) {
        throw new AppError(404, 'not_found', 'No route matches this path.');
      }
    } catch (error) {
      const appError = toAppError(error);
      if (appError.status >= 500) ctx.state.error = error;
      sendProblem(ctx, appError);
    }
  };
}
