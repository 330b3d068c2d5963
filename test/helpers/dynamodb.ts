import { randomUUID } from 'node:crypto';
import {
  DeleteTableCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import {
  createDynamoDbClient,
  createTable,
  startDynamoDbLocal,
  type DynamoDbLocal,
} from '../../local/dynamodb-local';

export interface TestDynamoDb {
  endpoint: string;
  /** A table created for this caller from the stage's schema. */
  tableName: string;
  client: DynamoDBClient;
  /** Deletes the table and stops DynamoDB Local once every caller in the file has stopped. */
  stop(): Promise<void>;
}

// Jest loads modules once per test file, so these are shared within a file
// and never across files.
let instance: Promise<DynamoDbLocal> | undefined;
let users = 0;

/**
 * Starts DynamoDB Local on a free port, or reuses the one this test file
 * already started, and creates a uniquely named table. Starting Java takes
 * seconds, so call it in beforeAll and call stop() in afterAll.
 */
export async function useDynamoDb(): Promise<TestDynamoDb> {
  users += 1;
  instance ??= startDynamoDbLocal({ port: 0 });
  let local: DynamoDbLocal;
  try {
    local = await instance;
  } catch (error) {
    users -= 1;
    instance = undefined;
    throw error;
  }

  const release = async (): Promise<void> => {
    users -= 1;
    if (users === 0) {
      instance = undefined;
      await local.stop();
    }
  };

  const tableName = `test-${randomUUID()}`;
  try {
    await createTable(local.endpoint, tableName);
  } catch (error) {
    await release();
    throw error;
  }
  const client = createDynamoDbClient(local.endpoint);

  let stopped = false;
  return {
    endpoint: local.endpoint,
    tableName,
    client,
    async stop() {
      if (stopped) {
        return;
      }
      stopped = true;
      try {
        await client.send(new DeleteTableCommand({ TableName: tableName }));
      } finally {
        client.destroy();
        await release();
      }
    },
  };
}
