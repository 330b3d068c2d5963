/**
 * Baseline of the cold start measurement: a handler that holds only the
 * DynamoDB client and the document client, built with the same esbuild
 * options as the functions. It reads one item, so nothing is tree-shaken
 * away that a real reader of the table would keep.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';

let documents: DynamoDBDocumentClient | undefined;

export async function handler(event: { pk: string; sk: string }): Promise<unknown> {
  documents ??= DynamoDBDocumentClient.from(new DynamoDBClient({}));
  const result = await documents.send(
    new GetCommand({ TableName: process.env.TABLE_NAME, Key: { pk: event.pk, sk: event.sk } }),
  );
  return result.Item;
}
