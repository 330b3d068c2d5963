import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';

import type { CallbackMessage } from '../core/callback';
import { DependencyError } from '../core/errors';
import type { Config } from '../shared/config';

/** Storage of callbacks between attempts and after the last one. */
export interface CallbackQueue {
  /** Schedules another attempt after the delay. Throws on failure. */
  retryLater(message: CallbackMessage, delaySeconds: number): Promise<void>;
  /** Keeps a callback whose attempts are exhausted. Throws on failure. */
  deadLetter(message: CallbackMessage, reason: string): Promise<void>;
}

/** SQS caps a message's delay at 15 minutes. */
export const MAX_SQS_DELAY_SECONDS = 900;

/** The two SQS queues of a stage: retries (with delays) and dead letters. */
export class SqsCallbackQueue implements CallbackQueue {
  private readonly client: SQSClient;

  constructor(
    config: Config,
    private readonly retryQueueUrl: string,
    private readonly deadLetterQueueUrl: string,
  ) {
    this.client = new SQSClient({
      region: config.region,
      ...(config.sqsEndpoint && {
        endpoint: config.sqsEndpoint,
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      }),
    });
  }

  async retryLater(message: CallbackMessage, delaySeconds: number): Promise<void> {
    await this.sendTo(this.retryQueueUrl, JSON.stringify(message), delaySeconds);
  }

  async deadLetter(message: CallbackMessage, reason: string): Promise<void> {
    await this.sendTo(this.deadLetterQueueUrl, JSON.stringify({ ...message, reason }), 0);
  }

  private async sendTo(queueUrl: string, body: string, delaySeconds: number): Promise<void> {
    try {
      await this.client.send(
        new SendMessageCommand({
          QueueUrl: queueUrl,
          MessageBody: body,
          DelaySeconds: Math.min(Math.max(0, Math.round(delaySeconds)), MAX_SQS_DELAY_SECONDS),
        }),
      );
    } catch (error) {
      throw new DependencyError('queue_unavailable', 'SQS failed to take the callback.', { cause: error });
    }
  }
}
