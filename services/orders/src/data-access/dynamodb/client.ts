import { DynamoDBClient } from '@aws-sdk/client-dynamodb';

export interface DynamoDbClientConfig {
  AWS_REGION: string;
  DYNAMODB_ENDPOINT?: string | undefined;
  REQUEST_TIMEOUT_MS: number;
}

/**
 * The SDK client with bounded time per attempt. Against a local endpoint (DynamoDB Local) without AWS
 * credentials in the environment, placeholder credentials are used: DynamoDB Local checks none.
 */
export function createDynamoDbClient(config: DynamoDbClientConfig): DynamoDBClient {
  const local = config.DYNAMODB_ENDPOINT !== undefined && !process.env.AWS_ACCESS_KEY_ID;
  return new DynamoDBClient({
    region: config.AWS_REGION,
    ...(config.DYNAMODB_ENDPOINT ? { endpoint: config.DYNAMODB_ENDPOINT } : {}),
    ...(local ? { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } } : {}),
    maxAttempts: 3,
    requestHandler: {
      connectionTimeout: 2000,
      requestTimeout: Math.min(5000, config.REQUEST_TIMEOUT_MS),
    },
  });
}
