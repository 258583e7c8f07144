import { AuthConfigSchema, BaseConfigSchema, loadConfig } from '@shop/platform';
import { SQL_URL_PATTERN } from '@shop/platform/sql';
import Type, { type Static } from 'typebox';

/** Every variable the orders service reads, in one schema, checked at start. */
export const OrdersConfigSchema = Type.Object({
  ...BaseConfigSchema.properties,
  ...AuthConfigSchema.properties,
  /** Required here: the orders service always calls products with its own credential. */
  SERVICE_TOKEN_SECRET: Type.String({
    minLength: 32,
    description: 'Shared secret of service-to-service tokens.',
  }),
  SERVICE_NAME: Type.String({ pattern: '^[a-z][a-z0-9-]*$', default: 'orders' }),
  ORDERS_STORE: Type.Union([Type.Literal('sql'), Type.Literal('dynamodb')], {
    default: 'sql',
    description: 'sql: DATABASE_URL (SQLite, MySQL/MariaDB, PostgreSQL). dynamodb: DYNAMODB_TABLE.',
  }),
  DATABASE_URL: Type.String({
    pattern: SQL_URL_PATTERN,
    default: 'sqlite:.data/orders.sqlite',
    description: 'sqlite:<path> | mysql://user:pass@host:3306/db | postgresql://user:pass@host:5432/db',
  }),
  DB_POOL_MAX: Type.Integer({ minimum: 1, maximum: 100, default: 10 }),
  /** Longest wait for a pooled (or new) connection before answering 503, instead of queueing until REQUEST_TIMEOUT_MS. */
  DB_ACQUIRE_TIMEOUT_MS: Type.Integer({ minimum: 50, maximum: 60_000, default: 5000 }),
  DYNAMODB_TABLE: Type.String({
    minLength: 3,
    maxLength: 255,
    pattern: '^[A-Za-z0-9_.-]+$',
    default: 'orders',
  }),
  /** DynamoDB Local or another endpoint; the AWS default when absent. */
  DYNAMODB_ENDPOINT: Type.Optional(Type.String({ pattern: '^https?://' })),
  AWS_REGION: Type.String({ minLength: 1, default: 'us-east-1' }),
  PRODUCTS_URL: Type.String({ pattern: '^https?://', default: 'http://127.0.0.1:8081' }),
  PRODUCTS_TIMEOUT_MS: Type.Integer({ minimum: 100, maximum: 60_000, default: 3000 }),
  PRODUCTS_RETRIES: Type.Integer({ minimum: 0, maximum: 5, default: 2 }),
  /** Create the tables (SQL migrations, or the DynamoDB table) at start; deployments run migrate.ts instead. */
  MIGRATE_ON_START: Type.Boolean({ default: false }),
  IDEMPOTENCY_TTL_SECONDS: Type.Integer({ minimum: 86_400, maximum: 2_592_000, default: 86_400 }),
  IDEMPOTENCY_WAIT_MS: Type.Integer({ minimum: 0, maximum: 20_000, default: 5000 }),
  /** Signs page cursors; derived from SERVICE_TOKEN_SECRET when absent. */
  CURSOR_SECRET: Type.Optional(Type.String({ minLength: 32 })),
});

export type OrdersConfig = Static<typeof OrdersConfigSchema>;

/** Reads the configuration from the environment, or throws a ConfigError naming every bad variable. */
export function loadOrdersConfig(env: NodeJS.ProcessEnv = process.env): OrdersConfig {
  // On Lambda each instance serves one request at a time: a big pool only holds database connections.
  const onLambda = Boolean(env.AWS_LAMBDA_FUNCTION_NAME);
  return loadConfig(OrdersConfigSchema, onLambda && !env.DB_POOL_MAX ? { ...env, DB_POOL_MAX: '2' } : env);
}
