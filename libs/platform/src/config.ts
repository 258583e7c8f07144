import Type, { type Static, type TObject } from 'typebox';
import Value from 'typebox/value';

export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/** The variables every service reads, whatever it does. */
export const BaseConfigSchema = Type.Object({
  NODE_ENV: Type.Union([Type.Literal('development'), Type.Literal('test'), Type.Literal('production')], {
    default: 'development',
  }),
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 8080 }),
  HOST: Type.String({ default: '0.0.0.0' }),
  LOG_LEVEL: Type.Union(
    ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'].map((level) => Type.Literal(level)),
    { default: 'info' },
  ),
  /** Largest JSON body accepted, in bytes. */
  BODY_LIMIT_BYTES: Type.Integer({ minimum: 1024, maximum: 10_485_760, default: 1_048_576 }),
  /** Requests still running after this are answered 503; keep it below the platform's own timeout. */
  REQUEST_TIMEOUT_MS: Type.Integer({ minimum: 100, maximum: 900_000, default: 25_000 }),
  /**
   * Time allowed to drain in-flight requests on SIGTERM. Below the 10 s after which Cloud Run and
   * `docker stop` send SIGKILL, so the pools are still closed in time.
   */
  SHUTDOWN_TIMEOUT_MS: Type.Integer({ minimum: 0, maximum: 60_000, default: 8000 }),
  /** Comma-separated origins allowed by CORS (`*` for any); empty disables CORS. */
  CORS_ORIGINS: Type.String({ default: '' }),
  /** Google Cloud project, for Cloud Logging's trace correlation field. */
  GOOGLE_CLOUD_PROJECT: Type.Optional(Type.String()),
});

const describe = (error: { instancePath: string; keyword: string; params: object; message: string }) => {
  const variable = error.instancePath.replace(/^\//, '');
  if (error.keyword === 'required') {
    const missing = (error.params as { requiredProperties?: string[] }).requiredProperties ?? [];
    return missing.map((name) => `${name} is required`);
  }
  if (error.keyword === 'additionalProperties') return [];
  return [`${variable || '(root)'}: ${error.message}`];
};

/**
 * Reads typed configuration from the environment. Strings are converted to the schema's types and
 * defaults applied; on failure one error names every missing or invalid variable, so a service fails
 * at start rather than on its first request.
 */
export function loadConfig<T extends TObject>(schema: T, env: NodeJS.ProcessEnv = process.env): Static<T> {
  // Checked once, so interpreted: compiling a validator first would cost a cold start more (bench/fixes.md: config-validator-compile).
  const known: Record<string, unknown> = {};
  for (const key of Object.keys(schema.properties)) {
    const value = env[key];
    if (value !== undefined && value !== '') known[key] = value;
  }
  const candidate = Value.Convert(schema, Value.Default(schema, known));
  if (Value.Check(schema, candidate)) return candidate as Static<T>;
  const problems = [...new Set(Value.Errors(schema, candidate).flatMap(describe))];
  throw new ConfigError(problems.length ? problems : ['configuration does not match its schema']);
}

/** Splits a comma-separated variable into trimmed, non-empty entries. */
export const csv = (value: string | undefined): string[] =>
  (value ?? '')
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean);
