import { randomUUID } from 'node:crypto';
import type { Middleware } from 'koa';
import pino, { type Logger } from 'pino';

export type { Logger } from 'pino';

export interface LoggerOptions {
  level?: string;
  service: string;
  /** Write asynchronously (benchmarks only); the default is synchronous so a frozen Lambda loses nothing. */
  async?: boolean;
  destination?: pino.DestinationStream;
}

/** Paths whose values never reach a log line. */
const redact = [
  'authorization',
  'cookie',
  'token',
  'password',
  'secret',
  '*.authorization',
  '*.cookie',
  '*.token',
  '*.password',
  '*.secret',
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-ms-client-principal"]',
  'req.headers["x-apigateway-api-userinfo"]',
  'req.headers["x-amzn-request-context"]',
  'headers.authorization',
  'headers.cookie',
];

/**
 * JSON logs that CloudWatch, Cloud Logging and Azure Monitor all read: `severity` for Cloud Logging,
 * `level` as a label for the others, `message` as the text field, ISO time.
 */
export function createLogger(options: LoggerOptions): Logger {
  const destination = options.destination ?? pino.destination({ dest: 1, sync: !options.async });
  const settings: pino.LoggerOptions = {
    level: options.level ?? 'info',
    base: { service: options.service },
    messageKey: 'message',
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: {
      level: (label) => ({ level: label, severity: severityOf(label) }),
    },
  };
  const logger = pino({ ...settings, redact: { paths: redact, censor: '[redacted]' } }, destination);
  requestLineLoggers.set(logger, pino(settings, destination));
  return logger;
}

/**
 * Per logger made by createLogger, a twin without redaction for the one line per request, whose fields
 * are fixed (method, path, status, latency, tenant, user, request and trace ids) and never a redacted
 * name: the same bytes, without redaction's cost per line (bench/fixes.md: log-redaction). Failure lines (with `err`) keep redaction.
 */
const requestLineLoggers = new WeakMap<Logger, Logger>();

const severityOf = (label: string): string =>
  ({ trace: 'DEBUG', debug: 'DEBUG', info: 'INFO', warn: 'WARNING', error: 'ERROR', fatal: 'CRITICAL' })[
    label
  ] ?? 'DEFAULT';

const REQUEST_ID = /^[\w.:-]{1,128}$/;

/** The trace id of the calling platform: W3C traceparent, AWS X-Ray, or Google Cloud Trace. */
export function traceIdOf(headers: Record<string, string | string[] | undefined>): string | undefined {
  const traceparent = headers.traceparent;
  if (typeof traceparent === 'string') {
    const match = /^[\da-f]{2}-([\da-f]{32})-[\da-f]{16}-[\da-f]{2}$/.exec(traceparent.trim());
    if (match) return match[1];
  }
  const amzn = headers['x-amzn-trace-id'];
  if (typeof amzn === 'string') {
    const match = /(?:^|;)\s*Root=([\w-]{1,64})/.exec(amzn);
    if (match) return match[1];
  }
  const cloud = headers['x-cloud-trace-context'];
  if (typeof cloud === 'string') {
    const match = /^([\da-f]{32})(?:\/|$)/.exec(cloud.trim());
    if (match) return match[1];
  }
  return undefined;
}

export interface RequestLoggingOptions {
  logger: Logger;
  googleCloudProject?: string | undefined;
}

/**
 * First middleware of every app: gives the request an id and a child logger, and writes one line per
 * request with tenant, user, status and latency once the response is decided.
 */
export function requestLogging({ logger, googleCloudProject }: RequestLoggingOptions): Middleware {
  return async function logRequest(ctx, next) {
    const started = performance.now();
    const incoming = ctx.get('x-request-id');
    const requestId = REQUEST_ID.test(incoming) ? incoming : randomUUID();
    const traceId = traceIdOf(ctx.headers);
    const bindings: Record<string, string> = { request_id: requestId };
    if (traceId) {
      bindings.trace_id = traceId;
      if (googleCloudProject) {
        bindings['logging.googleapis.com/trace'] = `projects/${googleCloudProject}/traces/${traceId}`;
      }
    }
    ctx.state.requestId = requestId;
    // Made on first use: most requests log only their own line (below), and a child of a redacting
    // logger is not free (its bindings are formatted and redacted when it is made).
    let child: Logger | undefined;
    Object.defineProperty(ctx.state, 'log', {
      configurable: true,
      enumerable: true,
      get: () => {
        child ??= logger.child(bindings);
        return child;
      },
      set: (value: Logger) => {
        child = value;
      },
    });
    ctx.set('x-request-id', requestId);
    const lineLogger = requestLineLoggers.get(logger);
    try {
      await next();
    } finally {
      const principal = ctx.state.principal as { tenantId?: string; userId?: string } | undefined;
      const line = {
        method: ctx.method,
        path: ctx.path,
        status: ctx.status,
        latency_ms: Math.round((performance.now() - started) * 100) / 100,
        tenant: principal?.tenantId ?? ctx.state.tenantId,
        user: principal?.userId,
      };
      const failure = ctx.state.error as unknown;
      if (failure) (ctx.state.log as Logger).error({ ...line, err: failure }, 'request failed');
      else if (ctx.status >= 500) (ctx.state.log as Logger).error(line, 'request');
      else if (lineLogger && logger.isLevelEnabled('info'))
        lineLogger.info({ ...bindings, ...line }, 'request');
      else (ctx.state.log as Logger).info(line, 'request');
    }
  };
}
