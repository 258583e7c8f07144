import { type Logger, whenStoreAnswers } from '@shop/platform';
import type { OrdersConfig } from '../config.ts';
import type { OrderStore } from '../domain/ports.ts';

export type StoreConfig = Pick<
  OrdersConfig,
  | 'ORDERS_STORE'
  | 'DATABASE_URL'
  | 'DB_POOL_MAX'
  | 'DYNAMODB_TABLE'
  | 'DYNAMODB_ENDPOINT'
  | 'AWS_REGION'
  | 'REQUEST_TIMEOUT_MS'
> &
  Partial<Pick<OrdersConfig, 'DB_ACQUIRE_TIMEOUT_MS'>>;

/**
 * Opens the store ORDERS_STORE names. Each branch imports its own driver, so a service on DynamoDB
 * never loads the ORM and a service on SQL never loads the AWS SDK.
 */
export async function openOrderStore(
  config: StoreConfig,
  logger: Logger,
  options: { migrate: boolean },
): Promise<OrderStore> {
  if (config.ORDERS_STORE === 'dynamodb') {
    const [{ createDynamoDbClient }, { DynamoDbOrderStore }, { ensureOrdersTable }] = await Promise.all([
      import('./dynamodb/client.ts'),
      import('./dynamodb/dynamodb-order-store.ts'),
      import('./dynamodb/table.ts'),
    ]);
    const client = createDynamoDbClient(config);
    // A migration may start beside its emulator (compose starts DynamoDB Local, which has no health
    // check tool in its image, just before): wait up to a minute for it to answer.
    if (options.migrate) {
      await whenStoreAnswers(() => ensureOrdersTable(client, config.DYNAMODB_TABLE, logger), {
        timeoutMs: 60_000,
        logger,
      });
    }
    return new DynamoDbOrderStore(client, config.DYNAMODB_TABLE);
  }
  const [{ openSqlDatabase }, { SqlOrderStore }, { migrateSql }] = await Promise.all([
    import('./sql/sql-database.ts'),
    import('./sql/sql-order-store.ts'),
    import('./sql/migrations.ts'),
  ]);
  const db = await openSqlDatabase(config.DATABASE_URL, config.DB_POOL_MAX, config.DB_ACQUIRE_TIMEOUT_MS);
  try {
    if (options.migrate) await migrateSql(db, logger);
  } catch (error) {
    await db.close();
    throw error;
  }
  return new SqlOrderStore(db);
}
