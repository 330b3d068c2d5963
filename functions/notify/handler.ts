import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type {
  DynamoDBRecord,
  DynamoDBStreamEvent,
  SQSBatchResponse,
  SQSEvent,
  SQSRecord,
} from 'aws-lambda';

import { SqsCallbackQueue } from '../adapters/callback-queue';
import { HttpCallbackSender } from '../adapters/callback-sender';
import { createSecretsClient } from '../adapters/secret-store';
import { type CallbackMessage, callbackForChange } from '../core/callback';
import type { Payment } from '../core/payment';
import { type Config, ConfigError, getConfig } from '../shared/config';
import { logger } from '../shared/logger';
import { deliverCallback, type NotifyServices } from './deliver';

type NotifyEvent = DynamoDBStreamEvent | SQSEvent;

/** Reads a payment from a stream image; other items give undefined. */
function paymentFromImage(image: object | undefined): Payment | undefined {
  if (!image) return undefined;
  const item = unmarshall(image as Parameters<typeof unmarshall>[0]);
  if (typeof item.pk !== 'string' || !item.pk.startsWith('PAYMENT#') || item.sk !== 'PAYMENT') {
    return undefined;
  }
  return item as Payment;
}

/** The callback a stream record calls for, if any. */
export function callbackForRecord(record: DynamoDBRecord): CallbackMessage | undefined {
  if (record.eventName !== 'MODIFY') return undefined;
  const after = paymentFromImage(record.dynamodb?.NewImage);
  if (!after) return undefined;
  return callbackForChange(paymentFromImage(record.dynamodb?.OldImage), after);
}

/**
 * Creates the notify handler. It takes DynamoDB stream batches (a status
 * change to announce) and SQS batches (a callback due for another try).
 * Records whose callback could not be sent or queued are reported as
 * failed items, so Lambda hands them over again and nothing is lost.
 */
export function createNotifyHandler(resolveServices: () => NotifyServices) {
  return async (event: NotifyEvent): Promise<SQSBatchResponse> => {
    const services = resolveServices();
    const failures: SQSBatchResponse['batchItemFailures'] = [];
    for (const record of event.Records) {
      const isStream = 'dynamodb' in record;
      const itemIdentifier = isStream
        ? ((record as DynamoDBRecord).dynamodb?.SequenceNumber ?? '')
        : (record as SQSRecord).messageId;
      try {
        const message = isStream
          ? callbackForRecord(record as DynamoDBRecord)
          : (JSON.parse((record as SQSRecord).body) as CallbackMessage);
        if (message) await deliverCallback(services, message);
      } catch (error) {
        logger.error('callback not delivered nor queued; the record will be retried', {
          itemIdentifier,
          error,
        });
        failures.push({ itemIdentifier });
        // A stream resumes from the first failed record, so stop here.
        if (isStream) break;
      }
    }
    return { batchItemFailures: failures };
  };
}

const SIGNING_SECRET_TTL_MS = 5 * 60_000;

/** Builds the notify services of a deployed stage from its Config. */
export function createNotifyServices(config: Config): NotifyServices {
  if (!config.callbackRetryQueueUrl || !config.callbackDeadLetterQueueUrl) {
    throw new ConfigError('invalid environment: CALLBACK_RETRY_QUEUE_URL and CALLBACK_DLQ_URL are required by the notify function');
  }
  const secrets = createSecretsClient(config);
  let cached: { value: string; expiresAt: number } | undefined;
  return {
    sender: new HttpCallbackSender({ timeoutMs: config.callbackTimeoutMs, allowLoopback: config.allowLoopbackCallbacks }),
    queue: new SqsCallbackQueue(config, config.callbackRetryQueueUrl, config.callbackDeadLetterQueueUrl),
    policy: { allowedHosts: config.callbackAllowedHosts, allowLoopback: config.allowLoopbackCallbacks },
    retryDelaysSeconds: config.callbackRetryDelaysSeconds,
    now: () => new Date(),
    signingSecret: async () => {
      if (cached && cached.expiresAt > Date.now()) return cached.value;
      const result = await secrets.send(new GetSecretValueCommand({ SecretId: config.callbackSigningSecretId }));
      if (!result.SecretString) throw new Error('the callback signing secret is empty');
      cached = { value: result.SecretString, expiresAt: Date.now() + SIGNING_SECRET_TTL_MS };
      return cached.value;
    },
  };
}

let services: NotifyServices | undefined;

export const handler = createNotifyHandler(() => {
  services ??= createNotifyServices(getConfig());
  return services;
});
