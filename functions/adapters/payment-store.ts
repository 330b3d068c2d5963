import {
  ConditionalCheckFailedException,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';

import { OPEN_PAYMENT_SHARDS, TABLE_SCHEMA } from '../../lib/table-schema';
import { DependencyError } from '../core/errors';
import type { HistoryEntry, Payment, PaymentError } from '../core/payment';
import { isOpen, type PaymentStatus } from '../core/payment-state';

/** Processed-event records are kept this long, past Stripe's 30 days. */
const EVENT_RECORD_DAYS = 35;

export class DuplicateEventError extends Error {
  override name = 'DuplicateEventError';
}

export class VersionConflictError extends Error {
  override name = 'VersionConflictError';
}

/** The PaymentIntent is already linked to another payment. */
export class PaymentIntentTakenError extends Error {
  override name = 'PaymentIntentTakenError';
}

export interface StatusChange {
  paymentId: string;
  /** The version read before deciding; the write fails if it moved. */
  expectedVersion: number;
  /**
   * The `lastEventCreated` read before deciding, so the write fails if it
   * moved. Null expects none stored, and undefined skips the check.
   */
  expectedLastEventCreated?: number | null;
  status: PaymentStatus;
  entry: HistoryEntry;
  lastError?: PaymentError | null;
  paymentIntentId?: string;
  lastEventCreated?: number;
  /** Next time reconcile looks at the payment, while it stays open. */
  reconcileAt?: string;
}

/** A later observation of the status a payment already has. */
export interface StatusConfirmation {
  paymentId: string;
  expectedVersion: number;
  /** Null expects no `lastEventCreated` stored. */
  expectedLastEventCreated: number | null;
  lastEventCreated: number;
  /** The PaymentIntent's last error; null clears a stored one. */
  lastError?: PaymentError | null;
}

export interface EventRecord {
  merchantId: string;
  eventId: string;
  paymentId: string;
  outcome: string;
}

export interface IdempotencyRecord {
  merchantId: string;
  key: string;
  fingerprint: string;
  paymentId: string;
  /** ISO 8601 expiry chosen at the first request, reused on retries. */
  expiresAt: string;
}

const paymentKey = (paymentId: string) => ({
  [TABLE_SCHEMA.partitionKey]: `PAYMENT#${paymentId}`,
  [TABLE_SCHEMA.sortKey]: 'PAYMENT',
});

const eventKey = (merchantId: string, eventId: string) => ({
  [TABLE_SCHEMA.partitionKey]: `MERCHANT#${merchantId}`,
  [TABLE_SCHEMA.sortKey]: `EVENT#${eventId}`,
});

const intentKey = (paymentIntentId: string) => ({
  [TABLE_SCHEMA.partitionKey]: `PAYMENT_INTENT#${paymentIntentId}`,
  [TABLE_SCHEMA.sortKey]: 'PAYMENT',
});

const idempotencyKey = (merchantId: string, key: string) => ({
  [TABLE_SCHEMA.partitionKey]: `MERCHANT#${merchantId}`,
  [TABLE_SCHEMA.sortKey]: `IDEMPOTENCY#${key}`,
});

type TransactItems = NonNullable<
  ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']
>;

/**
 * Builds the condition that the payment is still in the state a decision
 * was made on, adding its placeholders to `names` and `values`.
 */
function expectedState(
  names: Record<string, string>,
  values: Record<string, unknown>,
  version: number,
  lastEventCreated: number | null | undefined,
): string {
  names['#version'] = 'version';
  values[':expectedVersion'] = version;
  const condition = '#version = :expectedVersion';
  if (lastEventCreated === undefined) return condition;
  names['#lastEventCreated'] = 'lastEventCreated';
  if (lastEventCreated === null) {
    return `${condition} AND attribute_not_exists(#lastEventCreated)`;
  }
  values[':expectedLastEventCreated'] = lastEventCreated;
  return `${condition} AND #lastEventCreated = :expectedLastEventCreated`;
}

/** Picks the open-payments index partition of a payment. */
export function openShardOf(paymentId: string): string {
  let hash = 0;
  for (const char of paymentId) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return `OPEN#${hash % OPEN_PAYMENT_SHARDS}`;
}

function stripKeys(item: Record<string, unknown>): Payment {
  const {
    pk: _pk,
    sk: _sk,
    openShard: _shard,
    reconcileAt: _reconcileAt,
    ...payment
  } = item;
  return payment as unknown as Payment;
}

function wrap(operation: string, error: unknown): never {
  throw new DependencyError(
    'storage_unavailable',
    `The payment store failed to ${operation}; try again shortly.`,
    { cause: error },
  );
}

/** Payments, their processed events and idempotency records in DynamoDB. */
export class PaymentStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /**
   * Stores a new payment unless one with its id exists, and returns the
   * stored one: a concurrent retry of the same request finds the first.
   */
  async createIfAbsent(
    payment: Payment,
    reconcileAt: string,
  ): Promise<{ created: boolean; payment: Payment }> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...paymentKey(payment.paymentId),
            ...payment,
            openShard: openShardOf(payment.paymentId),
            reconcileAt,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return { created: true, payment };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) {
        wrap('store the payment', error);
      }
    }
    const stored = await this.get(payment.paymentId);
    return { created: false, payment: stored ?? payment };
  }

  async get(paymentId: string): Promise<Payment | undefined> {
    try {
      const result = await this.client.send(
        new GetCommand({
          TableName: this.tableName,
          Key: paymentKey(paymentId),
          ConsistentRead: true,
        }),
      );
      return result.Item ? stripKeys(result.Item) : undefined;
    } catch (error) {
      return wrap('read the payment', error);
    }
  }

  /** Returns the payment id a PaymentIntent was linked to, if any. */
  async findByPaymentIntent(paymentIntentId: string): Promise<string | undefined> {
    try {
      const result = await this.client.send(
        new GetCommand({
          TableName: this.tableName,
          Key: intentKey(paymentIntentId),
          ConsistentRead: true,
        }),
      );
      return result.Item?.paymentId as string | undefined;
    } catch (error) {
      return wrap('look up the PaymentIntent', error);
    }
  }

  /**
   * Applies a status change and, when given, records the event id in the
   * same transaction. Throws DuplicateEventError when the event was already
   * recorded and VersionConflictError when the payment changed meanwhile.
   */
  async applyChange(change: StatusChange, event?: EventRecord): Promise<void> {
    const names: Record<string, string> = {
      '#status': 'status',
      '#history': 'history',
      '#version': 'version',
      '#updatedAt': 'updatedAt',
    };
    const values: Record<string, unknown> = {
      ':status': change.status,
      ':entry': [change.entry],
      ':one': 1,
      ':updatedAt': change.entry.at,
    };
    const sets = [
      '#status = :status',
      '#history = list_append(#history, :entry)',
      '#version = #version + :one',
      '#updatedAt = :updatedAt',
    ];
    const removes: string[] = [];
    if (change.lastError !== undefined) {
      names['#lastError'] = 'lastError';
      if (change.lastError === null) removes.push('#lastError');
      else {
        values[':lastError'] = change.lastError;
        sets.push('#lastError = :lastError');
      }
    }
    if (change.paymentIntentId) {
      names['#pi'] = 'paymentIntentId';
      values[':pi'] = change.paymentIntentId;
      sets.push('#pi = :pi');
    }
    if (change.lastEventCreated !== undefined) {
      names['#lastEventCreated'] = 'lastEventCreated';
      values[':lastEventCreated'] = change.lastEventCreated;
      sets.push('#lastEventCreated = :lastEventCreated');
    }
    names['#openShard'] = 'openShard';
    names['#reconcileAt'] = 'reconcileAt';
    if (isOpen(change.status)) {
      values[':openShard'] = openShardOf(change.paymentId);
      values[':reconcileAt'] = change.reconcileAt ?? change.entry.at;
      sets.push('#openShard = :openShard', '#reconcileAt = :reconcileAt');
    } else {
      removes.push('#openShard', '#reconcileAt');
    }
    const update =
      `SET ${sets.join(', ')}` +
      (removes.length > 0 ? ` REMOVE ${removes.join(', ')}` : '');

    const items: TransactItems = [
      {
        Update: {
          TableName: this.tableName,
          Key: paymentKey(change.paymentId),
          UpdateExpression: update,
          ConditionExpression: expectedState(
            names,
            values,
            change.expectedVersion,
            change.expectedLastEventCreated,
          ),
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        },
      },
    ];
    if (event) items.push({ Put: this.eventPut(event) });
    if (change.paymentIntentId) {
      items.push({ Put: this.intentPut(change.paymentIntentId, change.paymentId) });
    }
    await this.transact(items, {
      eventIndex: event ? 1 : undefined,
      intentIndex: change.paymentIntentId ? items.length - 1 : undefined,
    });
  }

  /**
   * Stores the time of a later observation of the current status, and the
   * event when given, in one transaction. The status, history and version
   * stay as they are. Throws like applyChange.
   */
  async confirmStatus(confirmation: StatusConfirmation, event?: EventRecord): Promise<void> {
    const names: Record<string, string> = {
      '#lastEventCreated': 'lastEventCreated',
    };
    const values: Record<string, unknown> = {
      ':lastEventCreated': confirmation.lastEventCreated,
    };
    let update = 'SET #lastEventCreated = :lastEventCreated';
    if (confirmation.lastError === null) {
      names['#lastError'] = 'lastError';
      update += ' REMOVE #lastError';
    } else if (confirmation.lastError !== undefined) {
      names['#lastError'] = 'lastError';
      values[':lastError'] = confirmation.lastError;
      update += ', #lastError = :lastError';
    }
    const condition = expectedState(
      names,
      values,
      confirmation.expectedVersion,
      confirmation.expectedLastEventCreated,
    );
    const items: TransactItems = [
      {
        Update: {
          TableName: this.tableName,
          Key: paymentKey(confirmation.paymentId),
          UpdateExpression: update,
          ConditionExpression: condition,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        },
      },
    ];
    if (event) items.push({ Put: this.eventPut(event) });
    await this.transact(items, { eventIndex: event ? 1 : undefined });
  }

  /**
   * Records an event that changes nothing, so a redelivery is a duplicate.
   * A conditional put costs half the write capacity of a transaction.
   */
  async recordEvent(event: EventRecord): Promise<void> {
    try {
      await this.client.send(new PutCommand(this.eventPut(event)));
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        throw new DuplicateEventError('event already recorded', { cause: error });
      }
      wrap('record the event', error);
    }
  }

  async getEvent(merchantId: string, eventId: string): Promise<EventRecord | undefined> {
    try {
      const result = await this.client.send(
        new GetCommand({
          TableName: this.tableName,
          Key: eventKey(merchantId, eventId),
          ConsistentRead: true,
        }),
      );
      return result.Item as EventRecord | undefined;
    } catch (error) {
      return wrap('read the event record', error);
    }
  }

  /** Moves an open payment's next reconcile time without changing it. */
  async postponeReconcile(paymentId: string, version: number, reconcileAt: string): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: paymentKey(paymentId),
          UpdateExpression: 'SET reconcileAt = :at',
          ConditionExpression: 'version = :version AND attribute_exists(openShard)',
          ExpressionAttributeValues: { ':at': reconcileAt, ':version': version },
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return;
      wrap('postpone the reconcile check', error);
    }
  }

  /** Lists open payments due for reconcile, oldest first, per shard. */
  async listDue(now: string, limit: number): Promise<Payment[]> {
    const due: Payment[] = [];
    for (let shard = 0; shard < OPEN_PAYMENT_SHARDS && due.length < limit; shard++) {
      try {
        const result = await this.client.send(
          new QueryCommand({
            TableName: this.tableName,
            IndexName: TABLE_SCHEMA.openPaymentsIndex.indexName,
            KeyConditionExpression: 'openShard = :shard AND reconcileAt <= :now',
            ExpressionAttributeValues: { ':shard': `OPEN#${shard}`, ':now': now },
            Limit: limit - due.length,
          }),
        );
        for (const item of result.Items ?? []) due.push(stripKeys(item));
      } catch (error) {
        wrap('list open payments', error);
      }
    }
    return due;
  }

  /**
   * Stores an idempotency record unless one exists; returns the record that
   * is stored afterwards (the new one or the earlier one).
   */
  async claimIdempotencyKey(record: IdempotencyRecord): Promise<IdempotencyRecord> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...idempotencyKey(record.merchantId, record.key),
            ...record,
            expiresAtEpoch: Math.floor(Date.now() / 1000) + 7 * 86_400,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return record;
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) {
        wrap('store the idempotency key', error);
      }
    }
    const existing = await this.client
      .send(
        new GetCommand({
          TableName: this.tableName,
          Key: idempotencyKey(record.merchantId, record.key),
          ConsistentRead: true,
        }),
      )
      .catch((error: unknown) => wrap('read the idempotency key', error));
    return existing.Item as IdempotencyRecord;
  }

  private eventPut(event: EventRecord) {
    return {
      TableName: this.tableName,
      Item: {
        ...eventKey(event.merchantId, event.eventId),
        ...event,
        recordedAt: new Date().toISOString(),
        expiresAtEpoch: Math.floor(Date.now() / 1000) + EVENT_RECORD_DAYS * 86_400,
      },
      ConditionExpression: 'attribute_not_exists(pk)',
    };
  }

  private intentPut(paymentIntentId: string, paymentId: string) {
    return {
      TableName: this.tableName,
      Item: { ...intentKey(paymentIntentId), paymentId },
      ConditionExpression: 'attribute_not_exists(pk) OR paymentId = :paymentId',
      ExpressionAttributeValues: { ':paymentId': paymentId },
    };
  }

  private async transact(
    items: TransactItems,
    positions: { eventIndex?: number; intentIndex?: number },
  ): Promise<void> {
    try {
      await this.client.send(new TransactWriteCommand({ TransactItems: items }));
    } catch (error) {
      if (error instanceof TransactionCanceledException) {
        const reasons = error.CancellationReasons ?? [];
        const failedAt = (index: number | undefined) =>
          index !== undefined && reasons[index]?.Code === 'ConditionalCheckFailed';
        if (failedAt(positions.eventIndex)) {
          throw new DuplicateEventError('event already recorded', { cause: error });
        }
        if (failedAt(0) && positions.eventIndex !== 0) {
          throw new VersionConflictError('payment changed meanwhile', { cause: error });
        }
        if (failedAt(positions.intentIndex)) {
          throw new PaymentIntentTakenError('PaymentIntent linked to another payment', { cause: error });
        }
        const retryable = ['ConditionalCheckFailed', 'TransactionConflict'];
        if (reasons.some((reason) => retryable.includes(reason.Code ?? ''))) {
          throw new VersionConflictError('linked record changed meanwhile', { cause: error });
        }
      }
      wrap('apply the change', error);
    }
  }
}
