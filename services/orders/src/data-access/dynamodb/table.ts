import {
  CreateTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  type DynamoDBClient,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import type { Logger } from '@shop/platform';

export const GSI = {
  customer: { name: 'GSI1', partitionKey: 'GSI1PK', sortKey: 'GSI1SK' },
  tenant: { name: 'GSI2', partitionKey: 'GSI2PK', sortKey: 'GSI2SK' },
  status: { name: 'GSI3', partitionKey: 'GSI3PK', sortKey: 'GSI3SK' },
} as const;

export const TTL_ATTRIBUTE = 'expires_at';

const errorName = (error: unknown) => (error as { name?: string }).name;

/**
 * Creates the orders table with its three indexes when absent (on-demand capacity), waits for it,
 * and turns on TTL for idempotency records. Safe to run from several instances at once.
 */
export async function ensureOrdersTable(
  client: DynamoDBClient,
  table: string,
  logger: Logger,
): Promise<boolean> {
  let created = false;
  try {
    await client.send(new DescribeTableCommand({ TableName: table }));
  } catch (error) {
    if (errorName(error) !== 'ResourceNotFoundException') throw error;
    const keys = Object.values(GSI).flatMap((index) => [index.partitionKey, index.sortKey]);
    try {
      await client.send(
        new CreateTableCommand({
          TableName: table,
          BillingMode: 'PAY_PER_REQUEST',
          AttributeDefinitions: ['PK', 'SK', ...keys].map((name) => ({
            AttributeName: name,
            AttributeType: 'S',
          })),
          KeySchema: [
            { AttributeName: 'PK', KeyType: 'HASH' },
            { AttributeName: 'SK', KeyType: 'RANGE' },
          ],
          GlobalSecondaryIndexes: Object.values(GSI).map((index) => ({
            IndexName: index.name,
            KeySchema: [
              { AttributeName: index.partitionKey, KeyType: 'HASH' },
              { AttributeName: index.sortKey, KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'ALL' },
          })),
        }),
      );
      created = true;
      logger.info({ table }, 'created the DynamoDB orders table');
    } catch (createError) {
      if (errorName(createError) !== 'ResourceInUseException') throw createError;
    }
    await waitUntilTableExists({ client, maxWaitTime: 120, minDelay: 1, maxDelay: 5 }, { TableName: table });
  }
  const ttl = await client.send(new DescribeTimeToLiveCommand({ TableName: table }));
  const status = ttl.TimeToLiveDescription?.TimeToLiveStatus;
  if (status !== 'ENABLED' && status !== 'ENABLING') {
    try {
      await client.send(
        new UpdateTimeToLiveCommand({
          TableName: table,
          TimeToLiveSpecification: { AttributeName: TTL_ATTRIBUTE, Enabled: true },
        }),
      );
    } catch (error) {
      // Another instance turned it on meanwhile.
      if (errorName(error) !== 'ValidationException') throw error;
    }
  }
  return created;
}
