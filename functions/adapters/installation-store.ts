import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';

import { TABLE_SCHEMA } from '../../lib/table-schema';
import { DependencyError } from '../core/errors';
import type { Installation, WebhookReport } from '../core/installation';

/** Rejected-delivery counters are kept long enough for a seven-day view. */
const REJECTION_RECORD_DAYS = 8;

const installationKey = (merchantId: string) => ({
  [TABLE_SCHEMA.partitionKey]: `MERCHANT#${merchantId}`,
  [TABLE_SCHEMA.sortKey]: 'INSTALLATION',
});

const rejectionKey = (merchantId: string, day: string) => ({
  [TABLE_SCHEMA.partitionKey]: `MERCHANT#${merchantId}`,
  [TABLE_SCHEMA.sortKey]: `REJECTED#${day}`,
});

function wrap(operation: string, error: unknown): never {
  throw new DependencyError(
    'storage_unavailable',
    `The installation store failed to ${operation}; try again shortly.`,
    { cause: error },
  );
}

/** Merchant installations and their delivery statistics in DynamoDB. */
export class InstallationStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async get(merchantId: string): Promise<Installation | undefined> {
    try {
      const result = await this.client.send(
        new GetCommand({
          TableName: this.tableName,
          Key: installationKey(merchantId),
          ConsistentRead: true,
        }),
      );
      if (!result.Item) return undefined;
      const { pk: _pk, sk: _sk, ...installation } = result.Item;
      return installation as Installation;
    } catch (error) {
      return wrap('read the installation', error);
    }
  }

  /** Writes the whole installation, replacing an earlier one. */
  async put(installation: Installation): Promise<void> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...installationKey(installation.merchantId), ...installation },
        }),
      );
    } catch (error) {
      wrap('store the installation', error);
    }
  }

  async markRemoved(merchantId: string, removedAt: string): Promise<void> {
    await this.update(
      merchantId,
      'SET #status = :removed, removedAt = :at REMOVE credentialsVersion',
      { ':removed': 'removed', ':at': removedAt },
      { '#status': 'status' },
    );
  }

  async setWebhookReport(merchantId: string, report: WebhookReport): Promise<void> {
    await this.update(merchantId, 'SET webhook = :report', { ':report': report });
  }

  /** Flags the webhook as suspect: reconcile settled what it should have. */
  async markWebhookSuspect(merchantId: string, at: string, paymentId: string): Promise<void> {
    await this.update(
      merchantId,
      'SET webhookSuspect = :suspect',
      { ':suspect': { since: at, paymentId } },
    );
  }

  async recordEventReceived(merchantId: string, at: string): Promise<void> {
    await this.update(merchantId, 'SET lastEventAt = :at', { ':at': at });
  }

  /** Counts a rejected delivery under its reason for the current day. */
  async recordRejection(merchantId: string, reason: string, at: Date): Promise<void> {
    const day = at.toISOString().slice(0, 10);
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: rejectionKey(merchantId, day),
          UpdateExpression: 'ADD #reason :one SET expiresAtEpoch = :expires',
          ExpressionAttributeNames: { '#reason': `count_${reason}` },
          ExpressionAttributeValues: {
            ':one': 1,
            ':expires':
              Math.floor(at.getTime() / 1000) + REJECTION_RECORD_DAYS * 86_400,
          },
        }),
      );
    } catch (error) {
      wrap('count the rejected delivery', error);
    }
  }

  /** Sums rejected deliveries by reason over the last `days` days. */
  async countRejections(merchantId: string, now: Date, days = 7): Promise<Record<string, number>> {
    const since = new Date(now.getTime() - (days - 1) * 86_400_000)
      .toISOString()
      .slice(0, 10);
    try {
      const result = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
          ExpressionAttributeValues: {
            ':pk': `MERCHANT#${merchantId}`,
            ':from': `REJECTED#${since}`,
            ':to': 'REJECTED#~',
          },
        }),
      );
      const totals: Record<string, number> = {};
      for (const item of result.Items ?? []) {
        for (const [name, value] of Object.entries(item)) {
          if (!name.startsWith('count_') || typeof value !== 'number') continue;
          const reason = name.slice('count_'.length);
          totals[reason] = (totals[reason] ?? 0) + value;
        }
      }
      return totals;
    } catch (error) {
      return wrap('count rejected deliveries', error);
    }
  }

  private async update(
    merchantId: string,
    expression: string,
    values: Record<string, unknown>,
    names?: Record<string, string>,
  ): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: installationKey(merchantId),
          UpdateExpression: expression,
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: values,
          ...(names && { ExpressionAttributeNames: names }),
        }),
      );
    } catch (error) {
      if ((error as Error).name === 'ConditionalCheckFailedException') return;
      wrap('update the installation', error);
    }
  }
}
